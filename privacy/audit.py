"""The audit log's write path: append an event, save a record with its event, verify the
chain. It sits just above the models, so every service of every app writes through it."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
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


@transaction.atomic
def audited_save[M: models.Model](
    *,
    instance: M,
    actor: models.Model | None,
    client_ip: str | None = None,
    changed_fields: Iterable[str] | None = None,
    update_fields: Iterable[str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    action: str | None = None,
    row_count: int | None = None,
) -> M:
    """Validate (`full_clean()`), save and audit one record in one transaction: the one
    write path of every service.

    `errors` are the caller's own checks (rules that need more than the row); they are
    reported together with the model's, so a form shows every problem at once, and nothing
    is saved while there is any. `update_fields` saves only those columns (`updated_at`
    too, when the model has one); the event names `changed_fields`, by default the saved
    ones, never their values. `action` defaults to create or change.
    """
    adding = instance._state.adding
    problems: dict[str, list[str]] = {name: list(found) for name, found in (errors or {}).items()}
    try:
        instance.full_clean()
    except ValidationError as exc:
        if not problems:
            raise
        for name, messages in exc.message_dict.items():
            problems.setdefault(name, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    if update_fields is not None and not adding:
        update_fields = list(update_fields)
        names = {f.name for f in instance._meta.concrete_fields}
        saved = [*update_fields, "updated_at"] if "updated_at" in names else update_fields
        instance.save(update_fields=sorted(set(saved)))
    else:
        instance.save()
    if changed_fields is None:
        changed_fields = (
            update_fields
            if update_fields is not None
            else [f.name for f in instance._meta.concrete_fields if not f.primary_key]
        )
    if action is None:
        action = AuditEvent.Action.CREATE if adding else AuditEvent.Action.CHANGE
    audit_event_record(
        action=action,
        actor=actor,
        obj=instance,
        changed_fields=changed_fields,
        row_count=row_count,
        client_ip=client_ip,
    )
    return instance


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
