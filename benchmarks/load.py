"""Load test: product page latency under concurrent shoppers, serving off versus serving on while a worker generates.

What runs: the demo store under gunicorn (sync workers, DEBUG off, as in production) on 127.0.0.1, in a throw-away
SQLite database (a temporary folder for SHOP_VAR_DIR: the demo's own data is not touched) holding the demo catalogue,
with ``--variants`` approved copy variants on each of ``--products`` products. A bounded client (``--clients``
threads, each one request at a time with ``--think`` seconds between requests, 10 s timeout, 127.0.0.1 only) fetches
those product pages for ``--seconds`` per phase, after a short unmeasured warm-up. Each request is a new visitor (no
cookie: a serving decision and an impression event on every view, the costly case) except ``--returning`` of them,
which send back the cookies of an earlier visit (a sticky choice).

A real Celery worker (``celery -A shop_demo worker -Q copygen_gpu,copygen_cpu --pool=solo``, the shipped model on
the CPU, ``--candidates`` candidates per variant) starts first and loads its model on a one-product job.
(a) off: ``COPYGEN_SERVING=0`` in the server's environment (the pages show the products' own copy); the worker is
    idle (it polls the broker).
(b) on + worker: ``COPYGEN_SERVING=1``, while the worker works through a bulk job of description, bullets, SEO and
    social requests for every product (``workflow.jobs.create_job``, more than the phase can finish); the phase starts once the worker has claimed the job's first batch.
The server is restarted between the phases (the setting is read at start), and each phase has its own warm-up.

Measured: wall-clock time from sending the request to reading the whole response, per request; p50/p95/p99 per
phase, throughput, and errors (any status but 200, or any exception). The worker's progress during phase (b) is read
from the store's own ``/metrics/`` endpoint (batches, generated tokens).

This machine has 2 cores and nothing else to put the worker on: the worker's model runs on the same CPUs as the
web server, which production avoids (generation belongs on GPU or separate worker machines, docs/deploy.md). By
default the worker gets one torch thread at nice 10 under the kernel's idle scheduling class (``chrt --idle 0``: it
runs only on CPU time no web process wants), the nearest a single box gets to that separation, as docs/deploy.md
advises for a shared box; ``--worker-threads 2 --worker-nice 0`` measures a worker that takes the whole machine. Other processes on the machine (a CI
run, say) add noise to both phases alike only if they run throughout: read the figures with that in mind.
Prints per-phase lines, then ``errors=<n>`` and as its LAST line ``p95_ratio=<p95 on / p95 off>`` (target <= 1.1).
"""

import argparse
import http.client
import io
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PENDING_SAMPLE = 'copygen_requests{status="pending"}'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--think", type=float, default=0.25, help="seconds each client waits between requests")
    parser.add_argument("--returning", type=float, default=0.3, help="share of requests from returning visitors")
    parser.add_argument("--products", type=int, default=12, help="product pages in rotation")
    parser.add_argument("--variants", type=int, default=2, help="approved variants per product (besides its own)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--worker-threads", type=int, default=1, help="torch threads of the Celery worker")
    parser.add_argument("--worker-nice", type=int, default=10, help="niceness of the Celery worker")
    parser.add_argument("--candidates", type=int, default=2, help="the worker's COPYGEN_CANDIDATES_PER_VARIANT")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    return parser.parse_args()


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving shop_demo.wsgi with the given environment; stopped with SIGTERM (graceful)."""

    def __init__(self, env, workers, log_path, ready_path):
        self.port = free_port()
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "shop_demo.wsgi:application", "--bind", f"{HOST}:{self.port}",
             "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "10",
             "--access-logfile", "-"],  # the access log is evidence of errors; it goes to a file
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}): see {log_path}")
            try:
                status, _, _ = fetch(self.port, ready_path, timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"gunicorn did not answer within 90 s: see {log_path}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def fetch(port, path, cookies="", timeout=10.0, headers=None):
    """One GET on a fresh connection: ``(status, set-cookie headers, body length)``."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={**({"Cookie": cookies} if cookies else {}), **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        return response.status, response.headers.get_all("Set-Cookie") or [], len(body)
    finally:
        connection.close()


def cookie_header(set_cookies):
    return "; ".join(value.split(";", 1)[0] for value in set_cookies)


