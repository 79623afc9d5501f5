"""The privacy notice: drafts and publication."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from privacy.audit import audit_event_record
from privacy.models import (
    LANGUAGE_CODES,
    AuditEvent,
    NoticeVersion,
)
from privacy.notice import SECTION_IDS, render_all
from privacy.notice_seed import INITIAL_TEXTS

# -- The privacy notice ----------------------------------------------------------------------

NOTICE_TEXT_FIELDS = ("intro", "security", "changes")


@transaction.atomic
def notice_draft_create(
    *, actor: models.Model | None, client_ip: str | None = None
) -> NoticeVersion:
    """Start a draft from the current version's texts (or the seed texts if none exists)."""

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
