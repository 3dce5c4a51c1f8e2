"""Import customer messages from a mailbox export and queue a reply draft for each.

The file is JSON (an array of objects, or ``{"messages": [...]}``) or JSONL (one object per line). Each message:
``email`` (required), ``body`` (required; also read from ``message`` or ``text``), and optionally ``subject``,
``name``, ``order_number`` (attached only when it matches ``email``), ``id`` / ``external_id`` (a repeat of one
already imported is skipped) and ``received_at`` (ISO 8601). A bad message is reported by its position and skipped;
a file that cannot be read stops the command.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.dateparse import parse_datetime

MAX_FILE_BYTES = 50 * 1024 * 1024


def read_messages(path):
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CommandError(f"{path} is over {MAX_FILE_BYTES // 1024 // 1024} MiB; split it")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        data = None  # not one JSON document: JSON Lines
    if data is not None:
        if isinstance(data, dict):
            data = data["messages"] if "messages" in data else [data]
        if not isinstance(data, list):
            raise CommandError(f"{path}: expected a list of messages (or {{\"messages\": [...]}})")
        return [(f"{path.name}[{i}]", row) for i, row in enumerate(data)]
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((f"{path.name}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path.name}:{number} is not valid JSON: {exc}") from None
    return rows


class Command(BaseCommand):
    help = "Import customer messages (JSON or JSONL mailbox export) and queue a grounded reply draft for each."

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON or JSONL file of messages")
        parser.add_argument("--no-draft", action="store_true", help="store the messages without queueing drafts")
        parser.add_argument("--draft-now", action="store_true",
                            help="write the drafts in this process instead of waking a worker")

    def handle(self, path, no_draft=False, draft_now=False, **options):
        from oscar.core.loading import get_model

        from ...service.intake import IntakeError, receive

        ServiceMessage = get_model("copygen", "ServiceMessage")
        created = skipped = bad = 0
        for where, row in read_messages(path):
            if not isinstance(row, dict):
                self.stderr.write(f"{where}: not an object; skipped")
                bad += 1
                continue
            received = row.get("received_at") or row.get("date")
            received_at = parse_datetime(received) if isinstance(received, str) else None
            if received and received_at is None:
                self.stderr.write(f"{where}: received_at {str(received)[:40]!r} is not an ISO date; ignored")
            try:
                with transaction.atomic():
                    _, new = receive(
                        email=str(row.get("email") or row.get("from") or ""),
                        body=str(row.get("body") or row.get("message") or row.get("text") or ""),
                        channel=ServiceMessage.IMPORT, subject=str(row.get("subject") or ""),
                        name=str(row.get("name") or ""), order_number=str(row.get("order_number") or ""),
                        external_id=str(row.get("external_id") or row.get("id") or ""), received_at=received_at,
                        draft=not no_draft)
            except IntakeError as exc:
                self.stderr.write(f"{where}: {exc}; skipped")
                bad += 1
                continue
            created += new
            skipped += not new
        self.stdout.write(f"imported {created} message(s), {skipped} already imported, {bad} refused")
        if draft_now and not no_draft:
            from ...service.drafts import process_pending

            self.stdout.write(f"drafted {process_pending()} reply(ies)")
