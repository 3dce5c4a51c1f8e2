"""Who a shopper is, for serving: a random id in a long-lived cookie, never tied to anything personal.

Sessions are not used because Django only creates one when something is stored in it, and writing to it on
every product page would cost a database write per view. The cookie also holds when the visitor was first seen,
so "returning" means a later visit, not the second page of the first one.
"""

import time
import uuid

from .. import app_settings

COOKIE = "copygen_visitor"
RETURNING_AFTER = 30 * 60  # seconds: a visit is over after half an hour, as web analytics count it


class VisitorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        visitor, first_seen = _parse(request.COOKIES.get(COOKIE, ""))
        known = visitor is not None
        request.copygen_visitor = visitor if known else uuid.uuid4().hex
        request.copygen_returning = known and time.time() - first_seen > RETURNING_AFTER
        response = self.get_response(request)
        if not known:
            response.set_cookie(COOKIE, f"{request.copygen_visitor}.{int(time.time())}",
                                max_age=app_settings.COPYGEN_VISITOR_COOKIE_AGE, httponly=True, samesite="Lax",
                                secure=request.is_secure())
        return response


def _parse(value):
    visitor, _, first_seen = value.partition(".")
    if len(visitor) != 32 or any(c not in "0123456789abcdef" for c in visitor) or not first_seen.isdigit():
        return None, 0
    return visitor, int(first_seen)


def segment_for(request):
    """The default segmenter (``COPYGEN_SEGMENTER``): a first visit or a returning visitor."""
    return "returning" if getattr(request, "copygen_returning", False) else "new"
