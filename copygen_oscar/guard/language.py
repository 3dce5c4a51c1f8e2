"""Words the store uses. A word neither the facts nor the store's own copy has ever used is a typo or invented.

Small models garble words ("stainlass"); a spell check needs a dictionary per language, but the store's own
catalogue already is one, in its own language and jargon. The catalogue also tells which words name products:
title words that no description uses for any other product ("hoodie", "serum"). Copy for a kettle that says
"hoodie" is describing the wrong thing.
"""

import time
from dataclasses import dataclass

from django.utils.html import strip_tags
from oscar.core.loading import get_model

from .claims import words

REFRESH_SECONDS = 600
_cache = {"at": 0.0, "words": None}


@dataclass(frozen=True)
class StoreVocabulary:
    known: frozenset  # every word the catalogue uses
    product_words: frozenset  # title words that no description uses for another product: names of things


def store_vocabulary():
    """The catalogue's words, from titles, descriptions, attribute values and categories (cached per process)."""
    if time.monotonic() - _cache["at"] < REFRESH_SECONDS and _cache["words"]:
        return _cache["words"]
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
    vocabulary, title_words, generic = set(), set(), set()
    for title, description in Product.objects.values_list("title", "description").iterator():
        in_title, in_description = set(words(title or "")), set(words(strip_tags(description or "")))
        vocabulary |= in_title | in_description
        title_words |= in_title
        generic |= in_description - in_title  # a description saying it of a product not titled so
    for value in ProductAttributeValue.objects.exclude(value_text=None).values_list("value_text", flat=True).iterator():
        vocabulary.update(words(value))
    for name in Category.objects.values_list("name", flat=True):
        vocabulary.update(words(name))
    from ..kinds.channels import BannerKind  # here, not at the top: the kinds import the guard
    from ..training.corpus import vocabulary as corpus_vocabulary

    vocabulary.update(words(" ".join(BannerKind.calls_to_action)))
    # The plain English the shipped default model was taught (its phrase material is this project's own words).
    vocabulary |= corpus_vocabulary()
    product_words = {w for w in title_words - generic if not w[0].isdigit()}
    _cache.update(at=time.monotonic(), words=StoreVocabulary(frozenset(vocabulary), frozenset(product_words)))
    return _cache["words"]


def _known(word, known):
    return word in known or word.rstrip("s") in known or f"{word}s" in known


def unknown_words(text, known):
    return sorted({w for w in words(text) if not w[0].isdigit() and not _known(w, known)})


def other_products(text, vocabulary, facts_words):
    """Words that name some other product of the catalogue and nothing in this product's facts."""
    return sorted({w for w in words(text) if _known(w, vocabulary.product_words) and not _known(w, facts_words)})
