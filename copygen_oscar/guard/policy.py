"""Brand policy: phrases the store never says, disclaimers it always says, and text that reads as broken."""

import re

from .claims import words


def banned_phrases(text, banned):
    lowered = f" {' '.join(words(text))} "
    return [phrase for phrase in banned if f" {' '.join(words(phrase))} " in lowered]


def missing_disclaimers(text, required):
    return [d for d in required if d.lower() not in text.lower()]


def repeated_sentences(text):
    """Sentences said twice: a small model's favourite failure."""
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 8]
    seen, repeated = set(), []
    for sentence in sentences:
        if sentence in seen:
            repeated.append(sentence)
        seen.add(sentence)
    return repeated


def stutters(text):
    """A word written twice in a row ("for for")."""
    return sorted({m.group(1).lower() for m in re.finditer(r"\b(\w+)\s+\1\b", text, re.IGNORECASE)
                   if not m.group(1).isdigit()})


_GARBLED = re.compile(r"[\[\]{}<>|]|[A-Za-z]\.\d|\d[.,]\d+[.,]\d|\d{16,}")


def garbled(text):
    """Stray brackets (a half-written slot), numbers glued to words ("USB-C.0", "1.5.0") or absurdly long."""
    return sorted({m.group(0)[:20] for m in _GARBLED.finditer(text)})
