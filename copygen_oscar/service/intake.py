"""Messages in: from the storefront forms, the import command and the API, all through ``receive``.

The body is kept as plain text (tags stripped, control characters dropped, bounded); it is rendered escaped and
reaches a prompt only as one quoted line. The order is attached only when the caller proved it
(``context.verified_order``); an order number the sender typed but did not prove is kept for staff as
``claimed_order_number`` and never looked up for a prompt.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from oscar.core.loading import get_model

from .. import app_settings
from ..facts import clean_text
from .context import mentioned_products, normalise_number, verified_order
from .drafts import request_draft

ServiceMessage = get_model("copygen", "ServiceMessage")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IntakeError(ValueError):
    """A message that cannot be taken in; the text says which field and why."""


def clean_body(text):
    """Plain text, paragraphs kept: each line stripped of tags and entities, bounded in total."""
    text = _CONTROL.sub("", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_text(line, 2000) for line in text.split("\n")]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    limit = int(app_settings.COPYGEN_SERVICE_MAX_MESSAGE)
    if len(body) > limit:
        body = body[:limit].rsplit(" ", 1)[0] + "…"
    return body


def receive(*, email, body, channel, user=None, order_number="", order=None, subject="", name="", external_id="",
            received_at=None, draft=True):
    """Store a message and ask for its draft. ``order`` must already be verified by the caller; else the order
    number is verified here against ``email`` (and the signed-in ``user``). Returns ``(message, created)``:
    an import that repeats an ``external_id`` of the same channel returns the stored message."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise IntakeError(f"email: {email[:80]!r} is not an e-mail address") from None
    if channel not in dict(ServiceMessage.CHANNEL_CHOICES):
        raise IntakeError(f"channel: unknown channel {channel!r}")
    body = clean_body(body)
    if not body:
        raise IntakeError("body: the message is empty")
    external_id = clean_text(external_id, 200)
    if external_id:
        existing = ServiceMessage.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            return existing, False
    number = normalise_number(order_number)
    if order is None and number:
        order = verified_order(number, email=email, user=user)
    user = user if user is not None and user.is_authenticated else None
    message = ServiceMessage(
        channel=channel, customer=user or (order.user if order is not None else None), email=email,
        name=clean_text(name, 100), order=order, claimed_order_number=number[:64], subject=clean_text(subject, 200),
        body=body, external_id=external_id, received_at=received_at, product_ids=mentioned_products(body),
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        existing = ServiceMessage.objects.filter(channel=channel, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False
    if draft:
        request_draft(message)
    return message, True
