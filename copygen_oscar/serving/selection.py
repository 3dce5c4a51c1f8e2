"""Pick the copy a shopper sees: one arm per product, kind and segment, sticky for the attribution window.

The common case is one cache read (the arm table; the visitor's earlier choice comes in their cookie) and no
database query. A new choice is drawn from the table's allocation (the policy's Thompson shares, so the logged
probability is the real one), remembered in the cookie and buffered as an impression. Any failure serves the product's own copy: the page never errors.
"""

import logging
import random
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.module_loading import import_string

from .. import app_settings
from . import arms as arm_tables
from .events import emit
from .policy import get_policy

logger = logging.getLogger(__name__)
_random = random.SystemRandom()


@dataclass
class Served:
    html: str
    arm: str = ""
    probability: float = 1.0


def segment_for(request):
    return import_string(app_settings.COPYGEN_SEGMENTER)(request)


def serve(request, product, kind="description"):
    visitor, choices = getattr(request, "copygen_visitor", None), getattr(request, "copygen_choices", None)
    if product.is_child:
        product = product.parent
    if not visitor or choices is None or not app_settings.COPYGEN_SERVING or getattr(request, "copygen_down", False):
        return Served(arm_tables.own_copy(product, kind))
    try:
        segment = segment_for(request)
        key = arm_tables.arms_key(product.pk, kind, segment)
        table = cache.get(key) or arm_tables.refresh(product, kind, segment)
        arms = table["arms"]
        if not arms:
            return Served("")
        if len(arms) == 1:
            return Served(arms[0]["html"], arms[0]["arm"])
        choice = (product.pk, kind, segment)
        arm = next((a for a in arms if a["arm"] == choices.get(choice)), None)
        if arm is None:
            arm = arms[get_policy().choose([a["p"] for a in arms], _random)]
            choices.set(choice, arm["arm"])
            emit({"type": "impression", "visitor": visitor, "product": product.pk, "kind": kind, "segment": segment,
                  "variant": arm["variant"], "arm": arm["arm"], "probability": arm["p"],
                  "arms": {a["arm"]: a["p"] for a in arms},
                  "context": {"segment": segment, "kind": kind, "product_class": table.get("product_class", ""),
                              "table_at": table["at"]}})
        return Served(arm["html"], arm["arm"], arm["p"])
    except Exception:  # noqa: BLE001  (the cache or buffer is down: the product's own copy still shows)
        logger.warning("copygen: serving fell back to the product's own copy", exc_info=True)
        request.copygen_down = True  # the rest of this page does not wait on the same timeout again
        return Served(arm_tables.own_copy(product, kind))
