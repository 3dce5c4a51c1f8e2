"""Durable generation requests: rows first, wake-ups second, claims in batches, results written once.

A request is committed with (or before) the change that caused it. The Celery message that follows only wakes
a worker; losing it loses nothing, because workers claim whatever is pending and the periodic sweep re-sends
wake-ups and hands back claims whose worker died (its lease ran out).
"""

import logging
import os
import socket
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from typing import NamedTuple

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from oscar.core.loading import get_model

from . import app_settings
from .backends import get_backend
from .backends.base import BackendError, fluencies
from .facts import EmptyFacts, product_facts
from .guard import FactIndex, description_corpus, evaluate, store_vocabulary
from .kinds import TONES, UnusableOutput, get_kind
from .observability import (BATCH_MILLISECONDS, BATCHES, CANDIDATES, GENERATED_TOKENS, GUARD_FAILURES, add_counters,
                            log_event)
from .slots import UnfilledSlot, relexicalise
from .training.discriminator import realism_scorer

logger = logging.getLogger(__name__)
MAX_VARIANTS = 10

GenerationRequest = get_model("copygen", "GenerationRequest")
DONE, FAILED = GenerationRequest.DONE, GenerationRequest.FAILED
CopyVariant = get_model("copygen", "CopyVariant")
ModelVersion = get_model("copygen", "ModelVersion")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Product = get_model("catalogue", "Product")


def new_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def request_generation(product, *, kind="description", source=GenerationRequest.AUTO, n=None, tone="", segment="",
                       user=None, _retry=True):
    """Record a request (or join the one already waiting) and wake a worker once the transaction commits.

    Returns ``(request, created)``. Runs in a savepoint, so a failure here never breaks the caller's transaction.
    """
    get_kind(kind)  # unknown kinds are refused here, with the list of known ones
    if tone and tone not in TONES:
        raise ValueError(f"Unknown tone {tone!r}; known tones: {', '.join(TONES)}")
    n = app_settings.COPYGEN_VARIANTS_PER_REQUEST if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIANTS:
        raise ValueError(f"Variants per request must be a whole number between 1 and {MAX_VARIANTS}, not {n!r}")
    if len(segment) > 64:
        raise ValueError("An audience segment is at most 64 characters")
    lookup = dict(product=product, kind=kind, tone=tone, segment=segment, status=GenerationRequest.PENDING)
    try:
        with transaction.atomic():
            request = GenerationRequest.objects.create(
                n_variants=n,
                source=source,
                created_by=user if user is not None and user.is_authenticated else None,
                **lookup,
            )
    except IntegrityError:
        # A burst of saves: one request is already waiting and will see the latest product data when claimed.
        waiting = GenerationRequest.objects.filter(**lookup).first()
        if waiting is None:
            if not _retry:  # not the one-pending rule: a real integrity problem, say so
                raise
            # The waiting request was claimed in between: ask again, once.
            return request_generation(product, kind=kind, source=source, n=n, tone=tone, segment=segment, user=user,
                                      _retry=False)
        if n > waiting.n_variants:
            GenerationRequest.objects.filter(pk=waiting.pk, status=GenerationRequest.PENDING).update(n_variants=n)
            waiting.refresh_from_db()
        return waiting, False
    transaction.on_commit(wake_workers)
    return request, True


def publish(task, **options):
    """Send ``task`` on its own short-fused connection: the shared pool would retry for the full broker timeout.

    Raises when the broker cannot be reached; callers decide what waits for the sweep instead.
    """
    app = task.app
    transport = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
    with app.connection_for_write(connect_timeout=app_settings.COPYGEN_PUBLISH_TIMEOUT,
                                  transport_options=transport) as conn:
        task.apply_async(retry=False, connection=conn, **options)


