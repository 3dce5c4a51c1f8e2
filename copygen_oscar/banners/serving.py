"""The storefront hero: which campaign a page shows, which of its approved banners a visitor sees, and what counts.

Closed loop, as for product copy: the arms are a campaign's approved, rendered banners, with traffic shares from
the bandit policy (Thompson sampling by default) over the decision log. A visitor's choice is sticky for the
attribution window and logged once as an ``Impression`` (kind ``campaign_banner``, no product, the campaign and
the size in ``context``) through the event buffer. Clicks go through a redirect that counts them on the variant.
An order rewards the visitor's latest banner decision of each campaign that covers one of the ordered products
(``attribute``; called from ``serving.rewards.attribute`` in the same transaction as product copy rewards).
"""

import logging
import random
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..serving.events import emit
from ..serving.policy import get_policy
from .facts import campaign_products

logger = logging.getLogger(__name__)
BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
Impression = get_model("copygen", "Impression")
KIND = "campaign_banner"
SIZE = "hero"
CAMPAIGNS_KEY = "copygen:banner-campaigns"
_random = random.SystemRandom()


@dataclass
class ServedBanner:
    campaign_id: int
    variant_id: int
    png: str
    webp: str
    alt: str
    click_url: str
    width: int
    height: int
    probability: float = 1.0


def active(now=None):
    """Scheduled campaigns running now, newest start first."""
    now = now or timezone.now()
    return (BannerCampaign.objects.filter(status=BannerCampaign.SCHEDULED, starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).order_by("-starts_at", "-pk"))


def _campaign_table():
    """``[(campaign id, category id or None, ends_at)]`` of running campaigns with something to show (cached)."""
    table = cache.get(CAMPAIGNS_KEY)
    if table is None:
        rows = active().filter(variants__status=BannerVariant.APPROVED,
                               variants__render_status=BannerVariant.RENDERED).distinct()
        table = [(c.pk, c.category_id, c.ends_at) for c in rows.only("pk", "category_id", "ends_at")]
        cache.set(CAMPAIGNS_KEY, table, 60)
    return table


def campaign_for(category=None):
    """The campaign a page shows: one for this category (or an ancestor), else the newest running one."""
    now = timezone.now()
    table = [row for row in _campaign_table() if row[2] is None or row[2] > now]
    if category is not None:
        lineage = {c.pk for c in category.get_ancestors_and_self()}
        for campaign_id, category_id, _ in table:
            if category_id in lineage:
                return campaign_id
    return table[0][0] if table else None


def arms_key(campaign_id):
    return f"copygen:banner-arms:{campaign_id}"


def evidence(campaign_id):
    rows = (Impression.objects.filter(kind=KIND, context__campaign=campaign_id, reward__isnull=False)
            .values("arm").annotate(wins=Count("pk", filter=Q(reward=1)), losses=Count("pk", filter=Q(reward=-1))))
    return {row["arm"]: (row["wins"], row["losses"]) for row in rows}


def build(campaign_id):
    variants = (BannerVariant.objects.filter(campaign_id=campaign_id, status=BannerVariant.APPROVED,
                                             render_status=BannerVariant.RENDERED).order_by("pk"))
    arms = []
    for variant in variants:
        hero = (variant.renders or {}).get(SIZE)
        if not hero or not hero.get("png"):
            continue
        fields = variant.fields or {}
        arms.append({"arm": str(variant.pk), "variant": variant.pk, "png": hero["png"], "webp": hero.get("webp", ""),
                     "width": hero["width"], "height": hero["height"],
                     "alt": " ".join(v for v in (fields.get("Headline"), fields.get("Subline")) if v)})
    counts = evidence(campaign_id)
    for arm in arms:
        arm["wins"], arm["losses"] = counts.get(arm["arm"], (0, 0))
    if arms:
        shares = get_policy().allocation([a["wins"] for a in arms], [a["losses"] for a in arms])
        for arm, share in zip(arms, shares):
            arm["p"] = float(share)
    return {"arms": arms, "at": timezone.now().isoformat()}


def refresh(campaign_id):
    table = build(campaign_id)
    cache.set(arms_key(campaign_id), table, app_settings.COPYGEN_ARMS_TTL)
    return table


def invalidate(campaign_id=None):
    """After a merchant changed what may be shown: the next page view rebuilds the tables."""
    keys = [CAMPAIGNS_KEY] + ([arms_key(campaign_id)] if campaign_id else [])
    cache.delete_many(keys)


def _url(name):
    return default_storage.url(name) if name else ""


