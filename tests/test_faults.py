"""Faults against real services, each with exact counts: a worker killed mid-batch, Redis restarted under load, the
database connection dropped during a batch, a model answering garbage for one prompt, the tuning job killed halfway,
and two workers sharing one bulk job.

Worker subprocesses run with ``DJANGO_SETTINGS_MODULE=tests.faults`` (the demo settings plus a few knobs from the
environment) and ``tests.faults.SlowBackend``, which logs each generate call and then waits, so a test kills a
worker at a known point of its batch instead of at a guessed time.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from oscar.core.loading import get_model

from copygen_oscar.requests import process_pending, sweep
from tests.conftest import ROOT, Worker, purge_broker, worker_env
from tests.faults import generate_calls

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")
Product = get_model("catalogue", "Product")
Impression = get_model("copygen", "Impression")
BasketEvent = get_model("copygen", "BasketEvent")
AttributedOrder = get_model("copygen", "AttributedOrder")
EventCounter = get_model("copygen", "EventCounter")
Order = get_model("order", "Order")

FINISHED = (GenerationRequest.DONE, GenerationRequest.FAILED)
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


# ---------------------------------------------------------------------------------------------------------------
# helpers


def fault_env(tmp_path, **overrides):
    """A worker environment on the fault settings with the slow, logging backend and a small token budget."""
    return worker_env(
        DJANGO_SETTINGS_MODULE="tests.faults",
        COPYGEN_BACKEND="tests.faults.SlowBackend",
        FAULT_LOG=tmp_path / "generate.log",
        COPYGEN_CANDIDATES_PER_VARIANT=2,
        COPYGEN_MAX_NEW_TOKENS=48,
        COPYGEN_REALISM_WEIGHT=0,
        COPYGEN_REWARD_WEIGHT=0,
        **overrides,
    )


def kill(worker):
    """SIGKILL, the whole process group: no shutdown code runs, nothing is acknowledged or handed back."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    worker.log.close()


def load_catalogue():
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    return list(Product.objects.filter(parent__isnull=True).order_by("upc"))


def queue_requests(products, n_of):
    """One staff request per product (``n_of(i)`` variants), committed together, then one wake-up."""
    from copygen_oscar.requests import wake_workers

    with transaction.atomic():
        GenerationRequest.objects.bulk_create([
            GenerationRequest(product=p, kind="description", n_variants=n_of(i), source=GenerationRequest.STAFF)
            for i, p in enumerate(products)
        ])
    wake_workers()
    return list(GenerationRequest.objects.filter(product__in=products).order_by("pk"))


def statuses(ids=None):
    rows = GenerationRequest.objects.all() if ids is None else GenerationRequest.objects.filter(pk__in=ids)
    return Counter(rows.values_list("status", flat=True))


def assert_each_written_once(requests):
    """Every request finished, with a reason when it failed, and at most its own variants, each index once."""
    for request in requests:
        request.refresh_from_db()
        assert request.status in FINISHED, (request.pk, request.status)
        variants = list(CopyVariant.objects.filter(request=request).values_list("index", flat=True))
        assert len(variants) == len(set(variants)) <= request.n_variants, (request.pk, variants)
        if request.status == GenerationRequest.FAILED:
            assert request.reason and not variants, (request.pk, request.reason)
        else:
            assert variants, request.pk  # staff requests always generate: DONE means copy was written
        assert request.lease_expires_at is None and request.finished_at is not None
    # No variant anywhere belongs to a request twice over, and none to another product than its request's.
    dupes = (CopyVariant.objects.filter(request__isnull=False).values("request", "index").annotate(c=Count("pk"))
             .filter(c__gt=1))
    assert not dupes.exists(), list(dupes)
    assert not CopyVariant.objects.filter(request__isnull=False).exclude(product_id=F("request__product_id")).exists()


def expire_leases():
    return GenerationRequest.objects.filter(status=GenerationRequest.RUNNING).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


