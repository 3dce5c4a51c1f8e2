"""Training targets for the short kinds, cut from the store's own descriptions.

A store rarely has human-written ads, banners or subject lines for every product, but it has descriptions. Each
short kind's target is taken from the product's own description and title (whole sentences only, never
invented), so the model learns the format of each slot in the store's own words.
"""

import hashlib

from ..kinds.base import sentences
from ..kinds.channels import BannerKind, BulletsKind

CALLS_TO_ACTION = BannerKind.calls_to_action


def _fit(parts, limit, joiner=" "):
    """As many leading parts as fit in ``limit`` characters, or None."""
    out = []
    for part in parts:
        if len(joiner.join(out + [part])) > limit:
            break
        out.append(part)
    return joiner.join(out) or None


def _name(facts, limit):
    """The product's name without its variant ("Kettle" of "Kettle, white"), if it fits the slot."""
    name = facts.title.split(",")[0].strip()
    return name if len(name) <= limit else None


def targets(description, facts):
    """kind -> target text, for the kinds this description can teach."""
    paragraphs = [p for p in description.split("\n") if p.strip()]
    body = sentences(paragraphs[0]) if paragraphs else []
    closing = sentences(paragraphs[-1]) if len(paragraphs) > 1 else []
    pick = int(hashlib.sha256(facts.title.encode()).hexdigest()[:4], 16)
    out = {"description": description}
    points = [s for s in body if len(s) <= BulletsKind.max_item_chars]
    if len(points) >= BulletsKind.min_items:
        out["bullets"] = "\n".join(f"- {s}" for s in points[: BulletsKind.max_items])
    meta = _fit(body, 155)
    if meta and _name(facts, 60):
        out["seo"] = f"Meta title: {_name(facts, 60)}\nMeta description: {meta}"
    subline = next((s for s in body if len(s) <= 90), None)
    if subline and _name(facts, 40):
        out["banner"] = (f"Headline: {_name(facts, 40)}\nSubline: {subline}\n"
                         f"Call to action: {CALLS_TO_ACTION[pick % len(CALLS_TO_ACTION)]}")
    short = [s for s in body if len(s) <= 90]
    if len(short) >= 2 and facts.brand and facts.price:
        tagline = min(body, key=len)
        headlines = [facts.brand[:30], tagline if len(tagline) <= 30 else facts.product_class[:30],
                     f"From {facts.price} {facts.currency}".strip()]
        if all(headlines):
            out["search_ad"] = "\n".join([*(f"Headline: {h}" for h in headlines),
                                          *(f"Description: {s}" for s in short[:2])])
    social = _fit(body[:2] + closing, 280)
    if social:
        out["social"] = social
    if body and len(body[0]) <= 100 and _name(facts, 60):
        out["email"] = f"Subject: {_name(facts, 60)}\nPreheader: {body[0]}"
    return out
