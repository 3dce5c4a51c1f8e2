"""The fact guard on real listings: does it catch planted false claims, and leave true copy alone?

Data: ../shared/datasets/amazon_us_2020_products (real Amazon listings; not shipped with the project).
For each listing with a description, the facts are the whole listing (title, category, bullets, specifications,
model number, price, description) and the copy is the description:
  - untouched, any unsupported claim is a false alarm (the guard misread a true claim);
  - with one planted falsehood (a changed number, a changed unit, a changed colour or a changed material, in
    rotation, each where the text has one), the guard must report a new unsupported claim.
A third figure, for information: the share of descriptions stating something the title, bullets and specifications
do not (the description left out of the facts). That is what a strict guard refuses in human copy.
LAST line: planted_caught=<share> false_alarms=<share>
"""

import json
import os
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "amazon_us_2020_products" / "products.jsonl"

from copygen_oscar.guard.claims import COLOURS, MATERIALS, FactIndex, quantities, unsupported  # noqa: E402

# Swaps that change the meaning of a quantity: another dimension, or the same dimension at another scale.
UNIT_SWAPS = {"length": ["kg", "ml"], "mass": ["cm", "l"], "volume": ["g", "mm"], "power": ["mAh"], "charge": ["W"],
              "time": ["kg"], "voltage": ["W"], "data": ["kg"], "percent": ["kg"], "frequency": ["W"],
              "loudness": ["kg"], "count": ["kg"], "age": ["kg"]}


def plant(text, index, kind, rng):
    """Return the text with one false claim of ``kind`` planted, or None when the text has nothing to change."""
    if kind in ("number", "unit"):
        found = [q for q in quantities(text) if q[2]]
        if not found:
            return None
        (start, end), raw, values = rng.choice(found)
        if kind == "unit":
            unit_match = re.search(r"[A-Za-z%\"]+\s*$", raw)
            if not unit_match:
                return None
            new_unit = UNIT_SWAPS[values[0].dimension][0]
            return text[:start] + raw[: unit_match.start()].rstrip() + " " + new_unit + text[end:]
        number = re.search(r"\d+(?:\.\d+)?", raw)
        value = float(number.group(0))
        for factor in (7, 13, 29):
            new = f"{value * factor + 3:g}"
            if float(new) not in index.numbers:
                break
        new_raw = raw[: number.start()] + new + raw[number.end():]
        return text[:start] + new_raw + text[end:]
    vocabulary = COLOURS - MATERIALS if kind == "colour" else {m for m in MATERIALS if " " not in m}
    present = [w for w in vocabulary if re.search(rf"\b{w}\b", text, re.IGNORECASE)]
    if not present:
        return None
    old = rng.choice(sorted(present))
    absent = sorted(w for w in vocabulary if not index.has_phrase(w))
    return re.sub(rf"\b{old}\b", rng.choice(absent), text, count=1, flags=re.IGNORECASE)


def main():
    if not DATA.is_file():
        sys.exit(f"The data set is missing: {DATA} (it lives in the shared/ folder beside the project)")
    rows = [json.loads(line) for line in DATA.open()]
    rows = [r for r in rows if len(r.get("description") or "") >= 40]
    rng = random.Random(0)
    kinds = ["number", "unit", "colour", "material"]
    alarms = caught = planted = strict = 0
    per_kind = {k: [0, 0] for k in kinds}
    for i, row in enumerate(rows):
        listing = [row["title"], row["category_path"].replace("|", ">"), *row["feature_bullets"],
                   row["specifications"], row["model_number"], row["selling_price"]]
        index = FactIndex.from_texts([*listing, row["description"]])
        before = {(c.kind, c.text) for c in unsupported(row["description"], index)}
        alarms += bool(before)
        strict += bool(unsupported(row["description"], FactIndex.from_texts(listing)))
        for offset in range(len(kinds)):
            kind = kinds[(i + offset) % len(kinds)]
            text = plant(row["description"], index, kind, rng)
            if text is None:
                continue
            after = {(c.kind, c.text) for c in unsupported(text, index)}
            hit = bool(after - before)
            planted += 1
            caught += hit
            per_kind[kind][0] += hit
            per_kind[kind][1] += 1
            break
    print(f"listings={len(rows)} planted={planted}")
    for kind, (hit, total) in per_kind.items():
        print(f"  {kind}: caught {hit}/{total}")
    print(f"descriptions_beyond_bullets_and_specs={strict / len(rows):.3f}")
    print(f"planted_caught={caught / planted:.3f} false_alarms={alarms / len(rows):.3f}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")
    main()