class OwnRedis:
    """A redis-server of this test's own on a free port, killed and restarted at will (never the shared one)."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = free_port(), tmp_path, None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            assert time.monotonic() < deadline and self.process.poll() is None, "own redis-server did not start"
            time.sleep(0.05)

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while port_open(self.port):
            assert time.monotonic() < deadline
            time.sleep(0.05)


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    yield redis
    if redis.process.poll() is None:
        redis.kill()


@pytest.fixture
def workers():
    started = []
    yield started
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()


# ---------------------------------------------------------------------------------------------------------------
# 1. a GPU worker SIGKILLed in the middle of a batch of 64


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_every_request_generated_exactly_once(tiny_model, tmp_path, workers, wait_until):
    purge_broker()
    products = load_catalogue()[:64]
    assert len(products) == 64
    # Four groups of 16 in one claim of 64 (a group per variant count): the worker finishes group 1, then is killed
    # while generating group 2.
    requests = queue_requests(products, lambda i: 1 + i % 4)
    log = tmp_path / "generate.log"
    first = Worker(fault_env(tmp_path, COPYGEN_BATCH_SIZE=64, FAULT_GENERATE_SLEEP=4), tmp_path / "first.log")
    workers.append(first)

    wait_until(lambda: len(generate_calls(log)) >= 2, timeout=120, message="the second group's generate call")
    kill(first)
    calls = generate_calls(log)
    assert len(calls) == 2 and [len(c["titles"]) for c in calls] == [16, 16]
    before = {r.pk: r for r in GenerationRequest.objects.filter(status__in=FINISHED)}
    assert len(before) == 16 and statuses() == {**statuses(before), GenerationRequest.RUNNING: 48}
    claimed = set(GenerationRequest.objects.filter(status=GenerationRequest.RUNNING).values_list("claimed_by", flat=True))
    assert len(claimed) == 1  # one claim of all 64
    finished_variants = set(CopyVariant.objects.values_list("pk", flat=True))

    assert expire_leases() == 48
    report = sweep()
    assert report["requeued"] == 48 and report["failed"] == 0 and report["woken"]
    log.unlink()
    workers.append(Worker(fault_env(tmp_path, COPYGEN_BATCH_SIZE=64), tmp_path / "second.log"))
    wait_until(lambda: sum(statuses().get(s, 0) for s in FINISHED) == 64, timeout=180,
               message=lambda: f"all 64 requests to finish: {statuses()}")

    assert_each_written_once(requests)
    assert sum(statuses().values()) == 64
    # What the first worker finished was not generated again: same rows, same variants, one attempt.
    for pk, old in before.items():
        new = GenerationRequest.objects.get(pk=pk)
        assert (new.status, new.finished_at, new.attempts, new.claimed_by) == (old.status, old.finished_at, 1,
                                                                                old.claimed_by)
    assert finished_variants <= set(CopyVariant.objects.values_list("pk", flat=True))
    assert set(GenerationRequest.objects.exclude(pk__in=before).values_list("attempts", flat=True)) == {2}
    # The new worker generated exactly the 48 handed back, each once.
    titles = Counter(t for call in generate_calls(log) for t in call["titles"])
    assert sum(titles.values()) == 48 and set(titles.values()) == {1}
    assert not set(titles) & {r.product.title for r in before.values()}


# ---------------------------------------------------------------------------------------------------------------
# 3. the database connection dropped during a batch


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_dropped_during_a_batch_is_retried_and_written_once(tiny_model, tmp_path, workers,
                                                                                  wait_until):
    purge_broker()
    products = load_catalogue()[:16]
    requests = queue_requests(products, lambda i: 1 + i % 2)  # two groups of 8 in one claim
    log = tmp_path / "generate.log"
    app_name = f"faults-{uuid.uuid4().hex[:8]}"
    worker = Worker(fault_env(tmp_path, COPYGEN_BATCH_SIZE=16, FAULT_GENERATE_SLEEP=3, FAULT_DB_APP_NAME=app_name),
                    tmp_path / "worker.log")
    workers.append(worker)
    wait_until(lambda: len(generate_calls(log)) >= 2, timeout=120, message="the second group's generate call")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                       [app_name])
        assert len(cursor.fetchall()) == 1  # the worker holds one connection, now gone
    wait_until(lambda: "OperationalError" in worker.output() or "InterfaceError" in worker.output(), timeout=60,
               message="the worker's task to fail on the dropped connection")
    # Nothing of the second group was written; the first group's results stand.
    assert statuses() == {**statuses([r.pk for r in requests[::2]]), GenerationRequest.RUNNING: 8}
    assert sum(statuses().get(s, 0) for s in FINISHED) == 8
    written = {r.pk: r.finished_at for r in GenerationRequest.objects.filter(status__in=FINISHED)}

    assert expire_leases() == 8
    assert sweep()["requeued"] == 8
    # The same worker process takes the retry on a fresh connection.
    wait_until(lambda: sum(statuses().get(s, 0) for s in FINISHED) == 16, timeout=120,
               message=lambda: f"the retried batch to finish: {statuses()}")
    assert worker.process.poll() is None
    assert_each_written_once(requests)
    for request in requests:
        request.refresh_from_db()
        if request.pk in written:
            assert (request.attempts, request.finished_at) == (1, written[request.pk])
        else:
            assert request.attempts == 2
    # The task gave up on the lost connection instead of failing requests it could not write.
    assert "raised unexpected: OperationalError" in worker.output()
    titles = Counter(t for call in generate_calls(log) for t in call["titles"])
    assert all(titles[r.product.title] == 1 for r in requests if r.pk in written)
    # The retried ones were asked of the model again (the dying batch also retried them one by one: the backend's
    # own query of the active model version raised the database error inside generate), and written once.
    assert all(titles[r.product.title] >= 2 for r in requests if r.pk not in written)


# ---------------------------------------------------------------------------------------------------------------
# 4. a model answering garbage for one request of a batch


@pytest.mark.django_db
def test_garbage_candidates_for_one_request_fail_only_that_request(tiny_model, settings):
    from copygen_oscar.receivers import auto_generation_paused
    from copygen_oscar.requests import request_generation

    settings.COPYGEN_BACKEND = "tests.faults.GarbageBackend"
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 3
    products = load_catalogue()[10:16]
    with auto_generation_paused():
        products[2].title = "GIBBERISH " + products[2].title
        products[2].save()
    requests = [request_generation(p, source=GenerationRequest.STAFF)[0] for p in products]
    process_pending()
    for request in requests:
        request.refresh_from_db()
    bad = requests[2]
    assert bad.status == GenerationRequest.FAILED and bad.reason, bad.reason
    assert not CopyVariant.objects.filter(request=bad).exists()
    others = [r for r in requests if r.pk != bad.pk]
    # The others are judged on their own copy only: done, or refused by the guard, never by the garbage.
    for request in others:
        assert request.status == GenerationRequest.DONE or "candidates were rejected" in request.reason, request.reason
    assert any(r.status == GenerationRequest.DONE for r in others)  # how many pass the guard depends on the draw
    assert_each_written_once(requests)


@pytest.mark.django_db
def test_a_prompt_missing_from_the_batch_output_fails_only_that_request(tiny_model, settings):
    """A backend that answers fewer outputs than prompts (one dropped) must not shift the others' copy onto the
    wrong products nor leave a request claimed until its lease runs out."""
    from copygen_oscar.receivers import auto_generation_paused
    from copygen_oscar.requests import request_generation

    settings.COPYGEN_BACKEND = "tests.faults.GarbageBackend"
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 3
    products = load_catalogue()[10:16]
    with auto_generation_paused():
        products[1].title = "VANISH " + products[1].title
        products[1].save()
    requests = [request_generation(p, source=GenerationRequest.STAFF)[0] for p in products]
    process_pending()
    misplaced = [(r.product.title, v.prompt.split("\n", 1)[0]) for r in requests
                 for v in CopyVariant.objects.filter(request=r)
                 if not v.prompt.startswith(f"Product: {r.product.title}\n")]
    assert not misplaced  # no product gets copy written for another
    assert statuses().get(GenerationRequest.RUNNING, 0) == 0, statuses()  # no claim left to the lease
    for request in requests:
        request.refresh_from_db()
    assert requests[1].status == GenerationRequest.FAILED and requests[1].reason
    assert_each_written_once(requests)


# ---------------------------------------------------------------------------------------------------------------
# 6. scale-out: two workers share one bulk job


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_bulk_job_without_duplicates(tiny_model, tmp_path, workers, wait_until):
    from copygen_oscar.workflow.jobs import create_job

    purge_broker()
    products = load_catalogue()[:40]
    log = tmp_path / "generate.log"
    env = fault_env(tmp_path, COPYGEN_BATCH_SIZE=8, FAULT_GENERATE_SLEEP=1.5)
    workers.append(Worker(env, tmp_path / "a.log"))
    workers.append(Worker(env, tmp_path / "b.log"))
    job = create_job({"mode": "products", "ids": [p.pk for p in products]}, kinds=["description"], n=1)
    assert job.total == 40
    # create_job sends one wake-up per batch the job fills (5 here, up to COPYGEN_WAKE_FANOUT): both workers start
    # at once, with no sweep; the surplus wake-ups find nothing left to claim.
    wait_until(lambda: sum(statuses().get(s, 0) for s in FINISHED) == 40, timeout=180,
               message=lambda: f"the job to finish: {statuses()}")

    requests = list(job.requests.all())
    assert len(requests) == 40
    assert_each_written_once(requests)
    assert {r.attempts for r in requests} == {1}
    by_worker = Counter(r.claimed_by for r in requests)
    assert len(by_worker) == 2, by_worker  # both workers claimed batches
    pids = {call["pid"] for call in generate_calls(log)}
    assert len(pids) == 2
    titles = Counter(t for call in generate_calls(log) for t in call["titles"])
    assert sum(titles.values()) == 40 and set(titles.values()) == {1}  # each product generated once, by one worker


# ---------------------------------------------------------------------------------------------------------------
# 2. Redis restarted while a bulk job and impression events are in flight


def scarf():
    from oscar.test.factories import create_product

    from copygen_oscar.receivers import auto_generation_paused

    with auto_generation_paused():
        product = create_product(title="Borders Wool Scarf", price=D("20.00"), num_in_stock=50)
        product.description = "<p>The owner's own scarf copy.</p>"
        product.save()
    for i in range(2):
        CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                   body=f"<p>Variant {i}: a warm wool scarf.</p>")
    return product


def view(client, product):
    """One new visitor's view of the product page: (status, which copy it showed)."""
    client.cookies.clear()
    page = client.get(product.get_absolute_url())
    html = page.content.decode()
    shown = next((part for part in ("own scarf copy", "Variant 0", "Variant 1") if part in html), None)
    return page.status_code, shown


