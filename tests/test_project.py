"""Project-level contracts: migrations match the models, production settings are deploy-clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_migrations_match_models():
    result = manage("makemigrations", "copygen", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="0",
                    DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="shop.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0" in result.stderr


def test_the_package_installs_with_its_templates_and_migrations(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    import zipfile

    (wheel,) = tmp_path.glob("copygen_oscar-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"copygen_oscar/migrations/0001_initial.py", "copygen_oscar/apps.py",
            "copygen_oscar/templates/copygen_oscar/dashboard/product.html",
            "copygen_oscar/dashboard/apps.py", "copygen_oscar/default_model/config.json",
            "copygen_oscar/default_model/model.safetensors", "copygen_oscar/default_model/tokenizer.json",
            "copygen_oscar/default_model/README.md"} <= names
    shipped = sum(info.file_size for info in zipfile.ZipFile(wheel).infolist() if "/default_model/" in info.filename)
    assert shipped <= 20 * 1024 * 1024, f"the default model is {shipped / 2**20:.1f} MiB, at most 20 MiB"
    assert not any(name.startswith(("shop_demo/", "tests/")) for name in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: django-oscar[sorl-thumbnail]" in metadata
    assert "Provides-Extra: gpu" in metadata and "Requires-Dist: trl" in metadata
