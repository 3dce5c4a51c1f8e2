"""Contact details and card numbers out of anything stored for training.

E-mail addresses become ``[email]``, phone numbers ``[phone]`` and card-like numbers (13-19 digits, optionally in
groups) ``[card]``. Order numbers (shorter digit runs), prices and dates are left alone.
"""

import re

EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.UNICODE)
# 13-19 digits, in groups of digits separated by single spaces or dashes: "4111 1111 1111 1111", "4111-1111-...".
CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?!\w)(?!\.\d)")
# An optional +country code, then 9-15 digits with spaces, dots, dashes or brackets between them.
PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d){7,14}(?![\w])")
_DIGIT = re.compile(r"\d")


def _phone(match):
    text = match.group(0)
    digits = len(_DIGIT.findall(text))
    # ISO dates and times ("2024-05-01") never reach 9 digits; short order numbers neither.
    return "[phone]" if digits >= 9 else text


def mask(text):
    """The text with e-mail addresses, card-like numbers and phone numbers replaced by placeholders."""
    if not text:
        return text or ""
    text = EMAIL.sub("[email]", text)
    text = CARD.sub("[card]", text)
    return PHONE.sub(_phone, text)


def mask_value(value):
    """``mask`` applied to every string inside lists and dicts (a stored context or pair)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def contact_details(text):
    """E-mail addresses, phone numbers and card-like numbers in a text (the guard refuses drafts with any)."""
    found = EMAIL.findall(text or "") + CARD.findall(text or "")
    found += [m.group(0) for m in PHONE.finditer(text or "") if len(_DIGIT.findall(m.group(0))) >= 9]
    return found