def wake_workers(pending=1):
    """Wake as many GPU workers as ``pending`` requests fill batches (at most ``COPYGEN_WAKE_FANOUT``).

    Each wake-up drains the queue, so a surplus one finds nothing and costs one query. The broker being down is
    survivable: the sweep retries later.
    """
    from .tasks import process_requests

    batches = -(-max(1, pending) // max(1, app_settings.COPYGEN_BATCH_SIZE))
    try:
        for _ in range(max(1, min(batches, app_settings.COPYGEN_WAKE_FANOUT))):
            publish(process_requests, queue=app_settings.COPYGEN_GPU_QUEUE)
    except Exception as exc:  # noqa: BLE001  (any broker failure: the row is safe, the sweep re-sends)
        logger.warning("copygen: broker unavailable, pending requests wait for the sweep (%s)", exc)
        return False
    return True


def claim_batch(worker_id, limit=None):
    """Claim up to ``limit`` pending requests for this worker, oldest first.

    On PostgreSQL concurrent workers skip each other's locked rows and get disjoint batches. Elsewhere the
    conditional UPDATE still guarantees that each row goes to one worker only.
    """
    limit = limit or app_settings.COPYGEN_BATCH_SIZE
    now = timezone.now()
    with transaction.atomic():
        pending = GenerationRequest.objects.filter(status=GenerationRequest.PENDING).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        GenerationRequest.objects.filter(pk__in=ids, status=GenerationRequest.PENDING).update(
            status=GenerationRequest.RUNNING,
            claimed_by=worker_id,
            lease_expires_at=now + timedelta(seconds=app_settings.COPYGEN_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(
        GenerationRequest.objects.filter(pk__in=ids, status=GenerationRequest.RUNNING, claimed_by=worker_id)
        .order_by("created_at", "pk")
    )


def renew_leases(requests, worker_id):
    """Push the lease of work still in hand forward, so the sweep does not give away a slow batch."""
    GenerationRequest.objects.filter(
        pk__in=[r.pk for r in requests], status=GenerationRequest.RUNNING, claimed_by=worker_id
    ).update(lease_expires_at=timezone.now() + timedelta(seconds=app_settings.COPYGEN_LEASE_SECONDS))


class Outcome(NamedTuple):
    """What became of one claimed request; ``variants`` are ``(parsed, prompt, scores, guard)``, best first."""

    request: object
    status: str
    reason: str = ""
    variants: tuple = ()
    facts_hash: str = ""


def _finish_many(outcomes, worker_id, model_version=None):
    """Write the outcomes of claimed requests once, in one transaction. Returns the requests written.

    Only rows this worker still holds are written: a claim the sweep gave away meanwhile (its result is dropped) or
    a replay of the same outcome (the request is no longer running) writes nothing.
    """
    if not outcomes:
        return []
    with transaction.atomic():
        owned = GenerationRequest.objects.select_for_update().filter(
            pk__in=[outcome.request.pk for outcome in outcomes], status=GenerationRequest.RUNNING,
            claimed_by=worker_id,
        ).order_by("pk")
        owned = {request.pk: request for request in owned}
        now, written, variants = timezone.now(), [], []
        for outcome in outcomes:
            request = owned.get(outcome.request.pk)
            if request is None:
                logger.warning("copygen: request %s is no longer claimed by %s; result dropped", outcome.request.pk,
                               worker_id)
                continue
            variants += [
                CopyVariant(request=request, index=index, product_id=request.product_id, kind=request.kind,
                            model_version=model_version, body=parsed.body, fields=parsed.fields, prompt=prompt,
                            facts_hash=outcome.facts_hash, scores=scores, guard=guard)
                for index, (parsed, prompt, scores, guard) in enumerate(outcome.variants)
            ]
            request.status, request.reason = outcome.status, outcome.reason[:2000]
            request.facts_hash = outcome.facts_hash or request.facts_hash
            request.finished_at = request.updated_at = now
            request.lease_expires_at = None
            written.append(request)
        CopyVariant.objects.bulk_create(variants, ignore_conflicts=True)  # (request, index) is unique: idempotent
        _update_rows(written, ["status", "reason", "facts_hash", "finished_at", "lease_expires_at", "updated_at"])
    return written


def _update_rows(requests, names):
    """One prepared UPDATE for many rows (``bulk_update`` builds a CASE per field and row: slow for a batch)."""
    fields = [GenerationRequest._meta.get_field(name) for name in names]
    table, quote = GenerationRequest._meta.db_table, connection.ops.quote_name
    pk = GenerationRequest._meta.pk
    # Identifiers come from the model's own metadata (quoted); every value is a query parameter.
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # nosec B608
    rows = [[field.get_db_prep_save(getattr(request, field.attname), connection) for field in fields] + [request.pk]
            for request in requests]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _finish(request, worker_id, status, reason="", variants=(), facts_hash="", model_version=None):
    """Write one claimed request's outcome. Returns False when the claim was lost (the sweep gave it away)."""
    return bool(_finish_many([Outcome(request, status, reason, tuple(variants), facts_hash)], worker_id,
                             model_version))


def _generated(backend, prompts, n, max_new_tokens):
    """The backend's outputs, one per prompt: a backend that answers fewer (or more) would shift every later
    request onto another product's candidates, so that is an error of the call, not a result."""
    outputs = backend.generate(prompts, n=n, max_new_tokens=max_new_tokens)
    if len(outputs) != len(prompts):
        raise ValueError(f"the backend answered {len(outputs)} outputs for {len(prompts)} prompts")
    return outputs


def _generate_isolated(backend, prompts, n, max_new_tokens):
    """Generate a batch; if the batch raises, retry one by one so only the request at fault fails.

    Backend and database errors are not a prompt's fault: they propagate, and the claim's lease and the sweep
    retry the batch (a dropped connection must not fail every request of the group for good).
    """
    try:
        return _generated(backend, prompts, n, max_new_tokens)
    except (BackendError, DatabaseError):
        raise
    except Exception:  # noqa: BLE001
        if len(prompts) == 1:
            raise
        logger.exception("copygen: batch generation failed; retrying its %d prompts one by one", len(prompts))
    results = []
    for prompt in prompts:
        try:
            results.append(_generated(backend, [prompt], n, max_new_tokens)[0])
        except (BackendError, DatabaseError):
            raise
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
    return results


def process_claimed(claimed, worker_id):
    """Generate copy for claimed requests in one batch per variant count. Returns the number completed.

    Each group's outcomes are written together, in one transaction, once the group is generated and checked.
    """
    backend = get_backend()
    stats = {"started": time.perf_counter(), "tokens": getattr(backend, "generated_tokens", None), CANDIDATES: 0}
    try:
        info = backend.model_info()
    except BackendError as exc:
        _finish_many([Outcome(request, FAILED, f"Model unavailable: {exc}") for request in claimed], worker_id)
        _report_batch(claimed, worker_id, backend, stats, None, error=f"Model unavailable: {exc}")
        return 0
    model_version, _ = ModelVersion.objects.get_or_create(
        path=info.path, fingerprint=info.fingerprint, defaults={"name": info.name, "base_model": info.base_model}
    )

    # Everything the facts need, in a handful of queries for the whole batch (Oscar's own prefetches).
    products = Product.objects.base_queryset().prefetch_browsable_categories().prefetch_attribute_values()
    products = products.in_bulk([request.product_id for request in claimed])
    jobs = defaultdict(list)  # (n_variants, kind) -> [(request, kind, facts, prompt)]
    outcomes, category_paths = [], {}
    for request in claimed:
        try:
            kind = get_kind(request.kind)
            facts = product_facts(products[request.product_id], category_paths=category_paths)
            if request.source == GenerationRequest.AUTO and _unchanged(request, facts):
                outcomes.append(Outcome(request, DONE, "Facts unchanged since the last copy for this product: "
                                                       "nothing new generated.", facts_hash=facts.hash))
                continue
            prompt = kind.build_prompt(
                facts, tone=request.tone, segment=request.segment, brand=app_settings.COPYGEN_BRAND_NAME
            )
        except (EmptyFacts, ValueError) as exc:
            outcomes.append(Outcome(request, FAILED, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001  (one request's problem never stalls the batch)
            logger.exception("copygen: preparing request %s failed", request.pk)
            outcomes.append(Outcome(request, FAILED, f"Could not prepare the request: {exc!r}"))
            continue
        jobs[request.n_variants, kind.name].append((request, kind, facts, prompt))
    _finish_many(outcomes, worker_id, model_version)

    other_brands, vocabulary = catalogue_brands(), store_vocabulary()
    realism = realism_scorer(info.path, info.fingerprint) if app_settings.COPYGEN_REALISM_WEIGHT else None
    corpus = description_corpus() if any(get_kind(name).checks_duplicates for _, name in jobs) else None
    done = 0
    for (n, _), group in jobs.items():
        renew_leases([request for request, *_ in group], worker_id)
        outcomes = _generate_group(backend, group, n, stats, other_brands, vocabulary, corpus, realism)
        for request in _finish_many(outcomes, worker_id, model_version):
            if request.status == DONE:
                done += 1
                _after_generation(request)
    _report_batch(claimed, worker_id, backend, stats, model_version)
    return done


def _generate_group(backend, group, n, stats, other_brands, vocabulary, corpus, realism):
    """Generate, check and rank one group of requests (same kind, same variant count): their ``Outcome`` list."""
    k = n * max(1, app_settings.COPYGEN_CANDIDATES_PER_VARIANT)
    max_new_tokens = min(group[0][1].max_new_tokens, app_settings.COPYGEN_MAX_NEW_TOKENS)
    stats[CANDIDATES] += k * len(group)
    try:
        outputs = _generate_isolated(backend, [prompt for *_, prompt in group], k, max_new_tokens)
    except DatabaseError:
        raise  # the connection, not the requests: the lease and the sweep give the batch another go
    except Exception as exc:  # noqa: BLE001  (the model itself is broken: every request says why)
        return [Outcome(request, FAILED, f"Generation failed: {exc}") for request, *_ in group]
    outcomes, screened = [], []  # screened: (request, facts, prompt, texts, passing, rejected)
    for (request, kind, facts, prompt), texts in zip(group, outputs):
        if isinstance(texts, Exception):
            outcomes.append(Outcome(request, FAILED, f"Generation failed: {texts}"))
            continue
        try:
            index = FactIndex.from_facts(facts, other_brands)
            passing, rejected = screen(kind, facts, index, texts, vocabulary, corpus, request.product_id)
        except Exception as exc:  # noqa: BLE001  (one request's problem never stalls the batch)
            logger.exception("copygen: checking request %s failed", request.pk)
            outcomes.append(Outcome(request, FAILED, f"Could not check the generated copy: {exc!r}"))
            continue
        if not passing:
            outcomes.append(Outcome(request, FAILED, f"All {len(texts)} candidates were rejected: "
                                                     f"{summarise(rejected)}"))
            continue
        screened.append((request, facts, prompt, texts, passing, rejected))
    fluencies, realisms, rewards = _batch_scores(backend, realism, screened)
    for request, facts, prompt, texts, passing, rejected in screened:
        kept = rank(passing, rejected, n, len(texts), next(fluencies), next(realisms), next(rewards))
        variants = tuple((parsed, prompt, scores, verdict) for parsed, scores, verdict in kept)
        note = f"{len(rejected)} of {len(texts)} candidates rejected: {summarise(rejected)}" if rejected else ""
        outcomes.append(Outcome(request, DONE, note, variants, facts.hash))
    return outcomes


def _report_batch(claimed, worker_id, backend, stats, model_version, error=""):
    """One structured log record per claimed batch, and its share of the worker counters. Never raises."""
    try:
        seconds = time.perf_counter() - stats["started"]
        tokens = getattr(backend, "generated_tokens", None)
        tokens = tokens - stats["tokens"] if tokens is not None and stats["tokens"] is not None else None
        failed = Q(status=GenerationRequest.FAILED)
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction usable
            outcome = GenerationRequest.objects.filter(pk__in=[r.pk for r in claimed], claimed_by=worker_id).aggregate(
                done=Count("pk", filter=Q(status=GenerationRequest.DONE)), failed=Count("pk", filter=failed),
                guard_failures=Count("pk", filter=failed & Q(reason__startswith="All ",
                                                             reason__contains=" candidates were rejected: ")),
            )
            add_counters(**{BATCHES: 1, BATCH_MILLISECONDS: round(seconds * 1000), GENERATED_TOKENS: tokens or 0,
                            CANDIDATES: stats[CANDIDATES], GUARD_FAILURES: outcome["guard_failures"]})
        log_event(
            "copygen.batch", level=logging.WARNING if error else logging.INFO, worker=worker_id,
            requests=len(claimed), request_ids=[r.pk for r in claimed],
            kinds=dict(sorted(Counter(r.kind for r in claimed).items())), batch_limit=app_settings.COPYGEN_BATCH_SIZE,
            candidates=stats[CANDIDATES], generated_tokens=tokens, seconds=round(seconds, 3),
            tokens_per_second=round(tokens / seconds, 1) if tokens is not None and seconds > 0 else None,
            model_version=model_version.pk if model_version else None,
            model=model_version.name if model_version else None, **outcome, **({"error": error} if error else {}),
        )
    except Exception:  # noqa: BLE001  (observability must never fail the batch it reports)
        logger.exception("copygen: could not record the statistics of a batch")


def _after_generation(request):
    """The product's rule may publish the new copy at once (off by default); its failure never fails the request."""
    from .workflow.publishing import auto_publish

    try:
        auto_publish(request)
    except Exception:  # noqa: BLE001
        logger.exception("copygen: automatic publishing of request %s failed; its drafts wait for review", request.pk)


def _batch_scores(backend, realism, screened):
    """Fluency and realism of every passing candidate of the batch, each in one call at most; yielded per request.

    Scores only order candidates that already passed the guard: if scoring fails, the copy is kept unordered.
    """
    sizes = [len(passing) for *_, passing, _ in screened]
    try:
        flat = fluencies(backend, [(prompt, text) for _, _, prompt, _, passing, _ in screened for *_, text in passing])
    except BackendError:
        raise
    except Exception:  # noqa: BLE001
        logger.exception("copygen: fluency scoring failed; candidates keep their fact-coverage order")
        flat = None
    real = realism([parsed.text for *_, passing, _ in screened for _, parsed, *_ in passing]) if realism else None
    reward = _reward_scores(screened)

    def per_request(values):
        position = 0
        for size in sizes:
            yield values[position : position + size] if values else None
            position += size

    return per_request(flat), per_request(real), per_request(reward)


def _reward_scores(screened):
    """The learned reward model's score of every passing candidate, in the context it would be served in."""
    from .tuning.reward_training import context, reward_scorer

    scorer = reward_scorer() if app_settings.COPYGEN_REWARD_WEIGHT else None
    if scorer is None:
        return None
    texts, contexts = [], []
    for request, facts, _, _, passing, _ in screened:
        for _, parsed, *_ in passing:
            texts.append(parsed.text)
            contexts.append(context(request.kind, request.segment, facts.product_class))
    try:
        return [round(float(value), 4) for value in scorer(texts, contexts)] if texts else None
    except Exception:  # noqa: BLE001  (ordering is a refinement: the guard's verdicts stand without it)
        logger.exception("copygen: reward scoring failed; candidates keep their other scores")
        return None


def _unchanged(request, facts):
    """An automatic request for facts that already got copy: a stock edit or a review must not pile up drafts."""
    return (
        GenerationRequest.objects.filter(
            product_id=request.product_id, kind=request.kind, tone=request.tone, segment=request.segment,
            status=GenerationRequest.DONE, facts_hash=facts.hash, variants__isnull=False,
        )
        .exclude(pk=request.pk)
        .exists()
    )


def catalogue_brands():
    """Every brand the catalogue knows: copy for one product may not name another's."""
    return set(
        ProductAttributeValue.objects.filter(attribute__code="brand")
        .exclude(value_text__isnull=True)
        .values_list("value_text", flat=True)
        .distinct()
    )


def judge(kind, facts, index, text, vocabulary=None, corpus=None, product_id=None):
    """One raw candidate as serving sees it: slots filled, parsed by its kind, guarded. Returns (parsed, verdict).

    Raises ``UnusableOutput`` or ``UnfilledSlot`` when the text cannot become this kind of copy. Evaluation calls
    this too, so what it measures is what serving would store.
    """
    parsed = kind.parse(relexicalise(text or "", facts))
    verdict = evaluate(parsed.text, index, facts, vocabulary if kind.uses_store_vocabulary else None,
                       needs_coverage=kind.needs_coverage, corpus=corpus if kind.checks_duplicates else None,
                       product_id=product_id)
    return parsed, verdict


def screen(kind, facts, index, texts, vocabulary=None, corpus=None, product_id=None):
    """Parse and guard every candidate. Returns ``(passing, rejected)``: passing is ``[(score, parsed, verdict,
    raw text)]`` for distinct candidates that passed, scored by fact coverage; rejected is ``[reason]``."""
    passing, rejected, seen = [], [], set()
    for text in texts:
        try:
            parsed, verdict = judge(kind, facts, index, text, vocabulary, corpus, product_id)
        except (UnusableOutput, UnfilledSlot) as exc:
            rejected.append(str(exc))
            continue
        if not verdict.passed:
            rejected.append(verdict.reasons[0])
            continue
        if parsed.body in seen:
            rejected.append("duplicate of another candidate")
            continue
        seen.add(parsed.body)
        passing.append((verdict.coverage + 0.01 * min(verdict.supported, 10), parsed, verdict, text))
    return passing, rejected


def rank(passing, rejected, n, candidates, fluencies=None, realisms=None, rewards=None):
    """The best ``n`` of the screened candidates: ``[(ParsedCopy, scores, guard)]``, best first.

    The score favours copy that states more of the product's facts, then copy the model finds fluent (each raw
    text's per-token probability), then copy with more checked claims; a realism score (the model's discriminator:
    the probability that the text reads as human-written) adds ``COPYGEN_REALISM_WEIGHT`` times itself, and the
    learned reward (how likely shoppers of this context convert on it) ``COPYGEN_REWARD_WEIGHT`` times itself.
    """
    fluencies = fluencies or [None] * len(passing)
    realisms = realisms or [None] * len(passing)
    rewards = rewards or [None] * len(passing)
    scored = []
    for (score, parsed, verdict, _), value, real, reward in zip(passing, fluencies, realisms, rewards):
        parsed.scores["fluency"] = value
        if real is not None:
            parsed.scores["realism"] = real
            score += app_settings.COPYGEN_REALISM_WEIGHT * real
        if reward is not None:
            parsed.scores["reward"] = reward
            score += app_settings.COPYGEN_REWARD_WEIGHT * reward
        scored.append((score + 0.2 * (value or 0.0), parsed, verdict))
    scored.sort(key=lambda item: item[0], reverse=True)
    return [
        (parsed, {**parsed.scores, "score": round(score, 4), "rank": position, "coverage": round(v.coverage, 3),
                  "candidates": candidates}, {**v.as_dict(), "rejected": len(rejected)})
        for position, (score, parsed, v) in enumerate(scored[:n])
    ]


def rerank(kind, facts, index, texts, n, vocabulary=None, corpus=None, product_id=None, fluency=None, realism=None):
    """Screen and rank one request's candidates (``fluency`` and ``realism``: callables over the passing texts).

    Returns ``(kept, rejected)``. Workers screen a whole batch first and score fluency for all of it in one pass.
    """
    passing, rejected = screen(kind, facts, index, texts, vocabulary, corpus, product_id)
    fluencies = fluency([text for *_, text in passing]) if fluency and passing else None
    realisms = realism([parsed.text for _, parsed, *_ in passing]) if realism and passing else None
    return rank(passing, rejected, n, len(texts), fluencies, realisms), rejected


def summarise(reasons, most=3):
    """'3x colour 'blue' is not in the facts; 1x too short; ...' — the commonest rejection reasons first."""
    counts = Counter(reasons)
    text = "; ".join(f"{count}x {reason}" for reason, count in counts.most_common(most))
    return text + ("; ..." if len(counts) > most else "")


def drain(claim, process, worker_id=None, max_batches=None):
    """Claim and process batches until nothing is pending (``claim(worker_id)``, ``process(claimed, worker_id)``).

    Every kind of durable work (copy requests, banner campaigns, customer messages) is drained the same way.
    Returns the sum of what ``process`` returned.
    """
    worker_id = worker_id or new_worker_id()
    done = batches = 0
    while max_batches is None or batches < max_batches:
        claimed = claim(worker_id)
        if not claimed:
            break
        done += process(claimed, worker_id)
        batches += 1
    return done


def process_pending(worker_id=None, max_batches=None):
    """Claim and process batches of requests until none is pending. Returns the number completed."""
    return drain(claim_batch, process_claimed, worker_id, max_batches)


def sweep(now=None):
    """Hand back expired claims, fail requests that keep dying, and wake workers for anything waiting."""
    now = now or timezone.now()
    requeued = failed = 0
    expired = GenerationRequest.objects.filter(status=GenerationRequest.RUNNING, lease_expires_at__lt=now)
    for request in expired.only("pk", "attempts", "product_id", "kind", "tone", "segment"):
        if request.attempts >= app_settings.COPYGEN_MAX_ATTEMPTS:
            failed += expired.filter(pk=request.pk).update(
                status=GenerationRequest.FAILED,
                reason=f"Gave up after {request.attempts} attempts: the worker stopped before finishing each time.",
                finished_at=now,
                lease_expires_at=None,
            )
            continue
        try:
            with transaction.atomic():
                requeued += expired.filter(pk=request.pk).update(
                    status=GenerationRequest.PENDING, claimed_by="", lease_expires_at=None, updated_at=now
                )
        except IntegrityError:
            # A newer request for the same copy is already waiting; it will see fresher facts anyway.
            failed += expired.filter(pk=request.pk).update(
                status=GenerationRequest.FAILED,
                reason="Superseded by a newer request after its worker stopped.",
                finished_at=now,
                lease_expires_at=None,
            )
    stale_before = now - timedelta(seconds=app_settings.COPYGEN_STALE_PENDING_SECONDS)
    waiting = GenerationRequest.objects.filter(status=GenerationRequest.PENDING, updated_at__lt=stale_before).count()
    woken = bool((requeued or waiting) and wake_workers(requeued + waiting))
    return {"requeued": requeued, "failed": failed, "woken": woken}
