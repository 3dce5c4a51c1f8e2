import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import ServiceMissing, ensure_from_environment

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    try:
        ensure_from_environment(os.environ)
    except ServiceMissing as exc:
        pytest.exit(f"Test services unavailable: {exc}", returncode=3)


def database_url(settings_dict):
    """The URL of the database the test run created, for worker subprocesses."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


@pytest.fixture(scope="session")
def tiny_model(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real GPT-2-style model trained here on the demo catalogue's human copy (small, a few seconds on CPU)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.conf import settings

    from copygen_oscar.management.commands.copygen_train import TRAINED_KINDS
    from copygen_oscar.training.data import split, store_examples
    from copygen_oscar.training.scratch import ScratchConfig, train_from_scratch

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("copygen_demo_catalogue", stdout=open(os.devnull, "w"))
            train, validation = split(store_examples(kinds=TRAINED_KINDS), 0.1)
            transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("models") / "tiny"
    train_from_scratch([e.pair() for e in train], [e.pair() for e in validation], path, ScratchConfig(n_layer=2, n_embd=128, n_head=2, steps=300, vocab_size=800),
                       log=lambda *_: None)
    previous = getattr(settings, "COPYGEN_MODEL_PATH", None)
    settings.COPYGEN_MODEL_PATH = str(path)
    yield path
    settings.COPYGEN_MODEL_PATH = previous


class Worker:
    """A real `celery worker` process, on the broker and database the tests use."""

    def __init__(self, env, log_path, extra_args=()):
        self.log_path = log_path
        self.log = open(log_path, "w")
        cmd = [sys.executable, "-m", "celery", "-A", "shop_demo", "worker", "-Q", "copygen_gpu,copygen_cpu",
               "--pool=solo", "-l", "info", "-n", f"test-{os.getpid()}-{time.monotonic_ns()}@%h", *extra_args]
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.wait_for("ready", timeout=60)

    def output(self):
        return Path(self.log_path).read_text(errors="replace")

    def wait_for(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited ({self.process.returncode}):\n{self.output()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"worker never logged {text!r}:\n{self.output()[-3000:]}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def worker_env(**overrides):
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        COPYGEN_MODEL_PATH=str(settings.COPYGEN_MODEL_PATH or ""),
        COPYGEN_SEED="7",
        PYTHONWARNINGS="ignore",
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def purge_broker():
    from shop_demo.celery import app

    with app.connection_for_write() as conn:
        for queue in ("copygen_gpu", "copygen_cpu"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001  (a queue never declared has nothing to purge)
                pass


@pytest.fixture(scope="module")
def celery_worker_process(tiny_model, tmp_path_factory):
    """One worker per test module, gone before the next module claims rows in-process."""
    purge_broker()
    worker = Worker(worker_env(), tmp_path_factory.mktemp("logs") / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def fresh_store_vocabulary():
    """The vocabulary and copy caches live per process; each test sees its own catalogue."""
    from copygen_oscar.guard import duplicates, language

    language._cache.update(at=0.0, words=None)
    duplicates._cache.update(at=0.0, corpus=None)


@pytest.fixture
def wait_until():
    def wait(predicate, timeout=30, interval=0.2, message="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s waiting for {message() if callable(message) else message}")

    return wait
