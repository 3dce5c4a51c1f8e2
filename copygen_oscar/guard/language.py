"""Words the store uses. A word neither the facts nor the store's own copy has ever used is a typo or invented.

Small models garble words ("stainlass"); a spell check needs a dictionary per language, but the store's own
catalogue already is one, in its own language and jargon.
"""

import time

from django.utils.html import strip_tags
from oscar.core.loading import get_model

from .claims import words

REFRESH_SECONDS = 600
_cache = {"at": 0.0, "words": frozenset()}


def store_vocabulary():
    """Every word of the catalogue's titles, descriptions, attribute values and categories (cached per process)."""
    if time.monotonic() - _cache["at"] < REFRESH_SECONDS and _cache["words"]:
        return _cache["words"]
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
    vocabulary = set()
    for title, description in Product.objects.values_list("title", "description").iterator():
        vocabulary.update(words(title or ""))
        vocabulary.update(words(strip_tags(description or "")))
    for value in ProductAttributeValue.objects.exclude(value_text=None).values_list("value_text", flat=True).iterator():
        vocabulary.update(words(value))
    for name in Category.objects.values_list("name", flat=True):
        vocabulary.update(words(name))
    from ..kinds.channels import BannerKind  # here, not at the top: the kinds import the guard

    vocabulary.update(words(" ".join(BannerKind.calls_to_action)))
    _cache.update(at=time.monotonic(), words=frozenset(vocabulary))
    return _cache["words"]


def unknown_words(text, known):
    return sorted({w for w in words(text) if not w[0].isdigit() and w not in known and w.rstrip("s") not in known})
