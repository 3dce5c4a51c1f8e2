"""Shopper events leave the request path through a buffer; a periodic task moves them into the database.

A product page must not wait on an INSERT per impression, so serving appends a small JSON event to a buffer
(a Redis list in production, an append-only file on one machine) and ``flush`` stores them in batches. Each event
carries a UUID that is unique in its table, so a flush interrupted halfway and run again stores nothing twice.
When the buffer cannot be written (Redis down), the event is counted in the ``events_lost`` counter instead: the
page never fails because of it, and the loss is visible in the dashboard report and the metrics.
"""

import contextlib
import fcntl
import json
import logging
import os
import uuid
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string
from oscar.core.loading import get_model

from .. import app_settings

logger = logging.getLogger(__name__)
Impression = get_model("copygen", "Impression")
BasketEvent = get_model("copygen", "BasketEvent")
EventCounter = get_model("copygen", "EventCounter")
LOST = "events_lost"


class EventBuffer:
    """Where events wait between the request and the flush. ``push`` must be fast and may raise when down.

    The flush reads with ``peek``, stores, and only then ``ack``s: a flush killed in between reads the same events
    again next time, and their unique ids keep them from being stored twice. ``exclusive`` keeps two flushes apart.
    """

    def push(self, event):
        raise NotImplementedError

    def peek(self, limit):
        raise NotImplementedError

    def ack(self, n):
        raise NotImplementedError

    def exclusive(self):
        raise NotImplementedError


class RedisBuffer(EventBuffer):
    """A Redis list (``COPYGEN_REDIS_URL``): RPUSH from every web process, read from the head by the flush."""

    key = "copygen:events"

    def __init__(self, url=None):
        import redis

        self.client = redis.Redis.from_url(url or app_settings.COPYGEN_REDIS_URL, socket_timeout=0.5,
                                           socket_connect_timeout=0.5)

    def push(self, event):
        self.client.rpush(self.key, json.dumps(event))

    def peek(self, limit):
        return [json.loads(raw) for raw in self.client.lrange(self.key, 0, limit - 1)]

    def ack(self, n):
        if n:
            self.client.ltrim(self.key, n, -1)

    def exclusive(self):
        return self.client.lock(f"{self.key}:flush", timeout=300, blocking_timeout=30)

    def __len__(self):
        return self.client.llen(self.key)


class FileBuffer(EventBuffer):
    """JSON lines appended to a file: for a single machine without Redis (the demo's default).

    Appends of one short line with O_APPEND are atomic between processes. A flush first moves the file aside
    (new events go to a fresh one) and works through the moved file until it is empty.
    """

    def __init__(self, path=None):
        self.path = Path(path or Path(getattr(settings, "VAR_DIR", ".")) / "copygen-events.jsonl")
        self.taken = self.path.with_suffix(".flushing")
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def push(self, event):
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(event) + "\n").encode())
        finally:
            os.close(fd)

    def peek(self, limit):
        if not self.taken.exists():
            if not self.path.exists():
                return []
            os.replace(self.path, self.taken)
        events = []
        for line in [line for line in self.taken.read_bytes().splitlines() if line.strip()][:limit]:
            try:
                events.append(json.loads(line))
            except ValueError:  # a line torn by a crash: the others still count
                logger.warning("copygen: unreadable event line dropped: %r", line[:200])
                events.append({"type": "unreadable"})
        return events

    def ack(self, n):
        if not self.taken.exists():
            return
        lines = [line for line in self.taken.read_bytes().splitlines() if line.strip()][n:]
        if not lines:
            self.taken.unlink()
            return
        staging = self.taken.with_suffix(".staging")
        staging.write_bytes(b"\n".join(lines) + b"\n")
        os.replace(staging, self.taken)  # a crash leaves the old file or the new one, never half of one

    @contextlib.contextmanager
    def exclusive(self):
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __len__(self):
        return sum(1 for path in (self.path, self.taken) if path.exists() for line in path.open("rb")
                   if line.strip())


_buffers = {}


def get_buffer():
    path = app_settings.COPYGEN_EVENT_BUFFER
    if path not in _buffers:
        _buffers[path] = import_string(path)()
    return _buffers[path]


def count(name, n=1):
    EventCounter.objects.get_or_create(name=name)
    EventCounter.objects.filter(name=name).update(value=F("value") + n)


def counter(name):
    return EventCounter.objects.filter(name=name).values_list("value", flat=True).first() or 0


def now_iso():
    return datetime.now(dt_timezone.utc).isoformat()


def emit(event):
    """Buffer one event; never raises. Returns False (and counts the loss) when the buffer is down."""
    event.setdefault("event_id", str(uuid.uuid4()))
    event.setdefault("at", now_iso())
    try:
        get_buffer().push(event)
        return True
    except Exception as exc:  # noqa: BLE001  (serving must go on whatever the buffer does)
        logger.warning("copygen: event buffer unavailable, event lost (%s)", exc)
        try:
            count(LOST)
        except Exception:  # noqa: BLE001  (the database may be the thing that is down)
            logger.exception("copygen: could not count a lost event")
        return False


def flush(limit=5000):
    """Move buffered events into their tables. Returns ``{"impressions": n, "basket": n, "orders": [ids]}``: the
    orders placed since the last flush, for the caller to attribute once their basket events are stored."""
    buffer = get_buffer()
    with buffer.exclusive():
        events = buffer.peek(limit)
        impressions, basket, orders = [], [], []
        for event in events:
            try:
                if event["type"] == "impression":
                    impressions.append(Impression(
                        event_id=event["event_id"], shown_at=event["at"], visitor=event["visitor"],
                        product_id=event["product"], kind=event["kind"], segment=event.get("segment", ""),
                        variant_id=event["variant"], arm=event["arm"], probability=event["probability"],
                        arms=event["arms"], context=event.get("context", {})))
                elif event["type"] == "order":
                    orders.append(int(event["order"]))
                elif event["type"] == "basket":
                    basket.append(BasketEvent(event_id=event["event_id"], at=event["at"], visitor=event["visitor"],
                                              basket_id=event["basket"], product_id=event["product"]))
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("copygen: malformed event dropped (%r): %s", exc, str(event)[:200])
        with transaction.atomic():
            # Events about products or variants deleted since are kept with their link emptied.
            _clear_missing(impressions, basket)
            Impression.objects.bulk_create(impressions, ignore_conflicts=True, batch_size=1000)
            BasketEvent.objects.bulk_create(basket, ignore_conflicts=True, batch_size=1000)
        buffer.ack(len(events))
    return {"impressions": len(impressions), "basket": len(basket), "orders": orders, "read": len(events)}


def _clear_missing(impressions, basket):
    Product = get_model("catalogue", "Product")
    CopyVariant = get_model("copygen", "CopyVariant")
    products = set(Product.objects.filter(pk__in={e.product_id for e in impressions + basket}).values_list(
        "pk", flat=True))
    variants = set(CopyVariant.objects.filter(pk__in={e.variant_id for e in impressions}).values_list(
        "pk", flat=True))
    for event in impressions + basket:
        if event.product_id not in products:
            event.product_id = None
    for event in impressions:
        if event.variant_id not in variants:
            event.variant_id = None
