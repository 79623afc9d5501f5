"""The erasure journal: one JSON line per erasure, kept outside the database.

A backup restored later would bring back everyone erased after it was taken; `restore`
replays the journal's newer lines so they are erased again (DESIGN.md, "Erasure"). Each
line holds only the time, the customer's public ID (a random UUID) and the receipt's id:
no personal data, so the journal itself never needs erasing.

The line is appended after the erasure commits (transaction.on_commit), never before: a
line for an erasure that then rolled back would make a restore erase someone who asked
for nothing. If the process dies between the commit and the append, the erasure stands
but its line is missing; every erasure also stores an ErasureReceipt naming the same
public ID, so `journal_reconcile()` (run by `backup` before each backup, and by
`purge_expired`) appends the missing lines from the receipts.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from privacy.models import ErasureReceipt


class JournalError(Exception):
    """The journal cannot be read: a line in the middle is not what this module wrote."""


@dataclass(frozen=True)
class JournalEntry:
    time: str
    customer: str  # the public ID the customer had when erased
    receipt: int | None

    def as_json(self) -> str:
        return json.dumps(
            {"time": self.time, "customer": self.customer, "receipt": self.receipt},
            sort_keys=True,
        )


def journal_path() -> Path:
    return Path(settings.ERASURE_JOURNAL_PATH)


def journal_append(*, customer_public_id: str, receipt_id: int | None) -> JournalEntry:
    """Append one line and make it durable before returning (fsync): the point of the
    journal is to survive what the database does not."""
    entry = JournalEntry(
        time=timezone.now().isoformat(timespec="seconds"),
        customer=str(customer_public_id),
        receipt=receipt_id,
    )
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        # Several app servers or a cron job may erase at once: one writer at a time, so
        # lines never interleave.
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(entry.as_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return entry


def _parse(raw: str, number: int) -> JournalEntry:
    try:
        data: Any = json.loads(raw)
        return JournalEntry(
            time=str(data["time"]),
            customer=str(data["customer"]),
            receipt=None if data.get("receipt") is None else int(data["receipt"]),
        )
    except (ValueError, KeyError, TypeError):
        raise JournalError(f"erasure journal line {number} is not a journal entry") from None


def journal_entries(path: Path | None = None) -> list[JournalEntry]:
    """Every complete line, oldest first. A last line without its newline is a write cut
    short by a crash: its erasure is still in the receipts, so it is skipped here and
    `journal_reconcile` writes it again."""
    path = path or journal_path()
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    complete, partial = lines[:-1], lines[-1]
    del partial  # cut short by a crash: rewritten from its receipt by journal_reconcile
    return [_parse(raw, n) for n, raw in enumerate(complete, start=1) if raw.strip()]


def journal_reconcile() -> list[JournalEntry]:
    """Append a line for every stored erasure receipt that the journal lacks (the process
    died between the commit and the append). Returns what was appended."""

    path = journal_path()
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            # Drop a line cut short by a crash (it is rewritten below from its receipt),
            # so the next append starts on a line of its own.
            with path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
    known = {(e.customer, e.receipt) for e in journal_entries()}
    added = []
    for receipt_id, public_id in ErasureReceipt.objects.order_by("id").values_list(
        "id", "customer_public_id"
    ):
        if (str(public_id), receipt_id) not in known:
            added.append(journal_append(customer_public_id=str(public_id), receipt_id=receipt_id))
    return added