def run_phase(port, urls, args, seconds, seed):
    """``clients`` threads fetch product pages until the deadline. Returns (latencies in s, errors, error samples)."""
    latencies, errors, samples = [], [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index):
        rng = random.Random(seed * 1000 + index)
        visits = []  # cookies of this client's earlier visitors, for returning ones
        while time.monotonic() < deadline:
            url = rng.choice(urls)
            cookies = rng.choice(visits) if visits and rng.random() < args.returning else ""
            started = time.perf_counter()
            try:
                status, set_cookies, _ = fetch(port, url, cookies)
                ok = status == 200
                problem = f"HTTP {status} on {url}"
            except Exception as exc:  # noqa: BLE001  (every failure is an error to count, none stops the client)
                ok, set_cookies, problem = False, [], f"{type(exc).__name__}: {exc} on {url}"
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
                    if len(samples) < 5:
                        samples.append(problem)
            if ok and not cookies and set_cookies and len(visits) < 50:
                visits.append(cookie_header(set_cookies))
            if args.think:
                time.sleep(args.think)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    return latencies, errors[0], samples


def percentiles(latencies):
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50": statistics.median(latencies), "p95": cuts[94], "p99": cuts[98]}


def report(name, latencies, errors, seconds):
    figures = percentiles(latencies)
    print(f"{name}: {len(latencies)} ok, {errors} errors, {len(latencies) / seconds:.1f} req/s, "
          + ", ".join(f"{key}={value * 1000:.1f} ms" for key, value in figures.items()), flush=True)
    return figures


