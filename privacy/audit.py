"""The audit log's write path: append an event, save a record with its event, verify the
chain. It sits just above the models, so every service of every app writes through it."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
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


# How many events each fetch of the verification brings: bounded memory, few round trips.
VERIFY_CHUNK = 10_000

# One event as the verification judges it: its id and prev_hash, whether its hash matches
# its contents, and the id and hash of the event before it (0 and genesis for the first).
type ChainLink = tuple[int, str, bool, int, str]

# PostgreSQL recomputes `AuditEvent.compute_hash()` itself, the same JSON (sorted keys, no
# spaces, the time as Python's isoformat() in UTC) through its built-in sha256, and
# compares each event with the one before it (lag), so it returns only the events that
# break a rule: millions are checked at the database's speed and nothing but the suspects
# travels. Strings are quoted as they are: one that JSON escapes (a quote, a backslash, a
# control character) makes the hashes differ, and Python's compute_hash() judges every
# suspect, so the verdict is always compute_hash()'s.
_PG_CHAIN_SUSPECTS = """
SELECT id, prev_hash, hash_matches, previous_id, previous_hash FROM (
    SELECT id, prev_hash, hash,
        hash = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
            '{"action":"' || action
            || '","actor_id":' || coalesce(actor_id::text, 'null')
            -- jsonb prints a list of strings as ["a", "b"]; a quote inside a string is
            -- escaped, so '", "' occurs only between the elements.
            || ',"changed_fields":' || pg_catalog.replace(changed_fields::text, '", "', '","')
            || ',"created_at":"'
            || pg_catalog.to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN pg_catalog.date_trunc('second', created_at) = created_at THEN ''
               ELSE pg_catalog.to_char(created_at AT TIME ZONE 'UTC', '.US') END
            || '+00:00","id":' || id::text
            || ',"object_id":"' || object_id
            || '","object_type":"' || object_type
            || '","prev_hash":"' || prev_hash
            || '","row_count":' || coalesce(row_count::text, 'null') || '}',
            'UTF8')), 'hex') AS hash_matches,
        lag(id) OVER (ORDER BY id) AS previous_id,
        lag(hash) OVER (ORDER BY id) AS previous_hash
    FROM privacy_auditevent
) AS chain
WHERE hash_matches IS NOT TRUE
    OR id <> coalesce(previous_id, 0) + 1
    OR prev_hash IS DISTINCT FROM coalesce(previous_hash, %s)
    OR id > %s
ORDER BY id
"""


def _chain_links() -> Iterator[ChainLink]:
    """Every event in id order, hashed by compute_hash(): the portable way."""
    previous_id, previous_hash = 0, GENESIS_HASH
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=VERIFY_CHUNK):
        matches = event.compute_hash() == event.hash
        yield event.id, event.prev_hash, matches, previous_id, previous_hash
        previous_id, previous_hash = event.id, event.hash


def _chain_suspects_postgresql(head_last_id: int) -> Iterator[ChainLink]:
    """Only the events PostgreSQL finds breaking a rule (normally none), in id order."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(_PG_CHAIN_SUSPECTS, [GENESIS_HASH, head_last_id])
        while rows := cursor.fetchmany(VERIFY_CHUNK):
            for event_id, prev_hash, matches, previous_id, previous_hash in rows:
                if not matches:
                    # Tampering, or a value the SQL renders differently from Python (a
                    # string JSON escapes, a number in changed_fields): compute_hash()
                    # decides.
                    event = AuditEvent.objects.get(pk=event_id)
                    matches = event.compute_hash() == event.hash
                yield event_id, prev_hash, matches, previous_id or 0, previous_hash or GENESIS_HASH


def _audit_chain_problem() -> AuditProblem | None:
    head = AuditChainHead.objects.filter(pk=1).first()
    head_last_id = head.last_id if head is not None else 0
    if connection.vendor == "postgresql":
        links = _chain_suspects_postgresql(head_last_id)
    else:
        links = _chain_links()
    for event_id, prev_hash, hash_matches, previous_id, previous_hash in links:
        if event_id > head_last_id:
            return AuditProblem(event_id, "inserted: the chain head never recorded it")
        if event_id != previous_id + 1:
            return AuditProblem(previous_id + 1, "missing: the event was deleted")
        if not hash_matches:
            return AuditProblem(event_id, "edited: its contents no longer match its hash")
        if prev_hash != previous_hash:
            # This event is intact, so the link broke before it: the previous event was
            # edited and given a fresh hash (or, for the first event, this one was).
            return AuditProblem(
                max(event_id - 1, 1), "edited: its hash differs from the one chained after it"
            )
    # Every event is intact and ids run from 1 without a gap: the newest one ends the chain.
    newest = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    last_id, last_hash = newest if newest is not None else (0, GENESIS_HASH)
    if head_last_id > last_id:
        return AuditProblem(last_id + 1, "missing: the newest events were deleted")
    if head is not None and last_id and head.last_hash != last_hash:
        return AuditProblem(last_id, "edited: its hash differs from the recorded chain head")
    return None


def audit_log_verify() -> AuditProblem | None:
    """The first event that was edited, inserted or deleted, or None when the chain holds.

    The chain head is written with every append, so it also catches the ends of the chain:
    events deleted from the end, and events appended (even with correctly computed hashes)
    by something other than `audit_event_record`.

    One transaction, REPEATABLE READ when it is not inside another one: the head and the
    events come from one snapshot, so an event appended meanwhile is not taken for a
    forgery, and PostgreSQL's cursor streams (outside a transaction a held cursor would
    first copy its whole result). Memory stays flat at any log size.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _audit_chain_problem()
