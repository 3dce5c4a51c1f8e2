"""The broker is down when a product is saved: the save is quick, the request waits in the database, and once
the broker is back the periodic sweep wakes a worker and the copy is generated exactly once."""

import subprocess
import time

import pytest
from oscar.core.loading import get_model

from copygen_oscar.requests import wake_workers
from shop_demo.celery import app
from tests.conftest import Worker, worker_env
from tests.helpers import demo_products_cleared, finished
from tests.services import port_open, redis_command

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A real redis-server of this test's own, so stopping it disturbs nothing else."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.tmp_path = tmp_path
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        subprocess.run(redis_command(self.port, str(self.tmp_path), str(self.tmp_path / "redis.log")), check=True)
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "private redis did not start"
            time.sleep(0.1)

    def stop(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], check=False,
                       capture_output=True)
        deadline = time.monotonic() + 10
        while port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "private redis did not stop"
            time.sleep(0.1)


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.mark.django_db(transaction=True)
def test_request_survives_a_broker_outage(private_redis, tiny_model, tmp_path, wait_until, monkeypatch):
    worker = Worker(
        worker_env(CELERY_BROKER_URL=private_redis.url, COPYGEN_SWEEP_INTERVAL=1, COPYGEN_STALE_PENDING_SECONDS=1,
                   COPYGEN_CANDIDATES_PER_VARIANT=24),
        tmp_path / "worker.log",
        extra_args=["-B", "-s", str(tmp_path / "beat-schedule")],
    )
    monkeypatch.setattr(app.conf, "broker_url", private_redis.url)
    try:
        assert wake_workers(), "the broker is up: a wake-up must go through"  # also warms the imports up
        private_redis.stop()

        (product,) = demo_products_cleared(1, offset=5, clear=False)
        product.description = ""
        started = time.monotonic()
        product.save()
        save_seconds = time.monotonic() - started
        assert save_seconds < 1.5, f"a save waited {save_seconds:.2f}s on a dead broker"

        request = GenerationRequest.objects.get(product=product)
        time.sleep(2)  # nobody can be woken while the broker is down
        request.refresh_from_db()
        assert (request.status, request.attempts) == (GenerationRequest.PENDING, 0), worker.output()[-3000:]

        private_redis.start()
        wait_until(lambda: finished(request), timeout=90,
                   message=lambda: "generation after the broker came back:\n" + worker.output()[-3000:])
        assert request.status == GenerationRequest.DONE, request.reason
        assert request.attempts == 1
        assert request.claimed_by.split(":")[1] == str(worker.process.pid)
        assert 1 <= CopyVariant.objects.filter(request=request).count() <= request.n_variants
        assert GenerationRequest.objects.filter(product=product).count() == 1
    finally:
        worker.stop()
