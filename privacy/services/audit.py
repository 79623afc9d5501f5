"""The audit log: append and verify."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from privacy.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditEvent,
)


def _object_type(obj: models.Model) -> str:
    return obj._meta.label_lower


@transaction.atomic
def audit_event_record(
    *,
    action: str,
    actor: models.Model | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changed_fields: Iterable[str] = (),
    row_count: int | None = None,
    client_ip: str | None = None,
) -> AuditEvent:
    """Append one event to the hash chain; field names only, never their values."""
    if obj is not None:
        object_type = _object_type(obj)
        object_id = obj.pk
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        id=head.last_id + 1,
        created_at=timezone.now().replace(microsecond=0),
        actor_id=getattr(actor, "pk", None),
        action=action,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id),
        changed_fields=sorted(set(changed_fields)),
        row_count=row_count,
        client_ip=client_ip,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    head.last_id, head.last_hash = event.id, event.hash
    head.save(update_fields=["last_id", "last_hash"])
    return event


@dataclass(frozen=True)
class AuditProblem:
    event_id: int
    reason: str


def audit_log_verify() -> AuditProblem | None:
    """The first event that was edited, inserted or deleted, or None when the chain holds.

    The chain head is written with every append, so it also catches the ends of the chain:
    events deleted from the end, and events appended (even with correctly computed hashes)
    by something other than `audit_event_record`.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    head_last_id = head.last_id if head is not None else 0
    expected_prev = GENESIS_HASH
    expected_id = 1
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.id > head_last_id:
            return AuditProblem(event.id, "inserted: the chain head never recorded it")
        if event.id != expected_id:
            return AuditProblem(expected_id, "missing: the event was deleted")
        if event.compute_hash() != event.hash:
            return AuditProblem(event.id, "edited: its contents no longer match its hash")
        if event.prev_hash != expected_prev:
            # This event is intact, so the link broke before it: the previous event was
            # edited and given a fresh hash (or, for the first event, this one was).
            return AuditProblem(
                max(event.id - 1, 1), "edited: its hash differs from the one chained after it"
            )
        expected_prev = event.hash
        expected_id += 1
    last_id = expected_id - 1
    if head_last_id > last_id:
        return AuditProblem(last_id + 1, "missing: the newest events were deleted")
    if head is not None and last_id and head.last_hash != expected_prev:
        return AuditProblem(last_id, "edited: its hash differs from the recorded chain head")
    return None
