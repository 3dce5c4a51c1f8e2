"""Training examples (facts, kind, human copy) from the store's own catalogue, and the split they train on.

An example keeps the facts rather than a finished prompt: training builds the prompt with the same kind module
that prompts at generation time (so training and serving agree), and evaluation needs the facts to check claims.
"""

import hashlib
from dataclasses import dataclass

from oscar.core.loading import get_model

from ..facts import EmptyFacts, ProductFacts, product_facts
from ..guard.sanitise import plain_text
from ..kinds import get_kind
from ..slots import delexicalise
from .targets import targets

Product = get_model("catalogue", "Product")


@dataclass(frozen=True)
class Example:
    facts: ProductFacts
    kind: str
    target: str  # human copy as plain text, with real values (slots are put in only for training)
    source: str = ""  # where it came from, for reports: "product:12", "file.jsonl:40"
    tone: str = ""  # one of kinds.TONES, or "" for the store's plain voice
    segment: str = ""  # the audience the copy speaks to ("gift buyers"), or "" for everyone

    def prompt(self, brand=""):
        return get_kind(self.kind).build_prompt(self.facts, brand=brand, tone=self.tone, segment=self.segment)

    def pair(self, slots=True, brand=""):
        """(prompt, target) as the trainer sees it; with ``slots`` the target carries fact slots, not values."""
        return self.prompt(brand=brand), delexicalise(self.target, self.facts) if slots else self.target


def split(examples, share):
    """Deterministic train/validation split on the product's facts: every kind of one product lands on one side."""
    train, validation = [], []
    for example in examples:
        key = f"{example.facts.title}\x00{example.facts.product_class}"
        bucket = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
        (validation if bucket < share else train).append(example)
    if not validation and len(train) > 1:
        validation.append(train.pop())
    return train, validation


def store_examples(kinds=("description",)):
    """Examples from every standalone or parent product whose description a person wrote, per kind.

    Short kinds take their targets from the same description (``training.targets``).
    """
    copy_kinds = [get_kind(kind) for kind in kinds]
    examples = []
    products = (
        Product.objects.exclude(structure=Product.CHILD)
        .exclude(description="")
        .select_related("product_class")
        .prefetch_related("categories", "stockrecords", "attribute_values__attribute")
        .order_by("pk")
    )
    for product in products:
        # Copy this project published is not the store's voice; it must not train the next model.
        if product.copygen_variants.filter(status="live").exists():
            continue
        target = plain_text(product.description.replace("</p>", "\n"))
        if len(target) < 20:
            continue
        try:
            facts = product_facts(product)
        except EmptyFacts:
            continue
        by_kind = targets(target, facts)
        examples.extend(Example(facts, k.name, by_kind[k.name], f"product:{product.pk}")
                        for k in copy_kinds if k.name in by_kind)
    return examples
