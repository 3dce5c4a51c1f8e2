"""Staff decisions on drafts: send (as drafted or edited), discard, draft again; accept/edit rates; training pairs.

Replies are e-mailed through Oscar's communication ``Dispatcher`` (plain text, the store's from address). A sent
reply becomes a training pair with e-mail addresses, phone numbers and card-like numbers masked.
"""

import json

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from ..facts import clean_text
from .drafts import quote_message, rejudge, request_draft, text_html
from .masking import mask, mask_value

ServiceMessage = get_model("copygen", "ServiceMessage")
ServiceDraft = get_model("copygen", "ServiceDraft")
Dispatcher = get_class("communication.utils", "Dispatcher")

MAX_REPLY_CHARS = 5000


class ServiceError(ValueError):
    """A refusal with a reason written for staff (wrong state, empty reply)."""


def _normalise(text):
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))


def clean_reply(text):
    """Staff's reply as plain text: tags stripped line by line, bounded, never empty."""
    lines = [clean_text(line, MAX_REPLY_CHARS) for line in _normalise(text).split("\n")]
    cleaned = "\n".join(lines).strip()
    if not cleaned:
        raise ServiceError("The reply is empty.")
    if len(cleaned) > MAX_REPLY_CHARS:
        raise ServiceError(f"The reply is {len(cleaned)} characters; at most {MAX_REPLY_CHARS}.")
    return cleaned


def subject_for(message):
    subject = clean_text(message.subject, 150) or "your message"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def send_draft(draft, user, text=None, channel="staff"):
    """E-mail the draft (or staff's edit of it) to the sender; record the decision and the masked training pair."""
    with transaction.atomic():
        draft = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
        message = ServiceMessage.objects.select_for_update().get(pk=draft.message_id)
        if draft.status != ServiceDraft.DRAFT:
            raise ServiceError(f"This draft is already {draft.get_status_display().lower()}.")
        if message.status != ServiceMessage.OPEN:  # answered, or closed by staff: nothing more goes out
            raise ServiceError(f"This message is {message.get_status_display().lower()}: no reply is sent.")
        final = draft.text if text is None else clean_reply(text)
        edited = _normalise(final) != _normalise(draft.text)
        if edited:
            draft.guard = {**draft.guard, "edited": rejudge(draft, final)}
            draft.text, draft.body = final, text_html(final)
        Dispatcher().dispatch_direct_messages(message.email, {
            "subject": subject_for(message), "body": draft.text, "html": "", "sms": None})
        now = timezone.now()
        draft.status, draft.edited, draft.auto_sent = ServiceDraft.SENT, edited, channel == "auto"
        draft.decided_by = user if user is not None and user.is_authenticated else None
        draft.decided_at = now
        draft.training_pair = training_pair(draft)
        draft.save()
        message.status = ServiceMessage.ANSWERED
        message.save(update_fields=["status", "updated_at"])
    return draft


def discard_draft(draft, user):
    """Drop a draft without replying; the message stays open for another draft or a reply written from scratch."""
    with transaction.atomic():
        draft = ServiceDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.status != ServiceDraft.DRAFT:
            raise ServiceError(f"This draft is already {draft.get_status_display().lower()}.")
        draft.status = ServiceDraft.DISCARDED
        draft.decided_by = user if user is not None and user.is_authenticated else None
        draft.decided_at = timezone.now()
        draft.save(update_fields=["status", "decided_by", "decided_at"])
    return draft


def close_message(message):
    """No reply will be sent: the message leaves the queue (its drafts count as discarded)."""
    with transaction.atomic():
        message = ServiceMessage.objects.select_for_update().get(pk=message.pk)  # a send may be racing us
        if message.status == ServiceMessage.ANSWERED:
            raise ServiceError("This message has already been answered.")
        message.drafts.filter(status=ServiceDraft.DRAFT).update(status=ServiceDraft.DISCARDED,
                                                                decided_at=timezone.now())
        message.status = ServiceMessage.DISCARDED
        message.save(update_fields=["status", "updated_at"])
    return message


def redraft(message):
    """Ask the worker for a fresh draft (the open one is discarded when the new one is written)."""
    if message.status == ServiceMessage.ANSWERED:
        raise ServiceError("This message has already been answered.")
    if message.draft_status in (ServiceMessage.PENDING, ServiceMessage.RUNNING):
        raise ServiceError("A draft for this message is already being written.")
    request_draft(message)
    return message


def training_pair(draft):
    """The sent reply as a training row (masked): the prompt the reply kind sees, and the reply as its target."""
    prompt = draft.prompt or ""
    return mask_value({
        "kind": "reply",
        "intent": draft.intent,
        "prompt": prompt,
        "context": "\n".join(f"{label}: {value}" for label, value in draft.context.get("lines", [])),
        "message": quote_message(draft.message.body, 2000),
        "target": draft.text,
        "edited": draft.edited,
        "source": f"service_draft:{draft.pk}",
    })


def training_pairs():
    """Every sent reply's training row, oldest first (masked when stored; masked again for files made earlier)."""
    for pair in (ServiceDraft.objects.filter(status=ServiceDraft.SENT).exclude(training_pair={})
                 .order_by("decided_at", "pk").values_list("training_pair", flat=True).iterator()):
        yield mask_value(pair)


def training_jsonl():
    for pair in training_pairs():
        yield json.dumps(pair, ensure_ascii=False) + "\n"


def rates():
    """Per intent: drafts decided, sent as drafted (accepted), sent after an edit, discarded; and the rates."""
    counts = (ServiceDraft.objects.exclude(status=ServiceDraft.DRAFT).values("intent").annotate(
        accepted=Count("pk", filter=Q(status=ServiceDraft.SENT, edited=False)),
        edited=Count("pk", filter=Q(status=ServiceDraft.SENT, edited=True)),
        discarded=Count("pk", filter=Q(status=ServiceDraft.DISCARDED)),
        templates=Count("pk", filter=Q(source=ServiceDraft.TEMPLATE)),
    ).order_by("intent"))
    out = []
    for row in counts:
        decided = row["accepted"] + row["edited"] + row["discarded"]
        out.append({**row, "decided": decided, "accept_rate": round(row["accepted"] / decided, 3) if decided else None,
                    "edit_rate": round(row["edited"] / decided, 3) if decided else None})
    return out


__all__ = ["ServiceError", "close_message", "discard_draft", "mask", "rates", "redraft", "send_draft",
           "training_jsonl", "training_pairs"]
