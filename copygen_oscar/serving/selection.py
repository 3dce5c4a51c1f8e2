"""Pick the copy a shopper sees: one arm per product, kind and segment, sticky for the attribution window.

The common case is two cache reads (the arm table and this visitor's earlier choice) and no database query. A
new choice is drawn from the table's allocation (the policy's Thompson shares, so the logged probability is the
real one) and buffered as an impression. Any failure serves the product's own copy: the page never errors.
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


def choice_key(visitor, product_id, kind, segment):
    return f"copygen:seen:{visitor}:{product_id}:{kind}:{segment or '-'}"


def segment_for(request):
    return import_string(app_settings.COPYGEN_SEGMENTER)(request)


def serve(request, product, kind="description"):
    visitor = getattr(request, "copygen_visitor", None)
    if product.is_child:
        product = product.parent
    if not visitor or not app_settings.COPYGEN_SERVING:
        return Served(arm_tables.own_copy(product, kind))
    try:
        segment = segment_for(request)
        table_key, seen_key = arm_tables.arms_key(product.pk, kind, segment), choice_key(visitor, product.pk, kind,
                                                                                         segment)
        found = cache.get_many([table_key, seen_key])
        table = found.get(table_key) or arm_tables.refresh(product, kind, segment)
        arms = table["arms"]
        if not arms:
            return Served("")
        if len(arms) == 1:
            return Served(arms[0]["html"], arms[0]["arm"])
        arm = next((a for a in arms if a["arm"] == found.get(seen_key)), None)
        if arm is None:
            arm = arms[get_policy().choose([a["p"] for a in arms], _random)]
            cache.set(seen_key, arm["arm"], int(app_settings.COPYGEN_ATTRIBUTION_HOURS * 3600))
            emit({"type": "impression", "visitor": visitor, "product": product.pk, "kind": kind, "segment": segment,
                  "variant": arm["variant"], "arm": arm["arm"], "probability": arm["p"],
                  "arms": {a["arm"]: a["p"] for a in arms},
                  "context": {"segment": segment, "kind": kind, "product_class": product.get_product_class().slug,
                              "table_at": table["at"]}})
        return Served(arm["html"], arm["arm"], arm["p"])
    except Exception:  # noqa: BLE001  (the cache or buffer is down: the product's own copy still shows)
        logger.warning("copygen: serving fell back to the product's own copy", exc_info=True)
        return Served(arm_tables.own_copy(product, kind))
