"""Request bodies: JSON only, and small.

DRF's parsers read the request stream directly, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` never applies to
them; without a limit here a client could make a worker hold any body it sends in memory.
"""

import io

from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# The largest honest body is an edit of 5000 characters, at most six bytes each once JSON-escaped.
MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(APIException):
    status_code = 413
    default_code = "body_too_large"
    default_detail = f"The request body is over {MAX_BODY_BYTES // 1024} KiB; send at most {MAX_BODY_BYTES} bytes."


class BoundedJSONParser(JSONParser):
    """Reads one byte past the limit, never more. Nesting too deep for Python's decoder is a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
