"""A word diff of two pieces of copy, for reviewers: what a variant changes against the live copy."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..guard.sanitise import plain_text

_WORDS = re.compile(r"\S+|\s+")


def word_diff(old, new):
    """``(old_html, new_html)`` for a side-by-side view: removed words in ``<del>`` on the left, added ones in
    ``<ins>`` on the right; every word is escaped."""
    old_words = _WORDS.findall(plain_text(str(old or "").replace("</p>", "\n").replace("</li>", "\n")))
    new_words = _WORDS.findall(plain_text(str(new or "").replace("</p>", "\n").replace("</li>", "\n")))
    left, right = [], []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        removed, added = escape("".join(old_words[a1:a2])), escape("".join(new_words[b1:b2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    # Built from escaped words and two fixed tags only.
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308  # nosec B308, B703  # escaped words, fixed tags
