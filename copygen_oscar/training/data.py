"""Training examples (facts, kind, human copy) from the store's own catalogue, and the split they train on.

An example keeps the facts rather than a finished prompt: training builds the prompt with the same kind module
that prompts at generation time (so training and serving agree), and evaluation needs the facts to check claims.
"""

import hashlib
from dataclasses import dataclass

from oscar.core.loading import get_model

from ..facts import EmptyFacts, ProductFacts, product_facts
from ..kinds import get_kind
from ..slots import delexicalise
from .cleaning import EMPTY_TARGET, DropReport, clean_examples, clean_target
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


def store_examples(kinds=("description",), with_report=False, min_chars=None):
    """Examples from every standalone or parent product whose description a person wrote, per kind.

    The description is cleaned (``training.cleaning.clean_target``: markup, page furniture, sentences with contact
    details) and the short kinds take their targets from it (``training.targets``); then every example goes through
    ``cleaning.clean_examples`` (too short, duplicate, rejected by its kind's parser). With ``with_report`` the
    result is ``(examples, DropReport)``, else the list alone.
    """
    copy_kinds = [get_kind(kind) for kind in kinds]
    report = DropReport(unit="products")
    examples = []
    products = (
        Product.objects.exclude(structure=Product.CHILD)
        .exclude(description="")
        .select_related("product_class")
        .prefetch_related("categories", "stockrecords", "attribute_values__attribute")
        .order_by("pk")
    )
    for product in products:
        report.read += 1
        source = f"product:{product.pk}"
        # Copy this project published is not the store's voice; it must not train the next model.
        if product.copygen_variants.filter(status="live").exists():
            report.drop("copy published by copygen", source, product.get_title())
            continue
        target = clean_target(product.description, report.changes)
        if not target:
            report.drop(EMPTY_TARGET, source, product.description)
            continue
        try:
            facts = product_facts(product)
        except EmptyFacts:
            report.drop("no facts (no title, no attributes)", source, target)
            continue
        by_kind = targets(target, facts)
        for k in copy_kinds:
            if k.name in by_kind:
                examples.append(Example(facts, k.name, by_kind[k.name], source))
            else:
                report.drop(f"no {k.name} target in the description", source, facts.title)
    kept, cleaned = clean_examples(examples, min_chars=min_chars)
    report.merge(cleaned)
    return (kept, report) if with_report else kept
