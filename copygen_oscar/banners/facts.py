"""Campaign -> facts: what a banner may say, taken from Oscar's own records.

The discount comes from the offer's benefit and condition ("20% off", "3 for 2", "free shipping"), the dates from
the campaign, the rest from the featured product's ``ProductFacts``. A campaign without an offer, or an offer whose
benefit is worth nothing, has no discount facts, and then copy that speaks of one (a percentage, "save", "half
price", "free delivery") is refused.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from oscar.core.loading import get_model

from ..facts import EmptyFacts, ProductFacts, clean_text, product_facts
from ..guard import FactIndex

Product = get_model("catalogue", "Product")
SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}
GOAL_WORDS = {"sale": "Sale", "new_arrival": "New arrival", "seasonal": "Seasonal", "clearance": "Clearance sale",
              "free_shipping": "Free shipping"}
# Words that promise money off; without discount facts a banner may not use them.
_DISCOUNT_WORDS = re.compile(
    r"\b(\d+\s*%|percent|off|save|saving|savings|discount\w*|deal|deals|half[- ]price|reduced|cheaper|bogof|"
    r"for the price of|free (?:shipping|delivery|postage)|clearance|sale)\b", re.IGNORECASE)
_FREE_SHIPPING = re.compile(r"\bfree (?:shipping|delivery|postage)\b", re.IGNORECASE)


def money(value, currency=None):
    currency = currency or getattr(settings, "OSCAR_DEFAULT_CURRENCY", "GBP")
    amount = Decimal(value).quantize(Decimal("0.01"))
    text = f"{amount:f}".removesuffix(".00")
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def _number(value):
    value = Decimal(value or 0)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def discount_facts(offer):
    """What the offer gives, in the words a banner uses: ``["20% off"]``, ``["3 for 2"]``, ``["free shipping"]``;
    ``[]`` when it gives nothing a banner could state (no offer, a zero value, a custom benefit)."""
    if offer is None or offer.benefit_id is None:
        return []
    benefit, condition = offer.benefit, offer.condition
    kind, value = benefit.type, Decimal(benefit.value or 0)
    count = int(condition.value) if condition.type == condition.COUNT and condition.value else 0
    if kind == benefit.PERCENTAGE and value > 0:
        return [f"{_number(value)}% off"] + (["half price"] if value == 50 else [])
    if kind in (benefit.FIXED, benefit.FIXED_UNIT) and value > 0:
        return [f"{money(value)} off"]
    if kind == benefit.MULTIBUY:
        return [f"{count} for {count - 1}"] if count >= 2 else ["cheapest item free"]
    if kind == benefit.FIXED_PRICE and count >= 1:
        return [f"{count} for {money(value)}"]
    if kind == benefit.SHIPPING_FIXED_PRICE:
        return ["free shipping", "free delivery"] if value == 0 else [f"delivery for {money(value)}"]
    if kind == benefit.SHIPPING_PERCENTAGE and value > 0:
        return ["free shipping", "free delivery"] if value >= 100 else [f"{_number(value)}% off delivery"]
    if kind == benefit.SHIPPING_ABSOLUTE and value > 0:
        return [f"{money(value)} off delivery"]
    return []


def campaign_products(campaign):
    """Every product the campaign promotes (parents for variant products): what a conversion is counted on."""
    if campaign.product_id:
        return Product.objects.filter(pk=campaign.product_id)
    if campaign.range_id:
        return campaign.range.all_products()
    if campaign.offer_id:
        return campaign.offer.products()
    if campaign.category_id:
        return Product.objects.filter(categories__in=campaign.category.get_descendants_and_self()).distinct()
    return Product.objects.none()


def featured_product(campaign):
    if campaign.featured_product_id:
        return campaign.featured_product
    if campaign.product_id:
        return campaign.product
    return campaign_products(campaign).filter(parent__isnull=True).order_by("pk").first()


def target(campaign):
    """(kind, name) of what the campaign is for."""
    for kind in ("product", "range", "category", "offer"):
        obj = getattr(campaign, kind)
        if obj is not None:
            name = obj.get_title() if kind == "product" else obj.name
            return kind, clean_text(name, 120)
    return "", ""


def _day(value):
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%B %Y}"


@dataclass
class CampaignFacts:
    name: str
    goal: str
    target_kind: str
    target_name: str
    discounts: list = field(default_factory=list)
    starts: str = ""
    ends: str = ""
    product: ProductFacts = None

    def lines(self):
        """The campaign's lines of the prompt (after the product's facts)."""
        lines = [f"Campaign: {self.name}", f"Goal: {GOAL_WORDS.get(self.goal, self.goal)}"]
        if self.target_kind and self.target_kind != "product":
            lines.append(f"Promoted {self.target_kind}: {self.target_name}")
        if self.discounts:
            lines.append(f"Offer: {self.discounts[0]}")
        if self.ends:
            lines.append(f"Ends: {self.ends}")
        return lines

    def as_dict(self):
        return asdict(self)

    @property
    def hash(self):
        data = self.as_dict()
        data["product"] = self.product.hash if self.product else ""
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def product_facts(self):
        """Facts for the kind's prompt builder: the featured product's, or a stand-in named after the target."""
        return self.product or ProductFacts(title=self.target_name or self.name)

    def index(self, other_brands=()):
        """The guard's index: the product's facts plus the campaign's own words, numbers and discounts."""
        product = self.product_facts()
        base = FactIndex.from_facts(product, other_brands)
        extra = FactIndex.from_texts([*self.lines(), *self.discounts, self.target_name, self.starts])
        base.text = f"{base.text}\n{extra.text}"
        base.quantities.extend(extra.quantities)
        base.numbers |= extra.numbers
        base.prices |= extra.prices
        base.vocabulary |= extra.vocabulary
        base.vocabulary_text = f"{base.vocabulary_text}{extra.vocabulary_text}"
        return base

    def discount_reasons(self, text):
        """Reasons the copy promises money off the facts do not give."""
        reasons = []
        if not self.discounts:
            allowed = {"sale", "clearance"} if self.goal in ("sale", "clearance") else set()
            found = [m.group(0) for m in _DISCOUNT_WORDS.finditer(text) if m.group(0).lower() not in allowed]
            if found:
                reasons.append(f"mentions a discount ('{found[0]}') but the campaign's offer gives none")
        elif _FREE_SHIPPING.search(text) and not any("free" in d for d in self.discounts):
            reasons.append("promises free shipping, which the offer does not give")
        return reasons


def campaign_facts(campaign):
    """The facts of a campaign as its banners may state them."""
    kind, name = target(campaign)
    product = featured_product(campaign)
    facts = None
    if product is not None:
        try:
            facts = product_facts(product)
        except EmptyFacts:
            facts = None
    return CampaignFacts(
        name=clean_text(campaign.name, 120), goal=campaign.goal, target_kind=kind, target_name=name,
        discounts=discount_facts(campaign.offer) if campaign.offer_id else [],
        starts=_day(campaign.starts_at) if campaign.starts_at else "",
        ends=_day(campaign.ends_at) if campaign.ends_at else "", product=facts)
