"""The loop closes: shoppers with a hidden taste visit demo product pages, their orders reward the copy they saw,
and after tuning rounds the policy shows the copy they like more and more of them buy."""

import io
import random

import pytest
from django.core.cache import cache
from django.core.management import call_command
from oscar.core.loading import get_model

from copygen_oscar.receivers import auto_generation_paused
from copygen_oscar.serving import events, selection
from copygen_oscar.simulation import key_benefit, simulate

CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(tmp_path, settings, monkeypatch):
    settings.COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.FileBuffer"
    settings.COPYGEN_MIN_IMPRESSIONS = 10**6  # keep every arm: this test watches allocation, not retirement
    events._buffers.clear()
    events._buffers[settings.COPYGEN_EVENT_BUFFER] = events.FileBuffer(tmp_path / "events.jsonl")
    monkeypatch.setattr(selection, "_random", random.Random(3))
    cache.clear()
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    products = []
    for product in Product.objects.exclude(description="").filter(stockrecords__isnull=False).order_by("upc"):
        benefit = key_benefit(product)
        if not benefit or benefit in product.title.lower():
            continue  # only the variant written for it may carry the cue, so the arms differ in taste
        with auto_generation_paused():
            product.description = "<p>A fine choice, made to last.</p>"  # the own copy: the control arm
            product.save()
        CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                   body=f"<p>Chosen by many for its {benefit}.</p>")
        CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                   body="<p>A good choice for everyday use.</p>")
        products.append(product)
        if len(products) == 2:
            break
    yield products
    events._buffers.clear()
    cache.clear()


def test_traffic_and_conversions_move_to_the_copy_shoppers_prefer(store):
    rounds = simulate(store, rounds=4, visits=150, base_rate=0.1, lift=4.0, seed=5, log=lambda *_: None)
    first, late = rounds[0], rounds[2:]
    late_share = sum(r.tasteful_views for r in late) / sum(r.visits for r in late)
    late_rate = sum(r.orders for r in late) / sum(r.visits for r in late)
    # Three arms per product (own copy, a variant with the key benefit, one without): a third at first.
    assert first.tasteful_share < 0.5
    assert late_share > 0.7 and late_share > first.tasteful_share + 0.3
    assert late_rate > first.conversion_rate
    # Every visit was a logged decision, and every order rewarded exactly one of them.
    assert Impression.objects.count() == 600
    assert Impression.objects.filter(reward=1).count() == sum(r.orders for r in rounds)
    assert not Impression.objects.filter(reward__isnull=True).exists()
