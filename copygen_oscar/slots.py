"""Fact slots: a small model writes "[weight] g" and the facts fill the value in, so numbers are never invented.

Training replaces every fact value in the store's own copy with its slot (delexicalisation, the classic data-to-text
recipe); generation puts the values back. A slot the facts cannot fill makes the candidate unusable. Models that
never write slots are unaffected.
"""

import re

_SLOT = re.compile(r"\[([a-z][a-z0-9_]*)\]")


def slot_values(facts):
    """slot name -> the text that stands in the copy (values without their unit: the unit stays in the prose)."""
    values = {"title": facts.title, "name": facts.title.split(",")[0].strip()}
    if facts.brand:
        values["brand"] = facts.brand
    if facts.price:
        values["price"] = facts.price
    for attr in facts.attributes:
        if isinstance(attr.value, bool):
            continue
        text = attr.as_text()
        if attr.unit and text.endswith(" " + attr.unit):
            text = text[: -len(attr.unit) - 1]
        values.setdefault(attr.code, text)
    return {k: v for k, v in values.items() if v}


def delexicalise(text, facts):
    """Replace fact values in human copy by their slots, longest value first, whole words only."""
    for slot, value in sorted(slot_values(facts).items(), key=lambda kv: len(kv[1]), reverse=True):
        if len(value) < 2 and not value.isdigit():
            continue
        pattern = re.compile(rf"(?<![\w\[]){re.escape(value)}(?![\w\]])", re.IGNORECASE)
        text = pattern.sub(f"[{slot}]", text)
    return text


class UnfilledSlot(ValueError):
    pass


def relexicalise(text, facts):
    values = slot_values(facts)

    def fill(match):
        if match.group(1) not in values:
            raise UnfilledSlot(f"the model wrote [{match.group(1)}], which this product's facts do not have")
        return values[match.group(1)]

    return _SLOT.sub(fill, text)
