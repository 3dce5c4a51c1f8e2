"""What can be shown for a product, kind and segment, with each arm's share of traffic: built from the database,
kept in Django's cache so a product page reads it without a query, and rebuilt by the tuning job.

Arms are the approved and live variants written for that segment or for everyone, plus the product's own copy
(its Oscar field, when it holds text that no variant has) as the control arm ``"own"``.
"""

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..guard.sanitise import clean_html
from ..kinds import get_kind
from .policy import get_policy

CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")
OWN = "own"
SERVED = (CopyVariant.APPROVED, CopyVariant.LIVE)


def arms_key(product_id, kind, segment):
    return f"copygen:arms:{product_id}:{kind}:{segment or '-'}"


def own_copy(product, kind):
    fields = get_kind(kind).oscar_fields
    return clean_html(getattr(product, fields[0]) or "") if len(fields) == 1 else ""


def evidence(product_id, kind, segment):
    """``{arm: (conversions, closed without one)}`` from the decision log."""
    rows = (Impression.objects.filter(product_id=product_id, kind=kind, segment=segment, reward__isnull=False)
            .values("arm").annotate(wins=Count("pk", filter=Q(reward=1)), losses=Count("pk", filter=Q(reward=-1))))
    return {row["arm"]: (row["wins"], row["losses"]) for row in rows}


def build(product, kind, segment):
    """``{"arms": [{"arm", "variant", "html", "p", "wins", "losses"}], "at"}`` for one product, kind and segment."""
    variants = list(CopyVariant.objects.filter(product=product, kind=kind, status__in=SERVED)
                    .filter(Q(request__segment__in=["", segment]) | Q(request__isnull=True))
                    .order_by("pk").values("pk", "body"))
    arms = [{"arm": str(v["pk"]), "variant": v["pk"], "html": clean_html(v["body"])} for v in variants]
    own = own_copy(product, kind)
    if own and own not in {arm["html"] for arm in arms}:
        arms.insert(0, {"arm": OWN, "variant": None, "html": own})
    counts = evidence(product.pk, kind, segment)
    for arm in arms:
        arm["wins"], arm["losses"] = counts.get(arm["arm"], (0, 0))
    if arms:
        shares = get_policy().allocation([a["wins"] for a in arms], [a["losses"] for a in arms])
        for arm, share in zip(arms, shares):
            arm["p"] = float(share)
    product_class = product.get_product_class()
    return {"arms": arms, "at": timezone.now().isoformat(), "product_class": product_class.slug if product_class else ""}


def refresh(product, kind, segment):
    table = build(product, kind, segment)
    cache.set(arms_key(product.pk, kind, segment), table, app_settings.COPYGEN_ARMS_TTL)
    return table


def invalidate(product_id, kinds=None):
    """Drop cached tables after a merchant changed what may be shown; the next page view rebuilds them."""
    from ..kinds import KINDS

    cache.delete_many([arms_key(product_id, kind, segment) for kind in (kinds or KINDS)
                       for segment in ("", *app_settings.COPYGEN_SEGMENTS)])