@pytest.mark.django_db(transaction=True)
def test_redis_restart_with_jobs_and_events_in_flight(tiny_model, tmp_path, own_redis, workers, wait_until, settings,
                                                      monkeypatch, client):
    from copygen_oscar.serving import events
    from copygen_oscar.workflow.jobs import create_job

    broker, store = f"{own_redis.url}/0", f"{own_redis.url}/1"
    # This process publishes wake-ups to the test's Redis (the worker's broker), and serves from it.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", broker)
    settings.COPYGEN_REDIS_URL = store
    settings.COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.RedisBuffer"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": store,
                                   "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}}}
    events._buffers.clear()
    try:
        products = load_catalogue()[:24]
        product = scarf()
        log = tmp_path / "generate.log"
        workers.append(Worker(fault_env(tmp_path, CELERY_BROKER_URL=broker, COPYGEN_REDIS_URL=store,
                                        COPYGEN_BATCH_SIZE=8, FAULT_GENERATE_SLEEP=1.5), tmp_path / "worker.log"))

        # Up: three visitors, three decisions, stored by a flush.
        assert [view(client, product)[0] for _ in range(3)] == [200] * 3
        assert events.flush()["impressions"] == 3
        job = create_job({"mode": "products", "ids": [p.pk for p in products]}, kinds=["description"], n=1)
        wait_until(lambda: generate_calls(log), timeout=60, message="the job's first batch")
        # Two more decisions wait in the buffer when Redis goes away.
        assert [view(client, product)[0] for _ in range(2)] == [200] * 2
        assert len(events.get_buffer()) == 2

        own_redis.kill()
        in_flight = statuses(job.requests.values_list("pk", flat=True))
        assert in_flight.get(GenerationRequest.PENDING, 0) + in_flight.get(GenerationRequest.RUNNING, 0) > 0
        lost_before = events.counter(events.LOST)
        # Down: pages serve the product's own copy. The arm table lives in the same Redis, so no decision is drawn
        # and no event is emitted (or lost).
        down = [view(client, product) for _ in range(4)]
        assert down == [(200, "own scarf copy")] * 4
        assert events.counter(events.LOST) == lost_before == 0

        own_redis.start()
        # Back: decisions again. The two events buffered at the crash died with Redis's memory (it keeps nothing on
        # disk here): they are neither stored nor counted as lost.
        assert [view(client, product)[0] for _ in range(3)] == [200] * 3
        assert events.flush()["impressions"] == 3
        assert Impression.objects.count() == 6 and events.counter(events.LOST) == 0

        # The job completes: the worker drained the rows through the outage (the database holds the work); a
        # wake-up lost with the broker's memory is re-sent by the sweep.
        sweep(now=timezone.now() + timedelta(seconds=60))
        wait_until(lambda: sum(statuses().get(s, 0) for s in FINISHED) == 24, timeout=120,
                   message=lambda: f"the job to finish: {statuses()}")
        assert_each_written_once(list(job.requests.all()))
        titles = Counter(t for call in generate_calls(log) for t in call["titles"])
        assert sum(titles.values()) == 24 and set(titles.values()) == {1}

        # The buffer alone down (the arm table still cached in this process): every decision drawn is counted lost.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        view(client, product)  # caches the arm table (and buffers one decision)
        own_redis.kill()
        down = [view(client, product) for _ in range(5)]
        assert all(status == 200 and shown for status, shown in down)
        assert events.counter(events.LOST) == 5
        own_redis.start()
        assert view(client, product)[0] == 200
        assert events.flush()["impressions"] == 1 and events.counter(events.LOST) == 5
    finally:
        events._buffers.clear()


