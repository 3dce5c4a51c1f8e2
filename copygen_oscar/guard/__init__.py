"""The guard: nothing the model writes is stored or shown before it passes here.

``evaluate`` runs every check on one candidate and returns a verdict that is stored with the variant (or with the
rejection), so a merchant can always see why copy was kept or dropped.
"""

from dataclasses import dataclass, field

from .. import app_settings
from .claims import FactIndex, check
from .duplicates import CopyCorpus, description_corpus
from .language import StoreVocabulary, other_products, store_vocabulary, unknown_words
from .policy import banned_phrases, garbled, missing_disclaimers, repeated_sentences, stutters
from .sanitise import plain_text

__all__ = ["CopyCorpus", "FactIndex", "StoreVocabulary", "Verdict", "description_corpus", "evaluate",
           "store_vocabulary"]


@dataclass
class Verdict:
    passed: bool
    reasons: list = field(default_factory=list)
    claims: int = 0  # claims found in the copy
    supported: int = 0
    coverage: float = 0.0  # share of the product's attribute values the copy states

    def as_dict(self):
        return {"passed": self.passed, "reasons": self.reasons, "claims": self.claims, "supported": self.supported,
                "coverage": round(self.coverage, 3), "sanitised": True}


def coverage(text, facts):
    """Share of the product's attribute values the copy states: true copy that says nothing is weak copy."""
    values = [a.as_text().rsplit(" ", 1)[0] if a.unit else a.as_text()
              for a in (facts.attributes if facts else []) if not isinstance(a.value, bool)]
    if not values:
        return 0.0
    lowered = text.lower()
    return sum(1 for value in values if value.lower() in lowered) / len(values)


def evaluate(body, index, facts=None, vocabulary=None, needs_coverage=True, corpus=None, product_id=None):
    """Check a candidate (sanitised HTML or plain text) against the facts, the store's vocabulary and the policy.

    With a ``corpus`` (other products' copy) a candidate too close to another product's copy is refused.
    """
    text = plain_text(body.replace("</p>", "\n").replace("</li>", "\n"))
    claims = check(text, index)
    reasons = [c.reason for c in claims if not c.supported]
    if vocabulary is not None:
        reasons += [f"unknown word '{w}'" for w in unknown_words(text, vocabulary.known | index.vocabulary)]
        reasons += [f"names another product: '{w}'" for w in other_products(text, vocabulary, index.vocabulary)]
    reasons += [f"banned phrase '{p}'" for p in banned_phrases(text, app_settings.COPYGEN_BANNED_PHRASES)]
    reasons += [f"missing disclaimer '{d}'" for d in missing_disclaimers(text, app_settings.COPYGEN_REQUIRED_DISCLAIMERS)]
    reasons += [f"repeats itself: '{s[:60]}'" for s in repeated_sentences(text)]
    reasons += [f"stutters: '{w} {w}'" for w in stutters(text)]
    reasons += [f"garbled text '{g}'" for g in garbled(text)]
    if corpus is not None:
        other, similarity = corpus.nearest(text, exclude_product=product_id)
        if similarity >= app_settings.COPYGEN_NEAR_DUPLICATE:
            reasons.append(f"near-duplicate of product {other}'s copy ({similarity:.0%} of its phrases)")
    share = coverage(text, facts)
    if needs_coverage and facts is not None and facts.attributes and share < app_settings.COPYGEN_MIN_COVERAGE:
        reasons.append(f"states too few facts ({share:.0%} of the attribute values)")
    return Verdict(
        passed=not reasons,
        reasons=reasons,
        claims=len(claims),
        supported=sum(1 for c in claims if c.supported),
        coverage=share,
    )