def serve(request, category=None):
    """The hero banner this visitor sees on this page, or None. Never raises: a page without a banner is fine."""
    try:
        campaign_id = campaign_for(category)
        if campaign_id is None:
            return None
        table = cache.get(arms_key(campaign_id)) or refresh(campaign_id)
        arms = table["arms"]
        if not arms:
            return None
        visitor = getattr(request, "copygen_visitor", None)
        choices = getattr(request, "copygen_choices", None)  # the visitor's sticky choices, in their cookie
        arm = None
        if visitor and choices is not None:
            arm = next((a for a in arms if a["arm"] == choices.get((campaign_id, KIND, ""))), None)
        if arm is None:
            arm = arms[get_policy().choose([a["p"] for a in arms], _random)] if len(arms) > 1 else arms[0]
            if visitor and choices is not None and app_settings.COPYGEN_SERVING:
                from ..serving.selection import segment_for

                segment = segment_for(request)
                choices.set((campaign_id, KIND, ""), arm["arm"])
                emit({"type": "impression", "visitor": visitor, "product": None, "kind": KIND, "segment": segment,
                      "variant": None, "arm": arm["arm"], "probability": arm["p"],
                      "arms": {a["arm"]: a["p"] for a in arms},
                      "context": {"campaign": campaign_id, "size": SIZE, "segment": segment, "kind": KIND,
                                  "page": "category" if category is not None else "home", "table_at": table["at"]}})
        return ServedBanner(campaign_id=campaign_id, variant_id=arm["variant"], png=_url(arm["png"]),
                            webp=_url(arm["webp"]), alt=arm["alt"], width=arm["width"], height=arm["height"],
                            click_url=reverse("copygen-banner-click", args=[campaign_id, arm["variant"]]),
                            probability=arm["p"])
    except Exception:  # noqa: BLE001  (cache, buffer or storage down: the page shows without a banner)
        logger.warning("copygen: banner serving failed; page shown without a banner", exc_info=True)
        return None


def landing_url(campaign):
    """Where a click on the banner goes: the offer, range, category or product page (never a URL from the
    request, so the redirect cannot be abused)."""
    try:
        if campaign.product_id:
            return campaign.product.get_absolute_url()
        if campaign.range_id and campaign.range.is_public:
            return campaign.range.get_absolute_url()
        if campaign.category_id:
            return campaign.category.get_absolute_url()
        if campaign.offer_id:
            return campaign.offer.get_absolute_url()
    except Exception:  # noqa: BLE001  (a target without a page: go home)
        logger.warning("copygen: no landing page for campaign %s", campaign.pk, exc_info=True)
    return "/"


def count_click(visitor, campaign_id, variant_id):
    """One click per visitor, banner and attribution window; returns whether it was counted."""
    if not visitor:
        return False
    if not cache.add(f"copygen:banner-click:{visitor}:{variant_id}", 1,
                     int(app_settings.COPYGEN_ATTRIBUTION_HOURS * 3600)):
        return False
    from django.db.models import F

    return bool(BannerVariant.objects.filter(pk=variant_id, campaign_id=campaign_id).update(clicks=F("clicks") + 1))


def attribute(order, visitors, products, window, clock_skew):
    """+1 for each visitor's latest banner decision of a campaign whose products include an ordered one.

    ``products``: ids of ordered products (parents for variants). Runs inside ``serving.rewards.attribute``'s
    transaction, so the order's ``AttributedOrder`` row keeps it from counting twice.
    """
    if not visitors or not products:
        return 0
    placed = order.date_placed
    candidates = (Impression.objects.filter(kind=KIND, visitor__in=visitors, shown_at__gte=placed - window,
                                            shown_at__lte=placed + clock_skew)
                  .order_by("-shown_at").only("pk", "context", "reward", "visitor"))
    latest = {}
    for impression in candidates:
        campaign_id = (impression.context or {}).get("campaign")
        latest.setdefault((impression.visitor, campaign_id), impression)
    campaigns = {c.pk: c for c in BannerCampaign.objects.filter(pk__in={key[1] for key in latest})}
    covering = {pk for pk, campaign in campaigns.items()
                if campaign_products(campaign).filter(pk__in=products).exists()}
    ids = [i.pk for (_, campaign_id), i in latest.items() if campaign_id in covering and i.reward != 1]
    if not ids:
        return 0
    return Impression.objects.filter(pk__in=ids).exclude(reward=Impression.CONVERTED).update(
        reward=Impression.CONVERTED, order_number=order.number, rewarded_at=timezone.now())


def stats(campaign):
    """Per variant: impressions, clicks, conversions, closed without one."""
    rows = (Impression.objects.filter(kind=KIND, context__campaign=campaign.pk).values("arm")
            .annotate(shown=Count("pk"), wins=Count("pk", filter=Q(reward=1)),
                      losses=Count("pk", filter=Q(reward=-1))))
    by_arm = {row["arm"]: row for row in rows}
    return {variant.pk: {"impressions": by_arm.get(str(variant.pk), {}).get("shown", 0), "clicks": variant.clicks,
                         "conversions": by_arm.get(str(variant.pk), {}).get("wins", 0),
                         "closed": by_arm.get(str(variant.pk), {}).get("losses", 0)}
            for variant in campaign.variants.all()}
