"""Who a shopper is, for serving: a random id in a long-lived cookie, never tied to anything personal.

Sessions are not used because Django only creates one when something is stored in it, and writing to it on
every product page would cost a database write per view. The cookie also holds when the visitor was first seen,
so "returning" means a later visit, not the second page of the first one. The visitor's copy choices (which arm
they saw for which product) travel in a second cookie, so keeping them sticky costs the server no storage.
"""

import re
import time
import uuid

from .. import app_settings

COOKIE = "copygen_visitor"
CHOICES_COOKIE = "copygen_seen"
MAX_CHOICES = 100  # the newest choices kept (listing pages add one per product): about 3 kB of cookie
_CHOICE = re.compile(r"^(\d+)\.([a-z_]+)\.([a-z_]*)\.(own|\d+)\.(\d+)$")
RETURNING_AFTER = 30 * 60  # seconds: a visit is over after half an hour, as web analytics count it


class VisitorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        visitor, first_seen = _parse(request.COOKIES.get(COOKIE, ""))
        known = visitor is not None
        request.copygen_known_visitor = known  # came with the cookie: a browser that keeps it, not a bot's first hit
        request.copygen_visitor = visitor if known else uuid.uuid4().hex
        request.copygen_returning = known and time.time() - first_seen > RETURNING_AFTER
        request.copygen_choices = Choices(request.COOKIES.get(CHOICES_COOKIE, ""))
        response = self.get_response(request)
        if request.copygen_choices.changed:
            response.set_cookie(CHOICES_COOKIE, request.copygen_choices.serialise(),
                                max_age=int(app_settings.COPYGEN_ATTRIBUTION_HOURS * 3600), httponly=True,
                                samesite="Lax", secure=request.is_secure())
        if not known:
            response.set_cookie(COOKIE, f"{request.copygen_visitor}.{int(time.time())}",
                                max_age=app_settings.COPYGEN_VISITOR_COOKIE_AGE, httponly=True, samesite="Lax",
                                secure=request.is_secure())
        return response


class Choices:
    """``{(product id, kind, segment): arm}`` from the cookie, with the minute each was chosen; choices older than
    the attribution window are dropped (the choice is sticky only within it), malformed ones ignored (redrawn)."""

    def __init__(self, value):
        self.changed = False
        self.entries = {}  # key -> (arm, minute), oldest first
        oldest = time.time() // 60 - app_settings.COPYGEN_ATTRIBUTION_HOURS * 60
        for part in value.split("|")[-MAX_CHOICES:]:
            match = _CHOICE.match(part)
            if match and int(match[5]) >= oldest:
                self.entries[int(match[1]), match[2], match[3]] = (match[4], int(match[5]))

    def get(self, key):
        entry = self.entries.get(key)
        return entry[0] if entry else None

    def set(self, key, arm):
        self.entries.pop(key, None)
        self.entries[key] = (arm, int(time.time() // 60))
        self.changed = True

    def serialise(self):
        items = list(self.entries.items())[-MAX_CHOICES:]
        return "|".join(f"{p}.{k}.{s}.{arm}.{minute}" for (p, k, s), (arm, minute) in items)


def _parse(value):
    visitor, _, first_seen = value.partition(".")
    if len(visitor) != 32 or any(c not in "0123456789abcdef" for c in visitor) or not first_seen.isdigit():
        return None, 0
    return visitor, int(first_seen)


def segment_for(request):
    """The default segmenter (``COPYGEN_SEGMENTER``): a first visit or a returning visitor."""
    return "returning" if getattr(request, "copygen_returning", False) else "new"
