"""Automatic copy on product save. Connected in CopygenConfig.ready()."""

import contextlib
import contextvars
import logging

from django.db.models.signals import post_save
from django.utils.html import strip_tags
from oscar.core.loading import get_model

from . import app_settings

logger = logging.getLogger(__name__)
Product = get_model("catalogue", "Product")

_paused = contextvars.ContextVar("copygen_auto_generation_paused", default=False)


@contextlib.contextmanager
def auto_generation_paused():
    """Bulk imports (like the demo catalogue) save many products without asking for copy on each."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def wants_copy(product):
    """Copy belongs to standalone and parent products; children show their parent's. Human copy is kept."""
    return not product.is_child and not strip_tags(product.description or "").strip()


def request_copy_on_save(sender, instance, raw=False, **kwargs):
    if raw or _paused.get() or not app_settings.COPYGEN_AUTO_GENERATE or not wants_copy(instance):
        return
    from .requests import request_generation

    for kind in app_settings.COPYGEN_AUTO_KINDS:
        try:
            request_generation(instance, kind=kind)
        except Exception:  # noqa: BLE001  (copygen must never break a product save)
            logger.exception("copygen: could not record a %s request for product %s", kind, instance.pk)


post_save.connect(request_copy_on_save, sender=Product, dispatch_uid="copygen_request_copy_on_save")
