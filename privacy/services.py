"""Writes of the privacy app: the audit log and the privacy notice."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from privacy.models import (
    GENESIS_HASH,
    LANGUAGE_CODES,
    AuditChainHead,
    AuditEvent,
    DataSubjectRequest,
    NoticeVersion,
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


# -- The privacy notice ----------------------------------------------------------------------

NOTICE_TEXT_FIELDS = ("intro", "security", "changes")


@transaction.atomic
def notice_draft_create(
    *, actor: models.Model | None, client_ip: str | None = None
) -> NoticeVersion:
    """Start a draft from the current version's texts (or the seed texts if none exists)."""
    from privacy.notice_seed import INITIAL_TEXTS

    existing = NoticeVersion.objects.filter(status=NoticeVersion.Status.DRAFT).first()
    if existing is not None:
        return existing
    current = NoticeVersion.objects.current()
    draft = NoticeVersion()
    for name in NOTICE_TEXT_FIELDS:
        for language in LANGUAGE_CODES:
            if current is None:
                value = INITIAL_TEXTS[language][name]
            elif name == "changes":
                value = ""  # each version says what it changed
            else:
                value = current.text(name, language)
            setattr(draft, f"{name}_{language}", value)
    draft.full_clean(exclude=[f"changes_{language}" for language in LANGUAGE_CODES])
    draft.save()
    audit_event_record(action=AuditEvent.Action.CREATE, actor=actor, obj=draft, client_ip=client_ip)
    return draft


def _sections_changed(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> list[str]:
    """The sections whose text differs in any language: a change made only to the Finnish
    or Swedish text is a change of the notice all the same."""
    from privacy.notice import SECTION_IDS

    return [
        section
        for section in SECTION_IDS
        # "changes" describes the version itself, so it differs every time.
        if section != "changes"
        and any(
            before.get(language, {}).get(section) != after.get(language, {}).get(section)
            for language in LANGUAGE_CODES
        )
    ]


@transaction.atomic
def notice_publish(
    *, draft: NoticeVersion, actor: models.Model | None, client_ip: str | None = None
) -> NoticeVersion:
    """Freeze the draft, rendered in every language, as the next published version."""
    from privacy.notice import render_all

    draft = NoticeVersion.objects.select_for_update().get(pk=draft.pk)
    if draft.is_published:
        raise ValidationError("This version is already published.")
    draft.full_clean()
    previous = NoticeVersion.objects.current()
    draft.number = (previous.number if previous else 0) + 1
    draft.status = NoticeVersion.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.published_by_id = getattr(actor, "pk", None)
    draft.rendered, draft.sections = render_all(draft)
    draft.changed_sections = (
        _sections_changed(previous.sections, draft.sections) if previous is not None else []
    )
    draft.save()
    audit_event_record(
        action=AuditEvent.Action.PUBLISH,
        actor=actor,
        obj=draft,
        changed_fields=draft.changed_sections,
        client_ip=client_ip,
    )
    return draft


# -- Data subject requests -----------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    customer: models.Model | None,
    kind: str,
    channel: str,
    details: str = "",
    data_concerned: Iterable[str] = (),
    identity_method: str = "",
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Record a data subject request; its one-month clock starts today (Helsinki date)."""
    request = DataSubjectRequest(
        customer=customer,
        kind=kind,
        channel=channel,
        received_on=timezone.localdate(),
        details=details,
        data_concerned=sorted(set(data_concerned)),
        identity_method=identity_method,
        created_by_id=getattr(actor, "pk", None),
    )
    request.full_clean()
    request.save()
    audit_event_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        obj=request,
        changed_fields=["kind", "channel", *request.data_concerned],
        client_ip=client_ip,
    )
    return request
