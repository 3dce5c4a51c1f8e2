"""The reward model learns from the store's own decision log and scores new candidates in the reranker.

Pairs are made within one product and context (kind, segment, product class): copy that converted more against
copy that converted less, so products with different base rates never compare with each other, which is also
how the reranker uses the scores (candidates of one product against each other).
"""

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from oscar.core.loading import get_model

from .. import app_settings
from ..guard.sanitise import plain_text
from .reward_model import RewardModelError, get_reward_model, pairs_from_counts

logger = logging.getLogger(__name__)
Impression = get_model("copygen", "Impression")
CopyVariant = get_model("copygen", "CopyVariant")
Product = get_model("catalogue", "Product")


def model_path():
    configured = app_settings.COPYGEN_REWARD_MODEL_PATH
    return Path(configured) if configured else Path(getattr(settings, "VAR_DIR", ".")) / "copygen-reward-model.npz"


def context(kind, segment, product_class):
    return f"kind: {kind} | segment: {segment or 'everyone'} | class: {product_class or 'none'}"


def shown_text(html):
    return plain_text(str(html or "").replace("</p>", "\n").replace("</li>", "\n"))


def logged_outcomes():
    """Per arm of each (product, kind, segment): its text, context, conversions and decided trials."""
    rows = (Impression.objects.filter(product__isnull=False, reward__isnull=False)
            .values("product_id", "kind", "segment", "arm", "variant_id")
            .annotate(wins=Count("pk", filter=Q(reward=1)), trials=Count("pk")))
    rows = list(rows)
    variants = CopyVariant.objects.in_bulk({r["variant_id"] for r in rows if r["variant_id"]})
    products = Product.objects.select_related("product_class", "parent__product_class").in_bulk(
        {r["product_id"] for r in rows})
    out = []
    for row in rows:
        product = products.get(row["product_id"])
        if product is None:
            continue
        if row["arm"] == "own":
            from ..serving.arms import own_copy

            html = own_copy(product, row["kind"])
        elif row["variant_id"] in variants:
            html = variants[row["variant_id"]].body
        else:
            continue  # the variant was deleted: its words are gone
        text = shown_text(html)
        if text:
            out.append({"text": text, "group": row["product_id"], "wins": row["wins"], "trials": row["trials"],
                        "context": context(row["kind"], row["segment"], product.get_product_class().name)})
    return out


def train_reward_model(min_pairs=None, path=None):
    """Fit on the log and save; ``{"skipped": reason}`` when there is too little evidence yet."""
    outcomes = logged_outcomes()
    if not outcomes:
        return {"skipped": "no decisions with an outcome yet"}
    pairs = pairs_from_counts([o["text"] for o in outcomes], [o["context"] for o in outcomes],
                              [o["group"] for o in outcomes], [o["wins"] for o in outcomes],
                              [o["trials"] for o in outcomes], min_trials=app_settings.COPYGEN_REWARD_MIN_TRIALS)
    wanted = app_settings.COPYGEN_REWARD_MIN_PAIRS if min_pairs is None else min_pairs
    if len(pairs["winners"]) < wanted:
        return {"skipped": f"{len(pairs['winners'])} comparable pairs of copy, {wanted} needed"}
    model = get_reward_model()()
    metrics = model.fit_pairs(**pairs)
    target = Path(path) if path else model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save(target)
    _scorers.clear()
    return {"path": str(target), "pairs": len(pairs["winners"]), "metrics": metrics}


_scorers, _lock = {}, threading.Lock()


def reward_scorer():
    """``score(texts, contexts)`` of the saved reward model, loaded once per file version; None without one."""
    path = model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        if _scorers.get("key") != (str(path), stamp):
            try:
                _scorers.update(key=(str(path), stamp), model=get_reward_model().load(path))
            except RewardModelError as exc:
                logger.warning("copygen: reward model %s not used: %s", path, exc)
                _scorers.update(key=(str(path), stamp), model=None)
        model = _scorers["model"]
    return model.score if model is not None else None
