"""Automatic copy on product save. Connected in CopygenConfig.ready()."""

import contextlib
import contextvars
import logging

from django.db.models.signals import post_save
from oscar.core.loading import get_model

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


def request_copy_on_save(sender, instance, created=False, raw=False, **kwargs):
    """Ask for the copy the product's rule wants: on create, or on any later save (the worker skips products whose
    facts hash did not change). Children show their parent's copy; fields holding human copy are left alone."""
    if raw or _paused.get() or instance.is_child:
        return
    from .requests import request_generation
    from .workflow.publishing import machine_owned
    from .workflow.rules import rule_for

    try:
        rule = rule_for(instance)
        if rule is None or not (rule.on_create if created else rule.on_facts_change):
            return
        kinds = [kind for kind in rule.kinds if machine_owned(instance, kind)]
    except Exception:  # noqa: BLE001  (copygen must never break a product save)
        logger.exception("copygen: could not read the copy rule for product %s", instance.pk)
        return
    for kind in kinds:
        try:
            request_generation(instance, kind=kind)
        except Exception:  # noqa: BLE001  (copygen must never break a product save)
            logger.exception("copygen: could not record a %s request for product %s", kind, instance.pk)


post_save.connect(request_copy_on_save, sender=Product, dispatch_uid="copygen_request_copy_on_save")