# ---------------------------------------------------------------------------------------------------------------
# 5. the tuning job killed halfway and run again


def reward_counts():
    rows = Impression.objects.values("arm", "reward").annotate(n=Count("pk"))
    return {(row["arm"], row["reward"]): row["n"] for row in rows}


@pytest.mark.django_db(transaction=True)
def test_tuning_killed_halfway_and_rerun_counts_no_reward_twice(tmp_path, settings):
    from oscar.apps.partner.strategy import Default
    from oscar.test.factories import create_basket, create_order

    from copygen_oscar.tuning.policy import tune_policy

    product = scarf()
    arms = ["own", *[str(pk) for pk in CopyVariant.objects.filter(product=product).order_by("pk")
                     .values_list("pk", flat=True)]]
    variants = {str(v.pk): v for v in CopyVariant.objects.filter(product=product)}
    now = timezone.now()
    orders = 0
    for i in range(24):
        arm = arms[i % 3]
        visitor = uuid.uuid4().hex
        bought = i % 3 != 2 or i < 6  # 18 buyers, 6 more who only looked
        shown = now - (timedelta(hours=2) if bought or i % 2 else timedelta(hours=100))
        Impression.objects.create(event_id=uuid.uuid4(), shown_at=shown, visitor=visitor, product=product,
                                  kind="description", segment="new", variant=variants.get(arm), arm=arm,
                                  probability=1 / 3, arms={a: 1 / 3 for a in arms})
        if bought:
            basket = create_basket(empty=True)
            basket.strategy = Default()
            basket.add_product(product)
            BasketEvent.objects.create(event_id=uuid.uuid4(), at=shown, visitor=visitor, basket_id=basket.pk,
                                       product=product)
            order = create_order(basket=basket)
            Order.objects.filter(pk=order.pk).update(date_placed=now - timedelta(minutes=30))
            orders += 1
    assert orders == 18

    # A clean single run, rolled back: the counts every later state must equal.
    with transaction.atomic():
        tune_policy(now=now)
        clean = reward_counts()
        clean_attributed = AttributedOrder.objects.count()
        transaction.set_rollback(True)
    assert clean_attributed == 18 and sum(n for (arm, reward), n in clean.items() if reward == 1) == 18
    assert reward_counts() == {(arm, None): 8 for arm in arms}

    code = (
        "import time\n"
        "from django.utils.dateparse import parse_datetime\n"
        "from copygen_oscar.serving import rewards\n"
        "from copygen_oscar.tuning.policy import tune_policy\n"
        "original = rewards.attribute\n"
        "def slow(order):\n"
        "    n = original(order)\n"
        "    print('attributed', order.pk, n, flush=True)\n"
        "    time.sleep(0.5)\n"
        "    return n\n"
        "rewards.attribute = slow\n"
        f"tune_policy(now=parse_datetime({now.isoformat()!r}))\n"
        "print('finished', flush=True)\n"
    )
    env = worker_env()
    process = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen = []
    try:
        deadline = time.monotonic() + 90
        while len([line for line in seen if line.startswith("attributed")]) < 7:
            line = process.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(seen)
            seen.append(line)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=10)
        process.stdout.close()
    assert "finished\n" not in seen
    halfway = AttributedOrder.objects.count()
    assert 7 <= halfway < 18
    assert sum(n for (arm, reward), n in reward_counts().items() if reward == 1) == halfway

    tune_policy(now=now)  # the next periodic run
    assert reward_counts() == clean
    assert AttributedOrder.objects.count() == 18
    assert sum(AttributedOrder.objects.values_list("impressions", flat=True)) == 18
    tune_policy(now=now)  # and once more: nothing moves
    assert reward_counts() == clean
