"""Durable requests: debounce, disjoint batch claims, lease recovery, results written exactly once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar import receivers
from copygen_oscar.kinds import ParsedCopy
from copygen_oscar.requests import (Outcome, _finish, _finish_many, claim_batch, process_claimed, request_generation,
                                    sweep, wake_workers)
from tests.conftest import purge_broker
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")

VARIANT = (ParsedCopy(body="<p>Copy.</p>", scores={}), "prompt", {}, {})


def make_requests(n):
    with receivers.auto_generation_paused():
        products = [create_product(title=f"Aldercrest Field Kite {i}") for i in range(n)]
    return [request_generation(p)[0] for p in products]


@pytest.mark.django_db
def test_a_burst_of_saves_makes_one_request():
    product = create_product(title="Brightfield Urban Power bank")
    for _ in range(5):
        product.save()
    assert GenerationRequest.objects.filter(product=product).count() == 1


@pytest.mark.django_db
def test_variant_counts_are_bounded_and_a_bigger_ask_raises_the_waiting_request():
    with receivers.auto_generation_paused():
        product = create_product(title="Oakmere Pro Kettle")
    for bad in (-1, 0, 11):
        with pytest.raises(ValueError, match="between 1 and 10"):
            request_generation(product, n=bad)
    first, created = request_generation(product, n=1)
    again, created_again = request_generation(product, n=4)
    assert created and not created_again and again.pk == first.pk
    first.refresh_from_db()
    assert first.n_variants == 4


@pytest.mark.django_db
def test_human_copy_and_child_products_are_left_alone():
    with_copy = create_product(title="Kestrel & Co Pro Yoga mat", description="<p>Written by our team.</p>")
    parent = create_product(title="Harbour Lane Classic T-shirt", structure="parent")
    child = create_product(title="", parent=parent)
    with receivers.auto_generation_paused():
        paused = create_product(title="Oakmere Essential Chinos")
    requested = set(GenerationRequest.objects.values_list("product_id", flat=True))
    assert parent.pk in requested
    assert not requested & {with_copy.pk, child.pk, paused.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_disjoint_batches():
    make_requests(60)
    claims = {}
    barrier = threading.Barrier(3)

    def work(name):
        mine = claims.setdefault(name, [])
        barrier.wait()
        try:
            while batch := claim_batch(name, limit=4):
                mine.extend(r.pk for r in batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    all_claims = [pk for mine in claims.values() for pk in mine]
    assert len(all_claims) == len(set(all_claims)) == 60
    assert sum(1 for mine in claims.values() if mine) >= 2, "one worker took everything: no concurrency shown"
    assert GenerationRequest.objects.filter(status=GenerationRequest.RUNNING, attempts=1).count() == 60


@pytest.mark.django_db
def test_sweep_hands_back_expired_claims_and_gives_up_on_repeat_offenders(settings):
    settings.COPYGEN_MAX_ATTEMPTS = 2
    fresh, expired, hopeless = make_requests(3)
    claim_batch("dead-worker")
    past = timezone.now() - timedelta(seconds=1)
    GenerationRequest.objects.filter(pk__in=[expired.pk, hopeless.pk]).update(lease_expires_at=past)
    GenerationRequest.objects.filter(pk=hopeless.pk).update(attempts=2)

    result = sweep()
    assert result["requeued"] == 1 and result["failed"] == 1
    states = dict(GenerationRequest.objects.values_list("pk", "status"))
    assert states == {fresh.pk: "running", expired.pk: "pending", hopeless.pk: "failed"}
    assert "Gave up after 2 attempts" in GenerationRequest.objects.get(pk=hopeless.pk).reason


@pytest.mark.django_db
def test_sweep_does_not_duplicate_a_request_that_was_superseded():
    (old,) = make_requests(1)
    claim_batch("dead-worker")
    GenerationRequest.objects.filter(pk=old.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    newer, created = request_generation(old.product)
    assert created
    sweep()
    old.refresh_from_db()
    assert old.status == GenerationRequest.FAILED and "Superseded" in old.reason
    assert GenerationRequest.objects.filter(status=GenerationRequest.PENDING).get() == newer


@pytest.mark.django_db
def test_a_worker_that_lost_its_claim_cannot_write_results():
    (request,) = make_requests(1)
    (slow,) = claim_batch("slow-worker")
    GenerationRequest.objects.filter(pk=request.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    sweep()
    (fast,) = claim_batch("fast-worker")
    assert fast.attempts == 2

    assert _finish(fast, "fast-worker", GenerationRequest.DONE, variants=[VARIANT, VARIANT])
    assert not _finish(slow, "slow-worker", GenerationRequest.DONE, variants=[VARIANT])
    assert not _finish(fast, "fast-worker", GenerationRequest.DONE, variants=[VARIANT, VARIANT])  # replay
    assert CopyVariant.objects.filter(request=request).count() == 2
    request.refresh_from_db()
    assert request.status == GenerationRequest.DONE and request.claimed_by == "fast-worker"


@pytest.mark.django_db
def test_a_batch_writes_its_outcomes_together_and_only_for_claims_it_still_holds():
    requests = make_requests(3)
    claimed = claim_batch("worker-a")
    lost = claimed[1]
    GenerationRequest.objects.filter(pk=lost.pk).update(claimed_by="worker-b")  # the sweep gave it away meanwhile
    outcomes = [Outcome(claimed[0], GenerationRequest.DONE, "note", (VARIANT, VARIANT), "hash-0"),
                Outcome(lost, GenerationRequest.DONE, "", (VARIANT,), "hash-1"),
                Outcome(claimed[2], GenerationRequest.FAILED, "All 2 candidates were rejected: 2x too short")]
    written = _finish_many(outcomes, "worker-a")
    assert sorted(r.pk for r in written) == [claimed[0].pk, claimed[2].pk]
    assert _finish_many(outcomes, "worker-a") == []  # a redelivered batch writes nothing twice
    rows = {r.pk: r for r in GenerationRequest.objects.filter(pk__in=[r.pk for r in requests])}
    assert (rows[claimed[0].pk].status, rows[claimed[0].pk].reason, rows[claimed[0].pk].facts_hash) == (
        "done", "note", "hash-0")
    assert rows[claimed[0].pk].finished_at is not None and rows[claimed[0].pk].lease_expires_at is None
    assert rows[lost.pk].status == "running" and rows[lost.pk].claimed_by == "worker-b"
    assert rows[claimed[2].pk].status == "failed" and rows[claimed[2].pk].reason.startswith("All 2 candidates")
    assert sorted(CopyVariant.objects.filter(request__in=requests).values_list("request", "index")) == [
        (claimed[0].pk, 0), (claimed[0].pk, 1)]


def test_wake_ups_follow_the_batches_waiting_up_to_the_fan_out(settings):
    from shop_demo.celery import app

    settings.COPYGEN_BATCH_SIZE, settings.COPYGEN_WAKE_FANOUT = 16, 4
    purge_broker()
    assert wake_workers(40) and wake_workers(1000) and wake_workers(0)  # 3 batches; 63 capped at 4; at least one
    with app.connection_for_write() as conn:
        assert conn.default_channel.queue_purge("copygen_gpu") == 3 + 4 + 1


@pytest.mark.django_db
def test_variants_keep_model_version_prompt_scores_and_guard(tiny_model, settings):
    settings.COPYGEN_SEED = 7
    (product,) = demo_products_cleared(1, offset=7)
    request = GenerationRequest.objects.get(product=product)
    claimed = claim_batch("w")
    assert process_claimed(claimed, "w") == 1
    variant = CopyVariant.objects.filter(request=request).order_by("index").first()
    assert variant.model_version.path == str(tiny_model) and len(variant.model_version.fingerprint) == 64
    assert variant.prompt.startswith(f"Product: {product.title}\n") and variant.prompt.endswith("Description:\n")
    assert variant.guard["passed"] and variant.guard["claims"] == variant.guard["supported"]
    assert variant.scores["rank"] == 0 and variant.scores["candidates"] == 16
    assert 0 < variant.scores["fluency"] <= 1
    assert "[" not in variant.body
    request.refresh_from_db()
    assert variant.facts_hash == request.facts_hash and request.lease_expires_at is None


@pytest.mark.django_db
def test_an_integrity_error_that_is_not_the_debounce_is_raised_not_retried_forever(monkeypatch):
    from django.db import IntegrityError

    with receivers.auto_generation_paused():
        product = create_product(title="Fellside Pro Kettle")
    calls = []

    def broken_create(**kwargs):
        calls.append(kwargs)
        raise IntegrityError("violates foreign key constraint")

    monkeypatch.setattr(GenerationRequest.objects, "create", broken_create)
    with pytest.raises(IntegrityError):
        request_generation(product)
    assert len(calls) == 2  # the first try and one retry, no more
