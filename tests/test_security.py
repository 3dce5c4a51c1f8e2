"""Security contracts (see docs/security.md): bandit clean at medium severity, secrets only from the environment,
and the one outbound HTTP client restricted to http(s). ``manage.py check --deploy`` is in test_project.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def bandit(*args):
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "copygen_oscar", "shop_demo", "-q", "-f", "json",
                             *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    return report["results"]


def where(results):
    return [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in results]


def test_bandit_is_clean_at_medium_severity():
    # Each accepted finding carries a "# nosec BXXX  # reason" on its line; docs/security.md lists them.
    results = bandit("-ll")
    assert not results, "\n".join(where(results))


def test_the_only_hard_coded_secret_is_the_documented_demo_key():
    # B105-B107: hard-coded passwords, keys and tokens, at every severity. An empty default ("" = not set) is none.
    results = [r for r in bandit("-t", "B105,B106,B107") if not r["issue_text"].endswith(": ''")]
    assert [(r["filename"], r["issue_text"]) for r in results] == [
        ("shop_demo/settings.py",
         "Possible hardcoded password: 'demo-only-insecure-key-set-DJANGO_SECRET_KEY-in-production'")
    ], "\n".join(where(results))


def test_production_settings_need_their_secrets_from_the_environment():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="shop_demo.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0" \
        in result.stderr, result.stderr[-2000:]

    # With the key in the environment the same settings load, and use it rather than the demo key.
    env["DJANGO_SECRET_KEY"] = "from-the-environment-" + "x" * 50
    result = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == env["DJANGO_SECRET_KEY"]


@pytest.mark.parametrize("base_url", ["file:///etc/passwd", "ftp://models.example.com/v1", "/v1"])
def test_the_openai_backend_opens_only_http_urls(settings, monkeypatch, base_url):
    import urllib.request

    from copygen_oscar.backends.base import BackendError
    from copygen_oscar.backends.openai import OpenAIBackend

    def never(*args, **kwargs):
        raise AssertionError("urlopen was called")

    monkeypatch.setattr(urllib.request, "urlopen", never)
    settings.COPYGEN_OPENAI_BASE_URL = base_url
    with pytest.raises(BackendError, match=r"must be an http\(s\) URL"):
        OpenAIBackend()._post("/completions", {"prompt": "x"})
