"""Training pairs (prompt -> human copy) from the store's own catalogue."""

from oscar.core.loading import get_model

from .. import app_settings
from ..facts import EmptyFacts, product_facts
from ..guard.sanitise import plain_text
from ..kinds import get_kind
from ..slots import delexicalise
from .targets import targets

Product = get_model("catalogue", "Product")


def store_pairs(kinds=("description",), slots=False):
    """(prompt, target) for every standalone or parent product whose description a person wrote, per kind.

    The prompt is built by the same kind module that prompts at generation time, so training and serving agree.
    Short kinds take their targets from the same description (``training.targets``). With ``slots`` the targets
    carry fact slots instead of values (see ``copygen_oscar.slots``).
    """
    copy_kinds = [get_kind(kind) for kind in kinds]
    pairs = []
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
        for copy_kind in copy_kinds:
            if copy_kind.name not in by_kind:
                continue
            text = delexicalise(by_kind[copy_kind.name], facts) if slots else by_kind[copy_kind.name]
            pairs.append((copy_kind.build_prompt(facts, brand=app_settings.COPYGEN_BRAND_NAME), text))
    return pairs
