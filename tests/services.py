"""Real services for the test suite: check they answer, start them when installed but stopped, else say what to install.

Used by tests/conftest.py and by `make services`. The start commands are those of the machines this project is
developed and tested on (Debian packages); nothing is skipped when a service is missing: the run stops with a
message naming the package.
"""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse


class ServiceMissing(RuntimeError):
    pass


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait(host, port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.3)
    return False


def ensure_postgres(url):
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5432
    if port_open(host, port):
        return "running"
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        raise ServiceMissing(
            f"PostgreSQL is not answering on {host}:{port} and is not installed: `apt-get install postgresql`, "
            "or set DATABASE_URL to a reachable server."
        )
    for version in sorted(p.name for p in Path("/etc/postgresql").iterdir()):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
    if not _wait(host, port):
        raise ServiceMissing(f"PostgreSQL was started but does not answer on {host}:{port}.")
    return "started"


def redis_command(port, data_dir="/var/lib/redis", logfile="/var/log/redis/ci.log"):
    return ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "no", "--dir", data_dir, "--logfile", logfile]


def ensure_redis(url):
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if port_open(host, port):
        return "running"
    if not shutil.which("redis-server"):
        raise ServiceMissing(
            f"Redis is not answering on {host}:{port} and is not installed: `apt-get install redis-server`, "
            "or set CELERY_BROKER_URL to a reachable broker."
        )
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(redis_command(port), check=True)
    if not _wait(host, port):
        raise ServiceMissing(f"Redis was started but does not answer on {host}:{port}.")
    return "started"


def ensure_from_environment(environ):
    """Bring up whatever DATABASE_URL and CELERY_BROKER_URL point at; SQLite and the filesystem broker need nothing."""
    report = {}
    db = environ.get("DATABASE_URL", "")
    if db.startswith(("postgres://", "postgresql://")):
        report["postgresql"] = ensure_postgres(db)
    broker = environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        report["redis"] = ensure_redis(broker)
    return report


if __name__ == "__main__":
    import os

    try:
        print(ensure_from_environment(os.environ) or "no services needed (SQLite and the filesystem broker)")
    except ServiceMissing as exc:
        sys.exit(f"error: {exc}")
