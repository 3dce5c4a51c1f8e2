"""Simulated shoppers for the demo and the closed-loop test: real page views, real baskets, real orders.

Each simulated visitor is a fresh browser (its own visitor cookie) that opens a product page through the store's
own views and template tag, so serving, sticky choices and impression events run as for a person. The shopper's
hidden taste decides whether they buy: they convert ``lift`` times more often when the copy they were shown
mentions the product's key benefit (``key_benefit``: one of its attribute values that some of its copies
mention and others do not). A buyer adds the product to
the basket through the basket view and the order is placed server-side with Oscar's OrderCreator, as checkout
would place it, so the reward comes from a real order. Nothing in serving or tuning knows the taste.
"""

import random
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model

from .facts import product_facts
from .guard.sanitise import plain_text

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")
Product = get_model("catalogue", "Product")
_SERVED = re.compile(r'<div class="copygen-description">(.*?)</div>', re.S)


def _descriptive(product):
    return [a.as_text().lower() for a in product_facts(product).attributes
            if a.code != "brand" and a.type in ("text", "option") and str(a.value).lower() not in ("yes", "no")]


def key_benefit(product, texts=()):
    """The hidden taste's cue: of the product's descriptive attributes (not the brand, not a yes/no or a number),
    the one the fewest of ``texts`` (the copy it can be shown with) mention, as long as at least one does, so
    the taste tells the copies apart; without texts, its material or first descriptive attribute."""
    values = _descriptive(product)
    texts = [plain_text(text).lower() for text in texts]
    splitting = [(sum(value in text for text in texts), value) for value in values]
    splitting = [(n, value) for n, value in splitting if 0 < n < len(texts)]
    if splitting:
        return min(splitting)[1]
    material = next((a.as_text().lower() for a in product_facts(product).attributes if a.code == "material"), "")
    return material or (values[0] if values else "")


def tasteful(cue, html):
    return bool(cue) and cue in plain_text(html).lower()


@dataclass
class RoundResult:
    visits: int = 0
    orders: int = 0
    tasteful_views: int = 0
    placed: list = field(default_factory=list)

    @property
    def conversion_rate(self):
        return self.orders / self.visits if self.visits else 0.0

    @property
    def tasteful_share(self):
        return self.tasteful_views / self.visits if self.visits else 0.0


def visit_round(products, cues, visits, *, base_rate, lift, rng):
    """``visits`` new visitors, each opening one of ``products`` (uniformly) and maybe buying it."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"), "localhost")

    result = RoundResult()
    for _ in range(visits):
        product = rng.choice(products)
        client = Client(HTTP_HOST=host)
        page = client.get(product.get_absolute_url())
        if page.status_code != 200:
            raise RuntimeError(f"product page {product.get_absolute_url()} answered {page.status_code}")
        served = _SERVED.search(page.content.decode())
        liked = served is not None and tasteful(cues[product.pk], served.group(1))
        result.visits += 1
        result.tasteful_views += liked
        if rng.random() < base_rate * (lift if liked else 1.0):
            client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
            cookie = client.cookies.get(settings.OSCAR_BASKET_COOKIE_OPEN)
            basket_id = cookie.value.split(":")[0] if cookie else ""
            basket = Basket.objects.filter(pk=basket_id).first() if basket_id.isdigit() else None
            if basket is not None and basket.num_lines:
                result.placed.append(place_order(basket))
                result.orders += 1
    return result


def place_order(basket):
    """Place an order for ``basket`` the way checkout does: Oscar's OrderCreator, in one transaction."""
    from oscar.test.factories import create_order

    basket.strategy = Default()
    with transaction.atomic():
        return create_order(basket=basket)


def simulate(products, *, rounds, visits, base_rate=0.1, lift=3.0, seed=0, log=print):
    """Rounds of visits, each followed by the periodic jobs as beat would run them once the attribution window
    has passed (``tune_policy`` at a time one window later). Returns the per-round results."""
    from datetime import timedelta

    from . import app_settings
    from .serving.arms import build
    from .serving.rewards import attribute, flush_and_attribute
    from .tuning.policy import tune_policy

    # Thousands of simulated orders must not sell the demo out: stock-outs would end the experiment, not taste.
    StockRecord.objects.filter(product__in=products).update(num_in_stock=F("num_in_stock") + 10 * rounds * visits)
    cues = {product.pk: key_benefit(product, [arm["html"] for segment in ("new", "returning")
                                              for arm in build(product, "description", segment)["arms"]])
            for product in products}
    for product in products:
        log(f"{product.get_title()}: shoppers prefer copy that mentions {cues[product.pk]!r}")
    rng = random.Random(seed)
    results, clock = [], timezone.now()
    for number in range(1, rounds + 1):
        result = visit_round(products, cues, visits, base_rate=base_rate, lift=lift, rng=rng)
        flush_and_attribute()
        # Each order's own event is sent when its transaction commits; inside a test's transaction that never
        # happens, so the simulation attributes its orders itself (idempotent: an order counts once either way).
        for order in result.placed:
            attribute(order)
        clock += timedelta(hours=app_settings.COPYGEN_ATTRIBUTION_HOURS + 1)
        tune_policy(now=clock)
        results.append(result)
        log(f"round {number}: {result.visits} visits, {result.orders} orders "
            f"(rate {result.conversion_rate:.3f}), shown copy with the key benefit {result.tasteful_share:.1%}")
    return results
