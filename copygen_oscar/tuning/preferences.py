"""Preference data for tuning the generator, read from the decision log: which of its own copy the store's shoppers
bought after, and which they walked away from.

The unit is a variant (one piece of copy shown for one product and kind). Its evidence is every decision whose
attribution window closed: ``wins`` (reward +1) and ``losses`` (reward -1), pooled over segments.

How a variant gets its label. Conversion rates differ far more between products than between two texts of one
product, so a variant is only ever compared with the other copy shown for the same product and kind:

* only variants with at least ``min_decisions`` closed decisions are judged (default ``COPYGEN_MIN_IMPRESSIONS``,
  the evidence the policy job wants before it retires a variant);
* its rate and the pooled rate of everything else shown there (the other variants and the product's own copy,
  the variant's own decisions left out, so a variant that took most of the traffic is not compared with itself)
  get Beta posteriors with the serving policy's prior, and ``p_better`` = P(variant's rate > the rest's rate),
  from ``get_policy().probability_best`` (seeded Monte Carlo: the same log always gives the same labels);
* **good** when ``p_better >= confidence`` (``COPYGEN_TUNE_CONFIDENCE``, default 0.9), **bad** when
  ``p_better <= 1 - confidence``; anything in between is undecided and left out: a tuning run on coin flips would
  teach the model noise.

Rows are in the form TRL reads. KTO: ``{"prompt", "completion", "label"}``; DPO: ``{"prompt", "chosen", "rejected"}``
for every good and bad variant of one product and kind written from the same prompt (a pair from two different
prompts would not say which copy is better for one request). ``prompt`` is the variant's stored prompt formatted as
the backend formats it for generation (``backends.transformers.format_prompt``), and ``completion`` the copy as the
model writes it (``editable_text``; with fact slots when the model was trained with slots), so tuning sees exactly
the text pairs that serving produces.

"Enough evidence" is at least ``min_rows`` good and ``min_rows`` bad rows (``COPYGEN_TUNE_MIN_ROWS``, default 20);
with less, the result says why instead of tuning on a handful of anecdotes.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from oscar.core.loading import get_model

from .. import app_settings
from ..serving.arms import OWN
from ..serving.policy import get_policy

CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")



@dataclass
class Preferences:
    """Labelled variants (``rows``, with their evidence) and the TRL rows made from them."""

    rows: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    reason: str = ""  # why there is not enough evidence to tune; empty when there is

    @property
    def enough(self):
        return not self.reason

    @property
    def kto(self):
        return [{"prompt": r["prompt"], "completion": r["completion"], "label": r["label"]} for r in self.rows]

    @property
    def dpo(self):
        groups = defaultdict(lambda: ([], []))
        for row in self.rows:
            groups[row["product"], row["kind"], row["prompt"]][0 if row["label"] else 1].append(row["completion"])
        return [{"prompt": prompt, "chosen": good, "rejected": bad}
                for (_, _, prompt), (goods, bads) in groups.items() for good in goods for bad in bads]

    def digest(self):
        """A short hash of the labelled rows: the same evidence tuned twice is noticed, not tuned again."""
        text = json.dumps(self.kto, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_preferences(model_path, *, min_decisions=None, confidence=None, min_rows=None):
    """Preference data for the model in ``model_path`` (its tokenizer formats the prompts, its training report says
    whether it writes fact slots)."""
    from transformers import AutoTokenizer

    from ..training.evaluate import _trained_with_slots

    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)  # nosec B615  # local folder only
    return preferences(tokenizer, slots=_trained_with_slots(model_path), min_decisions=min_decisions,
                       confidence=confidence, min_rows=min_rows)


def preferences(tokenizer, *, slots, min_decisions=None, confidence=None, min_rows=None):
    """As ``build_preferences``, for a tokenizer already loaded (``slots``: whether the model writes fact slots)."""
    from ..backends.transformers import format_prompt

    min_decisions = app_settings.COPYGEN_MIN_IMPRESSIONS if min_decisions is None else min_decisions
    confidence = app_settings.COPYGEN_TUNE_CONFIDENCE if confidence is None else confidence
    min_rows = app_settings.COPYGEN_TUNE_MIN_ROWS if min_rows is None else min_rows
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence must lie between 0.5 and 1, not {confidence}")

    judged = judge_variants(min_decisions, confidence)
    variants = CopyVariant.objects.select_related("product").in_bulk([v for v, label, *_ in judged if label is not None])
    facts_cache, rows, skipped = {}, [], defaultdict(int)
    for variant_id, label, p_better, wins, losses in judged:
        if label is None:
            skipped["undecided"] += 1
            continue
        variant = variants.get(variant_id)
        if variant is None or not variant.prompt.strip():
            skipped["variant deleted" if variant is None else "no stored prompt"] += 1
            continue
        completion = _completion(variant, slots, facts_cache)
        if completion is None:
            skipped["no facts for the product"] += 1
            continue
        rows.append({"prompt": format_prompt(tokenizer, variant.prompt), "completion": completion, "label": label,
                     "product": variant.product_id, "kind": variant.kind, "variant": variant.pk, "wins": wins,
                     "losses": losses, "p_better": round(p_better, 4)})
    good = sum(1 for r in rows if r["label"])
    result = Preferences(rows=rows)
    result.summary = {
        "judged": len(judged), "good": good, "bad": len(rows) - good, "skipped": dict(skipped),
        "products": len({r["product"] for r in rows}), "kinds": sorted({r["kind"] for r in rows}),
        "dpo_pairs": len(result.dpo), "min_decisions": min_decisions, "confidence": confidence,
        "min_rows": min_rows, "slots": slots,
    }
    if good < min_rows or len(rows) - good < min_rows:
        result.reason = (f"not enough evidence: {good} good and {len(rows) - good} bad variants (at least {min_rows} "
                         f"of each needed; a variant is judged after {min_decisions} closed decisions)")
    return result


def judge_variants(min_decisions, confidence):
    """``(variant id, label or None, p_better, wins, losses)`` for every variant with enough closed decisions."""
    counts = defaultdict(dict)  # (product, kind) -> {arm: (wins, losses)}
    rows = (Impression.objects.filter(product__isnull=False, reward__isnull=False)
            .values("product_id", "kind", "arm")
            .annotate(wins=Count("pk", filter=Q(reward=Impression.CONVERTED)),
                      losses=Count("pk", filter=Q(reward=Impression.NOT_CONVERTED))))
    for row in rows:
        counts[row["product_id"], row["kind"]][row["arm"]] = (row["wins"], row["losses"])
    policy = get_policy()
    judged = []
    for _, arms in sorted(counts.items()):
        total_wins, total_losses = sum(w for w, _ in arms.values()), sum(lo for _, lo in arms.values())
        for arm, (wins, losses) in sorted(arms.items()):
            rest = (total_wins - wins, total_losses - losses)
            if arm == OWN or not arm.isdigit() or wins + losses < min_decisions or not sum(rest):
                continue
            p_better = float(policy.probability_best([wins, rest[0]], [losses, rest[1]])[0])
            label = True if p_better >= confidence else False if p_better <= 1 - confidence else None
            judged.append((int(arm), label, p_better, wins, losses))
    return judged


def _completion(variant, slots, facts_cache):
    """The variant's copy as the model writes it; None when slots are wanted and the product has no facts."""
    from ..facts import EmptyFacts, product_facts
    from ..kinds import get_kind
    from ..slots import delexicalise

    text = get_kind(variant.kind).editable_text(variant.body, variant.fields)
    if not slots:
        return text
    if variant.product_id not in facts_cache:
        try:
            facts_cache[variant.product_id] = product_facts(variant.product)
        except EmptyFacts:
            facts_cache[variant.product_id] = None
    facts = facts_cache[variant.product_id]
    return None if facts is None else delexicalise(text, facts)
