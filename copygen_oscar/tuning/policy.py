"""The periodic policy job: rewards in, posteriors and allocations out, losers retired, challengers asked for.

Everything it counts is recomputed from the decision log, never incremented, so a run killed halfway and started
again leaves the same state as one clean run.
"""

import logging

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..serving.arms import OWN, SERVED, refresh
from ..serving.policy import get_policy
from ..serving.rewards import close_windows

logger = logging.getLogger(__name__)
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Impression = get_model("copygen", "Impression")
Product = get_model("catalogue", "Product")


def experiments():
    """(product id, kind) pairs with something to serve or something logged."""
    served = CopyVariant.objects.filter(status__in=SERVED).values_list("product_id", "kind").distinct()
    logged = Impression.objects.filter(product__isnull=False).values_list("product_id", "kind").distinct()
    return sorted(set(served) | set(logged))


def pooled_evidence(product_id, kind):
    rows = (Impression.objects.filter(product_id=product_id, kind=kind, reward__isnull=False).values("arm")
            .annotate(wins=Count("pk", filter=Q(reward=1)), losses=Count("pk", filter=Q(reward=-1))))
    return {row["arm"]: (row["wins"], row["losses"]) for row in rows}


def retire_losers(product_id, kind):
    """Approved variants whose chance of being best fell under ``COPYGEN_RETIRE_BELOW`` after enough decisions.

    The live variant (it is in the product's own fields) and the product's own copy are never retired here.
    """
    from ..workflow.audit import record

    alive = {str(pk): status for pk, status in CopyVariant.objects.filter(
        product_id=product_id, kind=kind, status__in=SERVED).values_list("pk", "status")}
    counts = pooled_evidence(product_id, kind)
    arms = [arm for arm in alive if arm in counts] + [arm for arm in counts if arm == OWN]
    if len(arms) < 2:
        return []
    best = get_policy().probability_best([counts[a][0] for a in arms], [counts[a][1] for a in arms])
    retired = []
    for arm, chance in zip(arms, best):
        wins, losses = counts[arm]
        if (arm != OWN and alive.get(arm) == CopyVariant.APPROVED and wins + losses >= app_settings.COPYGEN_MIN_IMPRESSIONS
                and chance < app_settings.COPYGEN_RETIRE_BELOW):
            with transaction.atomic():
                variant = CopyVariant.objects.select_for_update(of=("self",)).get(pk=int(arm))
                if variant.status == CopyVariant.APPROVED:
                    variant.status = CopyVariant.RETIRED
                    variant.save(update_fields=["status", "updated_at"])
                    record("retire", channel="rule", variant=variant, probability_best=round(float(chance), 4),
                           conversions=wins, decisions=wins + losses)
                    retired.append(variant.pk)
    return retired


def ask_for_challengers(product, kind):
    """Keep ``COPYGEN_LIVE_VARIANTS`` alive: new drafts wait for review unless the product's rule publishes."""
    from ..requests import request_generation

    alive = CopyVariant.objects.filter(product=product, kind=kind, status__in=SERVED).count()
    missing = app_settings.COPYGEN_LIVE_VARIANTS - alive
    if missing <= 0:
        return None
    request, _ = request_generation(product, kind=kind, n=min(missing, 10), source=GenerationRequest.TUNING)
    return request.pk


def tune_policy(now=None):
    now = now or timezone.now()
    report = {"closed": close_windows(now), "retired": [], "challengers": [], "tables": 0}
    segments = ("", *app_settings.COPYGEN_SEGMENTS)
    pairs = experiments()
    products = Product.objects.in_bulk({product_id for product_id, _ in pairs})
    for product_id, kind in pairs:
        product = products.get(product_id)
        if product is None:
            continue
        retired = retire_losers(product_id, kind)
        report["retired"] += retired
        if retired:
            report["challengers"].append(ask_for_challengers(product, kind))
        for segment in segments:
            refresh(product, kind, segment)
            report["tables"] += 1
    logger.info("copygen: policy tuned: %s", {k: v if isinstance(v, int) else len(v) for k, v in report.items()})
    return report
