"""Rewards from the store's own orders: +1 for a decision followed by a purchase of that product within the
attribution window, -1 once the window closes without one.

Only server-side order data counts (Oscar's orders and the basket they were placed from); nothing a browser sends
can award a reward. Every step is idempotent: an order is attributed once (``AttributedOrder``), and a decision
takes a reward only while it has none, so a job killed halfway and run again counts nothing twice.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..banners.serving import attribute as attribute_banners
from .events import flush

AttributedOrder = get_model("copygen", "AttributedOrder")
BasketEvent = get_model("copygen", "BasketEvent")
Impression = get_model("copygen", "Impression")
Order = get_model("order", "Order")

# Web servers' clocks may run a little ahead of the database's: a decision logged this much after the order
# still counts as seen before it.
CLOCK_SKEW = timedelta(minutes=2)
# The scan for orders whose event was lost leaves the newest ones to the flush that is about to see them.
RECENT = timedelta(minutes=10)


def window():
    return timedelta(hours=app_settings.COPYGEN_ATTRIBUTION_HOURS)


def flush_and_attribute(batch=5000):
    """Store every buffered event, a batch at a time, then attribute the orders among them. Returns the decisions
    rewarded. The whole backlog is stored first, so an order never meets a buffer still holding its visits."""
    orders = []
    while True:
        flushed = flush(batch)
        orders += flushed["orders"]
        if flushed["read"] < batch:
            break
    return sum(attribute(order) for order in Order.objects.filter(pk__in=orders).order_by("pk"))


def attribute(order):
    """Reward the decisions that led to ``order`` (its basket events must be flushed first). Returns how many;
    0 when it was attributed before."""
    try:
        with transaction.atomic():
            record = AttributedOrder.objects.create(order=order)
            visitors = set(BasketEvent.objects.filter(basket_id=order.basket_id).values_list("visitor", flat=True))
            products = set()
            for line in order.lines.select_related("product"):
                if line.product is not None:
                    products.add(line.product.parent_id if line.product.is_child else line.product_id)
            rewarded = 0
            if visitors and products:
                placed = order.date_placed
                candidates = (Impression.objects.filter(visitor__in=visitors, product_id__in=products,
                                                        shown_at__gte=placed - window(),
                                                        shown_at__lte=placed + CLOCK_SKEW)
                              .order_by("product_id", "kind", "segment", "-shown_at"))
                latest = {}
                for impression in candidates.only("pk", "product_id", "kind", "segment", "reward"):
                    latest.setdefault((impression.product_id, impression.kind, impression.segment), impression)
                ids = [i.pk for i in latest.values() if i.reward != Impression.CONVERTED]
                rewarded = Impression.objects.filter(pk__in=ids).exclude(reward=Impression.CONVERTED).update(
                    reward=Impression.CONVERTED, order_number=order.number, rewarded_at=timezone.now())
                # Banner campaigns covering an ordered product (copygen_oscar.banners.serving).
                rewarded += attribute_banners(order, visitors, products, window(), CLOCK_SKEW)
            record.impressions = rewarded
            record.save(update_fields=["impressions"])
    except IntegrityError:
        return 0  # attributed already (by the task, or by the tuning job's scan)
    return rewarded


def attribute_recent():
    """Attribute every order of the last window that no flush attributed (its event lost in a buffer outage)."""
    now = timezone.now()
    seen = AttributedOrder.objects.values("order_id")
    # Orders of the last minutes may still have their own event on its way through the buffer: those wait.
    orders = Order.objects.filter(date_placed__gte=now - window() - CLOCK_SKEW,
                                  date_placed__lt=now - RECENT).exclude(pk__in=seen)
    return sum(attribute(order) for order in orders.order_by("pk"))


def close_windows(now=None):
    """-1 for each decision whose window ended without a purchase. Orders are attributed first, so a purchase
    made inside the window always wins over the close."""
    now = now or timezone.now()
    flush_and_attribute()
    attribute_recent()
    return Impression.objects.filter(reward__isnull=True, shown_at__lt=now - window()).update(
        reward=Impression.NOT_CONVERTED, rewarded_at=now)
