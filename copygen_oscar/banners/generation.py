"""Banner copy for campaigns, the way product copy is made: the campaign row is the durable request.

``request_banners`` marks a campaign pending (and wakes a GPU worker once the transaction commits); workers claim
pending campaigns with a lease, prompt the engine's ``banner`` kind with the featured product's facts plus the
campaign's own (offer, dates), and keep only candidates the guard passes against those facts. The variants are
then rendered on the CPU queue (``tasks.render_banners``). The sweep hands back claims whose worker died.
"""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..backends import get_backend
from ..backends.base import BackendError, fluencies
from ..guard import evaluate, store_vocabulary
from ..kinds import TONES, UnusableOutput, get_kind
from ..requests import _generate_isolated, catalogue_brands, drain, publish, rank, summarise
from ..slots import UnfilledSlot, relexicalise
from .facts import campaign_facts

logger = logging.getLogger(__name__)
BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
ModelVersion = get_model("copygen", "ModelVersion")
KIND = "banner"
MAX_VARIANTS = 10


class CampaignError(ValueError):
    """The campaign cannot have banners now (retired, over, generation already running); the message says why."""


def check_dates(campaign, now=None):
    now = now or timezone.now()
    if campaign.ends_at and campaign.ends_at <= now:
        raise CampaignError(f"The campaign ended on {timezone.localtime(campaign.ends_at):%Y-%m-%d %H:%M}: "
                            "change its end date first.")
    if campaign.ends_at and campaign.starts_at and campaign.ends_at <= campaign.starts_at:
        raise CampaignError("The campaign ends before it starts.")


def request_banners(campaign, *, n=None, tone=None, user=None):
    """Ask for ``n`` banner variants. Returns True when a request was recorded, False when one is already waiting
    or running (it will be done with the campaign as it is then)."""
    if campaign.status == BannerCampaign.RETIRED:
        raise CampaignError("The campaign is retired.")
    check_dates(campaign)
    n = app_settings.COPYGEN_BANNER_VARIANTS if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIANTS:
        raise CampaignError(f"Variants per request must be a whole number between 1 and {MAX_VARIANTS}")
    tone = campaign.tone if tone is None else tone
    if tone and tone not in TONES:
        raise CampaignError(f"Unknown tone {tone!r}; known tones: {', '.join(TONES)}")
    updated = (BannerCampaign.objects.filter(pk=campaign.pk)
               .exclude(generation_status__in=[BannerCampaign.PENDING, BannerCampaign.RUNNING])
               .update(generation_status=BannerCampaign.PENDING, generation_reason="", n_variants=n, tone=tone,
                       claimed_by="", lease_expires_at=None, attempts=0, requested_at=timezone.now()))
    campaign.refresh_from_db()
    if updated:
        transaction.on_commit(wake_workers)
    return bool(updated)


def wake_workers():
    from .tasks import generate_banners

    try:
        publish(generate_banners, queue=app_settings.COPYGEN_GPU_QUEUE)
    except Exception as exc:  # noqa: BLE001  (the row is safe; the sweep re-sends)
        logger.warning("copygen: broker unavailable, banner campaigns wait for the sweep (%s)", exc)
        return False
    return True


def claim(worker_id, limit=None):
    limit = limit or app_settings.COPYGEN_BATCH_SIZE
    now = timezone.now()
    with transaction.atomic():
        pending = BannerCampaign.objects.filter(generation_status=BannerCampaign.PENDING).order_by("requested_at",
                                                                                                    "pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        BannerCampaign.objects.filter(pk__in=ids, generation_status=BannerCampaign.PENDING).update(
            generation_status=BannerCampaign.RUNNING, claimed_by=worker_id, attempts=F("attempts") + 1,
            lease_expires_at=now + timedelta(seconds=app_settings.COPYGEN_LEASE_SECONDS))
    return list(BannerCampaign.objects.filter(pk__in=ids, generation_status=BannerCampaign.RUNNING,
                                              claimed_by=worker_id).order_by("requested_at", "pk"))


def finish(campaign, worker_id, status, reason="", variants=(), facts=None, model_version=None):
    """Write a claimed campaign's outcome once; False when the claim was lost."""
    with transaction.atomic():
        owned = (BannerCampaign.objects.select_for_update()
                 .filter(pk=campaign.pk, generation_status=BannerCampaign.RUNNING, claimed_by=worker_id).first())
        if owned is None:
            logger.warning("copygen: campaign %s is no longer claimed by %s; result dropped", campaign.pk, worker_id)
            return False
        created = [BannerVariant.objects.create(
            campaign=owned, index=index, model_version=model_version, fields=parsed.fields, body=parsed.body,
            prompt=prompt, facts_hash=facts.hash if facts else "", scores=scores, guard=guard)
            for index, (parsed, prompt, scores, guard) in enumerate(variants)]
        owned.generation_status = status
        owned.generation_reason = reason[:2000]
        owned.lease_expires_at = None
        update = ["generation_status", "generation_reason", "lease_expires_at", "updated_at"]
        if facts is not None:
            owned.facts, owned.facts_hash = facts.as_dict(), facts.hash
            update += ["facts", "facts_hash"]
        owned.save(update_fields=update)
        if created:
            from .tasks import enqueue_render

            ids = [variant.pk for variant in created]
            transaction.on_commit(lambda: enqueue_render(ids))
    return True


def judge(kind, facts, index, text, vocabulary=None):
    """One raw candidate: parsed by the banner kind, guarded against the product's and the campaign's facts."""
    product = facts.product_facts()
    parsed = kind.parse(relexicalise(text or "", product))
    verdict = evaluate(parsed.text, index, product, vocabulary, needs_coverage=False)
    extra = facts.discount_reasons(parsed.text)
    if extra:
        verdict.reasons += extra
        verdict.passed = False
    return parsed, verdict


