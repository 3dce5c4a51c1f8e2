"""Model output is untrusted input: it is reduced to a tiny HTML allow-list before anything stores it."""

import html
import re

import nh3

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "br"}
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<(script|style|template)\b[^>]*>.*?(</\1\s*>|$)", re.S | re.I)
_SPECIAL_TOKEN = re.compile(r"<\|[^|>]*\|>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def plain_text(text):
    """Text with every tag and special token removed and whitespace tidied; newlines are kept."""
    text = _SCRIPT.sub(" ", _SPECIAL_TOKEN.sub(" ", str(text or "")))
    text = html.unescape(_TAG.sub(" ", text))
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def clean_html(fragment):
    """Safe HTML: allow-listed tags, no attributes, no scripts, no links."""
    return nh3.clean(str(fragment or ""), tags=ALLOWED_TAGS, attributes={}, link_rel=None, strip_comments=True)
