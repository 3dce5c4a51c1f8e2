"""Near-duplicates: copy that repeats another product's copy tells the shopper nothing about this product.

Word 3-gram shingles and Jaccard similarity, looked up through an inverted index so a candidate is compared only
with copy it shares phrases with. The index covers the store's human descriptions and generated descriptions,
rebuilt per process every few minutes (a MinHash index would take over for very large catalogues).
"""

import time
from collections import Counter, defaultdict

from django.utils.html import strip_tags
from oscar.core.loading import get_model

from .claims import words

REFRESH_SECONDS = 600
_cache = {"at": 0.0, "corpus": None}


def shingles(text, size=3):
    tokens = words(text)
    return {" ".join(tokens[i : i + size]) for i in range(max(0, len(tokens) - size + 1))}


class CopyCorpus:
    def __init__(self, texts):
        """``texts``: iterable of (product_id, text)."""
        self.docs = []  # (product_id, shingle set)
        self.postings = defaultdict(list)
        for product_id, text in texts:
            grams = shingles(text)
            if not grams:
                continue
            for gram in grams:
                self.postings[gram].append(len(self.docs))
            self.docs.append((product_id, grams))

    def nearest(self, text, exclude_product=None):
        """(product_id, similarity) of the most similar copy of another product, or (None, 0.0)."""
        grams = shingles(text)
        shared = Counter(doc for gram in grams for doc in self.postings.get(gram, ()))
        best = (None, 0.0)
        for doc, common in shared.most_common(20):
            product_id, other = self.docs[doc]
            if product_id == exclude_product:
                continue
            similarity = common / len(grams | other)
            if similarity > best[1]:
                best = (product_id, similarity)
        return best


def description_corpus():
    """Human descriptions and generated descriptions of the whole catalogue (cached per process)."""
    if time.monotonic() - _cache["at"] < REFRESH_SECONDS and _cache["corpus"] is not None:
        return _cache["corpus"]
    Product = get_model("catalogue", "Product")
    CopyVariant = get_model("copygen", "CopyVariant")
    texts = [(pk, strip_tags(d)) for pk, d in Product.objects.exclude(description="").values_list("pk", "description")]
    texts += [(pk, strip_tags(b)) for pk, b in CopyVariant.objects.filter(kind="description")
              .exclude(status="rejected").values_list("product_id", "body").iterator()]
    _cache.update(at=time.monotonic(), corpus=CopyCorpus(texts))
    return _cache["corpus"]