def screen(kind, facts, index, texts, vocabulary=None):
    passing, rejected, seen = [], [], set()
    for text in texts:
        try:
            parsed, verdict = judge(kind, facts, index, text, vocabulary)
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
        # A banner that states the campaign's offer ranks above one that only describes the product.
        lowered = parsed.text.lower()
        parsed.scores["states_offer"] = any(d.lower() in lowered for d in facts.discounts)
        passing.append((float(parsed.scores["states_offer"]) + 0.01 * min(verdict.supported, 10), parsed, verdict,
                        text))
    return passing, rejected


def build_prompt(kind, facts, tone=""):
    """The banner kind's prompt for the featured product, with the campaign's lines before the kind's marker."""
    prompt = kind.build_prompt(facts.product_facts(), tone=tone, brand=app_settings.COPYGEN_BRAND_NAME)
    head, marker, tail = prompt.rpartition(kind.marker)
    return head + "\n".join(facts.lines()) + "\n" + marker + tail


def process_claimed(claimed, worker_id):
    """Generate, guard and store banner copy for claimed campaigns. Returns how many got variants."""
    kind = get_kind(KIND)
    backend = get_backend()
    try:
        info = backend.model_info()
    except BackendError as exc:
        for campaign in claimed:
            finish(campaign, worker_id, BannerCampaign.FAILED, f"Model unavailable: {exc}")
        return 0
    model_version, _ = ModelVersion.objects.get_or_create(
        path=info.path, fingerprint=info.fingerprint, defaults={"name": info.name, "base_model": info.base_model})
    jobs = []
    for campaign in claimed:
        try:
            check_dates(campaign)
            facts = campaign_facts(campaign)
            jobs.append((campaign, facts, build_prompt(kind, facts, campaign.tone)))
        except CampaignError as exc:
            finish(campaign, worker_id, BannerCampaign.FAILED, str(exc))
        except Exception as exc:  # noqa: BLE001  (one campaign's problem never stalls the batch)
            logger.exception("copygen: preparing campaign %s failed", campaign.pk)
            finish(campaign, worker_id, BannerCampaign.FAILED, f"Could not prepare the campaign: {exc!r}")
    if not jobs:
        return 0
    other_brands, vocabulary = catalogue_brands(), store_vocabulary()
    done = 0
    by_n = {}
    for job in jobs:
        by_n.setdefault(job[0].n_variants, []).append(job)
    for n, group in by_n.items():
        k = n * max(1, app_settings.COPYGEN_CANDIDATES_PER_VARIANT)
        try:
            outputs = _generate_isolated(backend, [prompt for *_, prompt in group], k,
                                         min(kind.max_new_tokens, app_settings.COPYGEN_MAX_NEW_TOKENS))
        except Exception as exc:  # noqa: BLE001
            for campaign, *_ in group:
                finish(campaign, worker_id, BannerCampaign.FAILED, f"Generation failed: {exc}")
            continue
        for (campaign, facts, prompt), texts in zip(group, outputs):
            if isinstance(texts, Exception):
                finish(campaign, worker_id, BannerCampaign.FAILED, f"Generation failed: {texts}")
                continue
            try:
                passing, rejected = screen(kind, facts, facts.index(other_brands - {facts.product_facts().brand}),
                                           texts, vocabulary)
            except Exception as exc:  # noqa: BLE001
                logger.exception("copygen: checking banners of campaign %s failed", campaign.pk)
                finish(campaign, worker_id, BannerCampaign.FAILED, f"Could not check the generated copy: {exc!r}")
                continue
            if not passing:
                finish(campaign, worker_id, BannerCampaign.FAILED,
                       f"All {len(texts)} candidates were rejected: {summarise(rejected)}", facts=facts)
                continue
            try:
                fluency = fluencies(backend, [(prompt, text) for *_, text in passing])
            except BackendError:
                raise
            except Exception:  # noqa: BLE001  (ordering only)
                fluency = None
            kept = rank(passing, rejected, n, len(texts), fluency)
            variants = [(parsed, prompt, scores, verdict) for parsed, scores, verdict in kept]
            note = f"{len(rejected)} of {len(texts)} candidates rejected: {summarise(rejected)}" if rejected else ""
            if finish(campaign, worker_id, BannerCampaign.DONE, note, variants, facts, model_version):
                done += 1
    return done


def process_pending(worker_id=None, max_batches=None):
    """Claim and process pending campaigns until none is left. Returns how many got variants."""
    return drain(claim, process_claimed, worker_id, max_batches)


def sweep(now=None):
    """Hand back expired claims (failing campaigns that keep killing workers) and re-wake waiting work."""
    now = now or timezone.now()
    expired = BannerCampaign.objects.filter(generation_status=BannerCampaign.RUNNING, lease_expires_at__lt=now)
    failed = expired.filter(attempts__gte=app_settings.COPYGEN_MAX_ATTEMPTS).update(
        generation_status=BannerCampaign.FAILED, lease_expires_at=None,
        generation_reason="Gave up: the worker stopped before finishing each time.")
    requeued = expired.update(generation_status=BannerCampaign.PENDING, claimed_by="", lease_expires_at=None)
    stale = now - timedelta(seconds=app_settings.COPYGEN_STALE_PENDING_SECONDS)
    waiting = BannerCampaign.objects.filter(Q(generation_status=BannerCampaign.PENDING), Q(requested_at__lt=stale)
                                            | Q(requested_at__isnull=True)).exists()
    woken = bool((requeued or waiting) and wake_workers())
    return {"requeued": requeued, "failed": failed, "woken": woken}
