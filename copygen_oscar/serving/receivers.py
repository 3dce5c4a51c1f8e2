"""Basket additions and orders become serving events. Connected in CopygenConfig.ready()."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from oscar.apps.basket.signals import basket_addition
from oscar.apps.checkout.signals import post_checkout
from oscar.apps.order.signals import order_placed
from oscar.core.loading import get_model

from .events import emit

logger = logging.getLogger(__name__)
CopyVariant = get_model("copygen", "CopyVariant")


def record_basket_addition(sender, product, user, request, **kwargs):
    visitor, basket = getattr(request, "copygen_visitor", None), getattr(request, "basket", None)
    if visitor and basket is not None and basket.pk:
        product = product.parent if product.is_child else product
        emit({"type": "basket", "visitor": visitor, "basket": basket.pk, "product": product.pk})


def record_checkout_basket(sender, order, user=None, request=None, **kwargs):
    """Signing in at checkout merges the anonymous basket into the customer's: the order's basket is then one no
    basket event named, so the visitor who checked out is tied to it here (server-side, from their request)."""
    visitor = getattr(request, "copygen_visitor", None)
    if visitor and order.basket_id:
        emit({"type": "basket", "visitor": visitor, "basket": order.basket_id, "product": None})


def attribute_after_commit(sender, order, user=None, **kwargs):
    """Once the order is committed, buffer an order event: the next flush attributes it. Nothing here waits on a
    broker or a query, and an order whose event is lost is still attributed by the tuning job's scan."""
    transaction.on_commit(lambda: emit({"type": "order", "order": order.pk}))


def forget_cached_arms(sender, instance, **kwargs):
    """A variant approved, published, retired or rejected changes what may be shown for its product."""
    from .arms import invalidate

    transaction.on_commit(lambda: invalidate(instance.product_id, [instance.kind]))


basket_addition.connect(record_basket_addition, dispatch_uid="copygen_basket_addition")
order_placed.connect(attribute_after_commit, dispatch_uid="copygen_order_placed")
post_checkout.connect(record_checkout_basket, dispatch_uid="copygen_post_checkout")
post_save.connect(forget_cached_arms, sender=CopyVariant, dispatch_uid="copygen_forget_cached_arms")


def forget_product_arms(sender, instance, **kwargs):
    """The product's own copy is the control arm: a new description changes it."""
    from .arms import invalidate

    transaction.on_commit(lambda: invalidate(instance.pk))


post_save.connect(forget_product_arms, sender=get_model("catalogue", "Product"),
                  dispatch_uid="copygen_forget_product_arms")
