"""Observability: the Prometheus endpoint's numbers and access rule, the worker counters, the structured logs."""

import json
import logging
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product
from prometheus_client.parser import text_string_to_metric_families

from copygen_oscar import receivers
from copygen_oscar.backends import get_backend
from copygen_oscar.observability import add_counters, counters
from copygen_oscar.registry import DEFAULT_MODEL
from copygen_oscar.requests import claim_batch, process_claimed
from copygen_oscar.serving.events import LOST, count
from copygen_oscar.workflow.jobs import cancel, create_job
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
Impression = get_model("copygen", "Impression")
BulkJob = get_model("copygen", "BulkJob")

URL = "/metrics/"
TOKEN = "scrape-me-7f3a"


def samples(response):
    """``{(name, frozenset(labels)): value}`` of a Prometheus text response."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found, name, **labels):
    return found[name, frozenset(labels.items())]


def scrape(client):
    return samples(client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))


def impression(reward):
    return Impression(event_id=uuid.uuid4(), shown_at=timezone.now(), visitor=uuid.uuid4().hex, kind="description",
                      arm="own", probability=0.5, arms={"own": 0.5}, reward=reward)


@pytest.fixture
def token(settings):
    settings.COPYGEN_METRICS_TOKEN = TOKEN


@pytest.mark.django_db
def test_the_endpoint_reports_exactly_what_the_database_holds(client, token):
    with receivers.auto_generation_paused():
        a, b, c = (create_product(title=f"Aldercrest Field Kite {i}") for i in range(3))
    make = GenerationRequest.objects.create
    make(product=a, kind="description")
    make(product=b, kind="description")
    make(product=c, kind="seo")
    make(product=a, kind="seo", status=GenerationRequest.RUNNING, claimed_by="w")
    make(product=b, kind="description", status=GenerationRequest.DONE)
    make(product=c, kind="description", status=GenerationRequest.FAILED,
         reason="All 8 candidates were rejected: 8x too short")
    make(product=c, kind="description", status=GenerationRequest.CANCELLED)
    Impression.objects.bulk_create([impression(r) for r in (1, 1, 1, -1, -1, None)])
    count(LOST, 4)
    add_counters(batches=2, batch_milliseconds=1500, generated_tokens=900, batch_candidates=48, guard_failures=1)
    BulkJob.objects.create(description="job 1", kinds=["description"])
    BulkJob.objects.create(description="job 2", kinds=["description"])
    BulkJob.objects.create(description="job 3", kinds=["description"], status=BulkJob.DONE)

    found = scrape(client)

    assert value(found, "copygen_queue_depth", kind="description", status="pending") == 2
    assert value(found, "copygen_queue_depth", kind="seo", status="pending") == 1
    assert value(found, "copygen_queue_depth", kind="seo", status="running") == 1
    assert ("copygen_queue_depth", frozenset({"kind": "description", "status": "running"}.items())) not in found
    assert {status: value(found, "copygen_requests", status=status)
            for status in ("pending", "running", "done", "failed", "cancelled")} == {
        "pending": 3, "running": 1, "done": 1, "failed": 1, "cancelled": 1}
    assert 0 <= value(found, "copygen_oldest_pending_seconds") < 60
    assert value(found, "copygen_batches_total") == 2
    assert value(found, "copygen_batch_seconds_total") == 1.5
    assert value(found, "copygen_generated_tokens_total") == 900
    assert value(found, "copygen_candidates_total") == 48
    assert value(found, "copygen_guard_failures_total") == 1
    assert value(found, "copygen_events_lost_total") == 4
    assert value(found, "copygen_impressions_total") == 6
    assert value(found, "copygen_conversions_total") == 3
    assert value(found, "copygen_impressions_by_reward", reward="converted") == 3
    assert value(found, "copygen_impressions_by_reward", reward="not_converted") == 2
    assert value(found, "copygen_impressions_by_reward", reward="pending") == 1
    assert value(found, "copygen_jobs_running") == 2


@pytest.mark.django_db
def test_an_empty_store_reports_zeros(client, token):
    found = scrape(client)
    assert value(found, "copygen_requests", status="pending") == 0
    assert value(found, "copygen_batches_total") == 0
    assert value(found, "copygen_impressions_total") == 0
    assert value(found, "copygen_oldest_pending_seconds") == 0


@pytest.mark.django_db
def test_only_staff_with_the_view_right_or_the_token_may_read(client, settings):
    settings.COPYGEN_METRICS_TOKEN = ""
    assert client.get(URL).status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 403  # no token set: no empty match
    settings.COPYGEN_METRICS_TOKEN = TOKEN
    assert client.get(URL).status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.post(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405

    view = Permission.objects.get(codename="view_copyvariant", content_type__app_label="copygen")
    staff_without_right = UserFactory(is_staff=True)
    client.force_login(staff_without_right)
    assert client.get(URL).status_code == 403
    customer_with_right = UserFactory(is_staff=False)
    customer_with_right.user_permissions.add(view)
    client.force_login(customer_with_right)
    assert client.get(URL).status_code == 403
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(view)
    client.force_login(staff)
    response = client.get(URL)
    assert response.status_code == 200 and b"copygen_queue_depth" in response.content
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_processed_batch_counts_and_logs_one_structured_record(client, token, settings, caplog):
    settings.COPYGEN_MODEL_PATH = str(DEFAULT_MODEL)  # the real model shipped in the package
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 2
    settings.COPYGEN_REALISM_WEIGHT = settings.COPYGEN_REWARD_WEIGHT = 0
    products = demo_products_cleared(2, offset=3)
    ids = set(GenerationRequest.objects.filter(product__in=products).values_list("pk", flat=True))
    assert len(ids) == 2
    backend = get_backend()
    before = backend.generated_tokens
    claimed = claim_batch("metrics-worker")
    caplog.set_level(logging.INFO, logger="copygen_oscar")

    done = process_claimed(claimed, "metrics-worker")

    tokens = backend.generated_tokens - before
    assert tokens > 0
    records = [r for r in caplog.records if r.name == "copygen_oscar.observability"]
    assert len(records) == 1
    line = json.loads(records[0].getMessage())
    assert line == records[0].copygen
    statuses = dict(GenerationRequest.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert line["event"] == "copygen.batch" and line["worker"] == "metrics-worker"
    assert line["requests"] == 2 and set(line["request_ids"]) == ids and line["kinds"] == {"description": 2}
    assert line["candidates"] == 2 * 2 * 2  # two requests, two variants each, two candidates per variant
    assert line["generated_tokens"] == tokens and line["seconds"] > 0
    assert line["tokens_per_second"] == pytest.approx(tokens / line["seconds"], rel=0.01)
    assert line["done"] == done == sum(s == "done" for s in statuses.values())
    assert line["failed"] == sum(s == "failed" for s in statuses.values())
    assert line["model_version"] is not None and line["model"] == DEFAULT_MODEL.name

    assert counters(["batches", "generated_tokens", "batch_candidates"]) == {
        "batches": 1, "generated_tokens": tokens, "batch_candidates": 8}
    found = scrape(client)
    assert value(found, "copygen_batches_total") == 1
    assert value(found, "copygen_generated_tokens_total") == tokens
    assert 0 < value(found, "copygen_batch_seconds_total") <= line["seconds"] + 0.001
    assert value(found, "copygen_guard_failures_total") == line["guard_failures"]


@pytest.mark.django_db
def test_a_model_that_cannot_load_still_logs_its_batch(settings, caplog, tmp_path):
    settings.COPYGEN_MODEL_PATH = str(tmp_path / "no-model-here")
    with receivers.auto_generation_paused():
        product = create_product(title="Oakmere Pro Kettle")
    GenerationRequest.objects.create(product=product, kind="description")
    caplog.set_level(logging.INFO, logger="copygen_oscar")
    assert process_claimed(claim_batch("w"), "w") == 0
    (record,) = [r for r in caplog.records if r.name == "copygen_oscar.observability"]
    assert record.levelno == logging.WARNING
    assert record.copygen["failed"] == 1 and record.copygen["error"].startswith("Model unavailable")
    assert counters(["batches", "generated_tokens"]) == {"batches": 1, "generated_tokens": 0}


@pytest.mark.django_db
def test_jobs_log_their_creation_and_cancellation(caplog):
    with receivers.auto_generation_paused():
        products = [create_product(title=f"Harbour Lane Classic T-shirt {i}") for i in range(3)]
    staff = UserFactory(is_staff=True)
    caplog.set_level(logging.INFO, logger="copygen_oscar")
    job = create_job({"mode": "products", "ids": [p.pk for p in products]}, kinds=["description"], n=1, user=staff)
    cancel(job, staff)
    events = [r.copygen for r in caplog.records if r.name == "copygen_oscar.observability"]
    assert [e["event"] for e in events] == ["copygen.job.created", "copygen.job.cancelled"]
    assert events[0]["job"] == job.pk and events[0]["requests"] == 3 and events[0]["user"] == staff.pk
    assert events[1]["job"] == job.pk and events[1]["stopped"] == 3