def scrape(port, token):
    """``{sample: value}`` of the store's /metrics/ (labelled samples keep their labels in the name)."""
    request = urllib.request.Request(f"http://{HOST}:{port}/metrics/", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (127.0.0.1 only)
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def prepare(args):
    """Migrate the throw-away database, load the demo catalogue and add approved variants. Returns the page URLs."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from oscar.core.loading import get_model

    from copygen_oscar.receivers import auto_generation_paused

    Product = get_model("catalogue", "Product")
    CopyVariant = get_model("copygen", "CopyVariant")
    call_command("migrate", verbosity=0, interactive=False)
    with auto_generation_paused():
        call_command("copygen_demo_catalogue", stdout=io.StringIO())
    products = list(Product.objects.exclude(description="").filter(stockrecords__isnull=False, parent__isnull=True)
                    .order_by("upc").distinct()[: args.products])
    for product in products:
        for i in range(args.variants):
            CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                       body=f"<p>{product.title}: variant {i}, approved for the load test.</p>")
    urls = [product.get_absolute_url() for product in products]
    standalone = Product.objects.filter(parent__isnull=True)
    total, extra = standalone.count(), standalone.exclude(pk__in=[p.pk for p in products]).order_by("pk")[0].pk
    connection.close()
    return urls, total, extra


def lower_priority(nice):
    """In the worker's child process: its own session (so its own scheduler autogroup where the kernel has them:
    plain nice does not reach across sessions then) gets the niceness, and so does the process, in the idle class."""
    def apply():
        try:
            with open("/proc/self/autogroup", "w") as handle:
                handle.write(str(nice))
        except OSError:
            pass
        os.nice(nice)
        try:  # the web server's runnable processes always go first (chrt --idle 0)
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except (AttributeError, OSError):  # not Linux, or a sandbox that refuses: niceness alone
            pass

    return apply


def start_job(ids=None, kinds=("description",)):
    """A bulk job (one variant each) for ``ids``, or for every product; the workers are woken."""
    from django.db import connection
    from oscar.core.loading import get_model

    from copygen_oscar.workflow.jobs import create_job

    Product = get_model("catalogue", "Product")
    ids = ids or list(Product.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    job = create_job({"mode": "products", "ids": ids}, kinds=list(kinds), n=1)
    connection.close()
    return job


def request_counts(job):
    from django.db import connection
    from django.db.models import Count

    counts = dict(job.requests.values_list("status").annotate(n=Count("pk")).order_by())
    connection.close()
    return counts


def wait_for(what, predicate, timeout, log):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.3)


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its server and worker
    var = Path(tempfile.mkdtemp(prefix="copygen-load-"))
    token = secrets.token_hex(16)
    env = dict(os.environ)
    for name in ("COPYGEN_REDIS_URL", "CELERY_BROKER_URL", "COPYGEN_MODEL_PATH", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
        os.environ.pop(name, None)  # this process sends the job's wake-ups: to the same throw-away broker
    env.update(
        SHOP_VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'load.sqlite3'}",
        DJANGO_SETTINGS_MODULE="shop_demo.settings",
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_hex(32), DJANGO_ALLOWED_HOSTS=HOST, DJANGO_SECURE_SSL="0",
        COPYGEN_METRICS_TOKEN=token, COPYGEN_LOG_LEVEL="INFO", PYTHONWARNINGS="ignore",
        COPYGEN_SWEEP_INTERVAL="3600",  # no beat runs here; nothing else wakes the worker
    )
    os.environ.update(env)  # this process sets the data up in the same database
    server = worker = None
    try:
        started = time.monotonic()
        urls, total, extra = prepare(args)
        print(f"setup: {total} products, {len(urls)} pages with {args.variants} approved variants each; gunicorn "
              f"{args.web_workers} sync workers; {args.clients} clients, think {args.think * 1000:.0f} ms, "
              f"{args.returning:.0%} returning; {args.seconds:.0f} s per phase on {os.cpu_count()} cores "
              f"({time.monotonic() - started:.0f} s)", flush=True)

        # The worker starts first and loads its model on a one-product job, so that it sits idle (polling the
        # broker) through phase (a) and generates from the first second of phase (b).
        worker_log = var / "worker.log"
        worker = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "shop_demo", "worker", "-Q", "copygen_gpu,copygen_cpu", "--pool=solo",
             "-l", "info", "-n", f"load-{os.getpid()}@%h"],
            cwd=ROOT, stdout=open(worker_log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
            env={**env, "OMP_NUM_THREADS": str(args.worker_threads), "MKL_NUM_THREADS": str(args.worker_threads),
                 "COPYGEN_CANDIDATES_PER_VARIANT": str(args.candidates)},
            preexec_fn=lower_priority(args.worker_nice) if args.worker_nice else None)
        wait_for("the worker", lambda: worker.poll() is None and "ready" in worker_log.read_text(), 120, worker_log)
        warm_job = start_job(ids=[extra])
        server = Server({**env, "COPYGEN_SERVING": "0"}, args.web_workers, var / "web-off.log", urls[0])
        wait_for("the worker's first batch", lambda: not {"pending", "running"} & set(request_counts(warm_job)), 300,
                 worker_log)
        print(f"worker ready: model loaded, warm-up job {request_counts(warm_job)} "
              f"({time.monotonic() - started:.0f} s)", flush=True)

        run_phase(server.port, urls, args, args.warmup, seed=1)
        off, off_errors, off_samples = run_phase(server.port, urls, args, args.seconds, seed=2)
        server.stop()
        server = None
        off_figures = report("(a) serving off, worker idle", off, off_errors, args.seconds)

        server = Server({**env, "COPYGEN_SERVING": "1"}, args.web_workers, var / "web-on.log", urls[0])
        job = start_job(kinds=("description", "bullets", "seo", "social"))  # more than the phase can finish
        wait_for("a claim of the bulk job", lambda: "running" in request_counts(job), 60, worker_log)
        run_phase(server.port, urls, args, args.warmup, seed=3)
        before = scrape(server.port, token)
        on, on_errors, on_samples = run_phase(server.port, urls, args, args.seconds, seed=4)
        after, at_end = scrape(server.port, token), request_counts(job)
        on_figures = report("(b) serving on, worker generating", on, on_errors, args.seconds)
        batches = after.get("copygen_batches_total", 0) - before.get("copygen_batches_total", 0)
        tokens = after.get("copygen_generated_tokens_total", 0) - before.get("copygen_generated_tokens_total", 0)
        logged = sum(line.startswith('{"event":"copygen.batch"') for line in worker_log.read_text().splitlines())
        print(f"worker during (b): {batches:.0f} batches finished, {tokens:.0f} tokens generated (/metrics/); bulk "
              f"job of {job.total} requests now {at_end}; {logged} copygen.batch log records in all", flush=True)
        if not batches:
            print("warning: the worker was not generating during phase (b)", flush=True)
        elif not {"pending", "running"} & set(at_end):
            print("warning: the bulk job ended before phase (b) did: the worker was idle for part of it", flush=True)
        for sample in off_samples + on_samples:
            print(f"error sample: {sample}")
        print("ratios on/off: " + ", ".join(f"{key}={on_figures[key] / off_figures[key]:.3f}"
                                             for key in ("p50", "p95", "p99")))
        print(f"errors={off_errors + on_errors}")
        print(f"p95_ratio={on_figures['p95'] / off_figures['p95']:.3f}")
    finally:
        if server is not None:
            server.stop()
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGQUIT)  # cold shutdown: the job's rest dies with the throw-away database
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        if args.keep:
            print(f"kept: {var}", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
