"""The closed loop on the store: serve a variant, log the decision, reward it from a real order, tune, export."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order, create_product

from copygen_oscar.serving import events
from copygen_oscar.serving.arms import OWN
from copygen_oscar.serving.rewards import attribute, close_windows, flush_and_attribute
from copygen_oscar.serving.selection import serve
from copygen_oscar.serving.visitors import Choices
from copygen_oscar.tuning.policy import tune_policy

AttributedOrder = get_model("copygen", "AttributedOrder")
AuditEvent = get_model("copygen", "AuditEvent")
Basket = get_model("basket", "Basket")
BasketEvent = get_model("copygen", "BasketEvent")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Impression = get_model("copygen", "Impression")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_serving_state(tmp_path, settings):
    """Each test gets its own event file and an empty cache (both live under the var folder otherwise)."""
    settings.COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.FileBuffer"
    events._buffers.clear()
    events._buffers[settings.COPYGEN_EVENT_BUFFER] = events.FileBuffer(tmp_path / "events.jsonl")
    cache.clear()
    yield
    events._buffers.clear()
    cache.clear()


def scarf(n_variants=2):
    product = create_product(title="Borders Wool Scarf", price=D("20.00"), num_in_stock=50)
    product.description = "<p>The owner's own scarf copy.</p>"
    product.save()
    variants = [CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                           body=f"<p>Variant {i}: a warm wool scarf.<script>x()</script></p>")
                for i in range(n_variants)]
    return product, variants


def page_copy(client, product):
    html = client.get(product.get_absolute_url()).content.decode()
    return next((part for part in ("own scarf copy", "Variant 0", "Variant 1") if part in html), None), html


def test_a_visitor_sees_one_sticky_sanitised_choice_and_it_is_logged_once(client):
    product, variants = scarf()
    first, html = page_copy(client, product)
    assert first is not None and "<script>x()" not in html
    for _ in range(3):
        assert page_copy(client, product)[0] == first  # sticky: the same decision, not a new impression
    assert client.cookies["copygen_seen"].value.startswith(f"{product.pk}.description.new.")
    assert events.flush() == {"impressions": 1, "basket": 0, "orders": [], "read": 1}
    decision = Impression.objects.get()
    assert decision.arms.keys() == {OWN, str(variants[0].pk), str(variants[1].pk)}
    assert decision.probability == pytest.approx(1 / 3, abs=0.05)  # no evidence yet: even shares
    assert decision.segment == "new" and decision.reward is None
    assert events.flush() == {"impressions": 0, "basket": 0, "orders": [], "read": 0}  # flushed events are gone from the buffer

    client.cookies.clear()  # another visitor: a decision of their own
    page_copy(client, product)
    events.flush()
    assert Impression.objects.values("visitor").distinct().count() == 2


def test_the_common_case_costs_no_database_query(client, rf, django_assert_num_queries):
    product, _ = scarf()
    request = rf.get("/")
    request.copygen_visitor, request.copygen_returning, request.copygen_choices = "a" * 32, True, Choices("")
    serve(request, product)  # builds and caches the arm table, logs the decision
    with django_assert_num_queries(0):
        for _ in range(5):
            served = serve(request, product)
    assert served.arm and served.probability > 0


def test_an_order_rewards_the_decision_once_and_windows_close_without_one(client, django_capture_on_commit_callbacks):
    product, _ = scarf()
    other, _ = scarf()
    page_copy(client, product)
    page_copy(client, other)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    events.flush()
    basket_event = BasketEvent.objects.get()
    basket = Basket.objects.get(pk=basket_event.basket_id)
    basket.strategy = Default()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = create_order(basket=basket)
    assert len(callbacks) == 1  # the order event waits for the order's commit

    assert flush_and_attribute() == 1  # the flush stores the events and attributes the order among them
    assert attribute(order) == 0  # the same order recorded twice counts once
    converted = Impression.objects.get(product=product)
    assert (converted.reward, converted.order_number) == (Impression.CONVERTED, str(order.number))
    assert Impression.objects.get(product=other).reward is None  # not bought: still open

    later = timezone.now() + timedelta(hours=settings.COPYGEN_ATTRIBUTION_HOURS + 1)
    assert close_windows(later) == 1
    assert Impression.objects.get(product=other).reward == Impression.NOT_CONVERTED
    assert close_windows(later) == 0
    assert AttributedOrder.objects.get(order=order).impressions == 1


def decisions(product, arm, wins, losses, segment="new"):
    now = timezone.now()
    import uuid

    Impression.objects.bulk_create([Impression(
        event_id=uuid.uuid4(), shown_at=now, visitor=f"v{i}", product=product, kind="description", segment=segment,
        variant_id=None if arm == OWN else int(arm), arm=arm, probability=0.5, arms={arm: 0.5},
        reward=Impression.CONVERTED if i < wins else Impression.NOT_CONVERTED) for i in range(wins + losses)])


def test_tuning_moves_traffic_retires_losers_and_asks_for_challengers(client, settings):
    settings.COPYGEN_MIN_IMPRESSIONS = 100
    product, (good, bad) = scarf()
    decisions(product, str(good.pk), 30, 170)
    decisions(product, str(bad.pk), 2, 198)
    decisions(product, OWN, 10, 190)
    report = tune_policy()
    bad.refresh_from_db(), good.refresh_from_db()
    assert report["retired"] == [bad.pk] and bad.status == CopyVariant.RETIRED and good.status == CopyVariant.APPROVED
    assert AuditEvent.objects.get(action="retire").channel == "rule"
    (challenger,) = report["challengers"]
    # Three alive wanted: the good variant is one (the own copy is no variant); a waiting request is joined.
    assert GenerationRequest.objects.get(pk=challenger, status="pending").n_variants == 2

    table = cache.get(f"copygen:arms:{product.pk}:description:new")
    shares = {arm["arm"]: arm["p"] for arm in table["arms"]}
    assert set(shares) == {OWN, str(good.pk)} and shares[str(good.pk)] > 0.95

    again = tune_policy()  # a rerun (or a run killed halfway and restarted) counts nothing twice
    assert again["retired"] == [] and again["closed"] == 0
    assert Impression.objects.filter(reward=Impression.CONVERTED).count() == 42


def test_serving_survives_a_broken_cache_and_buffer(client, settings, monkeypatch):
    product, _ = scarf()

    def broken(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "get", broken)
    assert page_copy(client, product)[0] == "own scarf copy"  # the product's own copy, no error
    monkeypatch.undo()

    settings.COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.RedisBuffer"
    settings.COPYGEN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    events._buffers.clear()
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    assert events.counter(events.LOST) == 1  # visible in the report and the metrics


def test_events_for_deleted_products_and_variants_are_kept_unlinked(client):
    product, (variant, _) = scarf()
    events.emit({"type": "impression", "visitor": "v", "product": product.pk, "kind": "description", "segment": "",
                 "variant": variant.pk, "arm": str(variant.pk), "probability": 0.5, "arms": {str(variant.pk): 0.5}})
    events.emit({"type": "impression", "broken": True})
    variant.delete()
    assert events.flush() == {"impressions": 1, "basket": 0, "orders": [], "read": 2}
    assert Impression.objects.get().variant is None


def test_the_decision_log_exports_for_vowpal_wabbit_and_obp(tmp_path):
    product, (good, bad) = scarf()
    decisions(product, str(good.pk), 1, 1)
    out = io.StringIO()
    call_command("copygen_export_decisions", "--format", "vw", stdout=out)
    examples = [e for e in out.getvalue().split("\n\n") if e.strip()]
    assert len(examples) == 2
    lines = examples[0].splitlines()
    assert lines[0].startswith(f"shared |Context product={product.pk}")
    assert lines[1] in (f"0:0:0.500000 |Action arm={good.pk} own=0", f"0:1:0.500000 |Action arm={good.pk} own=0")
    path = tmp_path / "obp.csv"
    call_command("copygen_export_decisions", "--format", "obp", "--output", str(path), stderr=io.StringIO())
    rows = path.read_text().splitlines()
    assert rows[0].startswith("timestamp,product,kind,segment,action") and len(rows) == 3
    assert sorted(row.split(",")[7] for row in rows[1:]) == ["0", "1"]  # reward as 0/1


def test_the_experiment_report_shows_rates_intervals_and_uplift(client, admin_user):
    product, (good, bad) = scarf()
    decisions(product, str(good.pk), 20, 80)
    decisions(product, OWN, 10, 90)
    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-experiments")).content.decode()
    assert "<svg" in page and 'data-arm="own"' in page and f'data-arm="{good.pk}"' in page
    assert 'id="copygen-uplift">0.500<' in page  # policy 30/200 = 0.15 against own copy 0.10
    assert 'id="copygen-overall-chart"' in page and "Own copy" in page


def test_choices_in_the_cookie_expire_with_the_window_and_ignore_garbage(settings):
    import time

    now = int(time.time() // 60)
    stale = now - int(settings.COPYGEN_ATTRIBUTION_HOURS * 60) - 5
    choices = Choices(f"7.description.new.12.{now}|8.description.new.own.{stale}|<script>|9.seo..3.x")
    assert choices.get((7, "description", "new")) == "12"
    assert choices.get((8, "description", "new")) is None  # past the window: drawn again
    assert len(choices.entries) == 1 and not choices.changed
    choices.set((9, "seo", ""), "own")
    assert choices.changed and choices.serialise() == f"7.description.new.12.{now}|9.seo..own.{now}"


def test_signing_in_at_checkout_keeps_the_visitor_tied_to_the_order(client, rf):
    """Oscar merges the anonymous basket into the customer's at sign-in: the order's basket is one no basket event
    named; the checkout's own request ties the visitor to it."""
    from oscar.apps.checkout.signals import post_checkout
    from oscar.test.factories import create_basket

    product, _ = scarf()
    page_copy(client, product)
    visitor = client.cookies["copygen_visitor"].value.split(".")[0]
    merged = create_basket(empty=True)
    merged.add_product(product, 1)
    order = create_order(basket=merged)
    request = rf.get("/checkout/thank-you/")
    request.copygen_visitor = visitor
    post_checkout.send(sender=None, order=order, user=None, request=request, response=None)
    assert flush_and_attribute(batch=1) == 0  # the order event is only sent on commit; the scan attributes it
    assert attribute(order) == 1
    assert Impression.objects.get(product=product).reward == Impression.CONVERTED


def test_a_backlog_is_flushed_whole_before_orders_are_attributed(client):
    product, _ = scarf()
    for _ in range(5):
        client.cookies.clear()
        page_copy(client, product)
    assert flush_and_attribute(batch=2) == 0
    assert Impression.objects.count() == 5 and len(events.get_buffer()) == 0
