"""Structured log records and the worker counters behind the metrics endpoint (``copygen_oscar.metrics``).

``log_event(name, **fields)`` writes one JSON object per line through the ``copygen_oscar.observability`` logger
(so the project's ``copygen_oscar`` logging configuration applies), e.g.::

    {"event": "copygen.batch", "worker": "host:123:ab12cd34", "requests": 16, "kinds": {"description": 16}, ...}

The same fields ride on the record as ``record.copygen`` (a dict) for handlers with a JSON formatter of their own.
Logging never raises into the work it describes.

Worker counters (batches, seconds spent in batches, generated tokens, candidates, guard failures) are kept in the
``EventCounter`` table, not in Django's cache, because:

* they must reach the web process that serves ``/metrics/`` from every worker process and machine: the database is
  the one store every role already shares, on every deployment (the demo's cache is a per-machine file cache);
* ``UPDATE ... SET value = value + n`` is atomic on every database; ``cache.incr`` is a read-then-write on the file
  and database cache backends, so two workers finishing together would lose counts;
* a cache may evict or cull its keys (the demo's file cache culls at ``MAX_ENTRIES``, full of sticky serving
  choices) and Redis may be flushed, which would reset the counters; table rows survive restarts, so the counters
  stay monotonic as Prometheus expects of a ``_total``;
* the cost is two statements per batch (insert the missing rows, one UPDATE of all of them), and a batch takes
  seconds of model time.
"""

import json
import logging

from django.db.models import BigIntegerField, Case, F, Value, When
from oscar.core.loading import get_model

logger = logging.getLogger("copygen_oscar.observability")

# EventCounter names (``events_lost`` lives in copygen_oscar.serving.events as LOST).
BATCHES = "batches"
BATCH_MILLISECONDS = "batch_milliseconds"
GENERATED_TOKENS = "generated_tokens"
CANDIDATES = "batch_candidates"
GUARD_FAILURES = "guard_failures"
WORKER_COUNTERS = (BATCHES, BATCH_MILLISECONDS, GENERATED_TOKENS, CANDIDATES, GUARD_FAILURES)


def log_event(name, level=logging.INFO, **fields):
    """Log ``{"event": name, **fields}`` as one JSON line. Values JSON cannot hold are written as strings."""
    try:
        record = {"event": name, **fields}
        logger.log(level, json.dumps(record, default=str, separators=(",", ":")), extra={"copygen": record})
    except Exception:  # noqa: BLE001  (a log line must never fail the job it reports)
        logger.exception("copygen: could not log event %s", name)


def add_counters(**increments):
    """Add to several ``EventCounter`` rows at once: ``add_counters(batches=1, generated_tokens=812)``."""
    increments = {name: int(value) for name, value in increments.items() if value}
    if not increments:
        return
    EventCounter = get_model("copygen", "EventCounter")
    EventCounter.objects.bulk_create([EventCounter(name=name) for name in sorted(increments)],
                                     ignore_conflicts=True)
    EventCounter.objects.filter(name__in=increments).update(value=F("value") + Case(
        *[When(name=name, then=Value(value)) for name, value in increments.items()],
        default=Value(0), output_field=BigIntegerField(),
    ))


def counters(names):
    """``{name: value}`` for the given counter names, 0 for those never incremented, in one query."""
    EventCounter = get_model("copygen", "EventCounter")
    values = dict(EventCounter.objects.filter(name__in=names).values_list("name", "value"))
    return {name: values.get(name, 0) for name in names}
