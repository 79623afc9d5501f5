"""The breach register (GDPR Art 33/34): every breach is documented, notified or not."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.audit import audited_save
from privacy.models import Breach

# What a breach record must say (Art 33(3) and 33(5)); set when it is first recorded.
BREACH_FIELDS = (
    "title",
    "aware_at",
    "nature",
    "data_categories",
    "approx_people",
    "approx_records",
    "consequences",
    "measures",
    "high_risk",
    "people_told_at",
    "not_notified_reason",
)


def _not_in_future(value: datetime | None, field: str) -> dict[str, list[str]]:
    if value is not None and value > timezone.now():
        return {field: [_("This time is in the future.")]}
    return {}


def _save(
    breach: Breach,
    *,
    changed_fields: list[str],
    actor: models.Model | None,
    client_ip: str | None,
) -> Breach:
    """Save through the audited write path with the rules that compare the breach's times
    (the model's constraints name no field, so these put the message on the one to fix)."""
    errors: dict[str, list[str]] = {}
    for field in ("aware_at", "authority_notified_at", "people_told_at", "closed_at"):
        errors.update(_not_in_future(getattr(breach, field), field))
    if breach.authority_notified_at and breach.authority_notified_at < breach.aware_at:
        errors["authority_notified_at"] = [
            _("The authority cannot have been notified before the company became aware.")
        ]
    return audited_save(
        instance=breach,
        actor=actor,
        client_ip=client_ip,
        changed_fields=changed_fields,
        errors=errors,
    )


@transaction.atomic
def breach_record(
    *, actor: models.Model | None, client_ip: str | None = None, **values: Any
) -> Breach:
    """Document a breach (Art 33(5)): every one, whether it is notified or not."""
    unknown = set(values) - {*BREACH_FIELDS, "authority_notified_at"}
    if unknown:
        raise TypeError(f"Unknown breach fields: {', '.join(sorted(unknown))}")
    breach = Breach(created_by_id=getattr(actor, "pk", None), **values)
    return _save(breach, changed_fields=sorted(values), actor=actor, client_ip=client_ip)


@transaction.atomic
def breach_update(
    *,
    breach: Breach,
    changed_fields: list[str],
    actor: models.Model | None,
    client_ip: str | None = None,
) -> Breach:
    """Save the DPO's edits of an open breach (the assessment evolves, Art 33(4))."""
    if Breach.objects.filter(pk=breach.pk, closed_at__isnull=False).exists():
        raise ValidationError(_("A closed breach is not changed any more."))
    return _save(breach, changed_fields=changed_fields, actor=actor, client_ip=client_ip)


@transaction.atomic
def breach_notify_authority(
    *,
    breach: Breach,
    notified_at: datetime | None = None,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> Breach:
    """Record the notification to Tietosuojavaltuutetun toimisto (Art 33(1))."""
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if breach.closed_at is not None:
        raise ValidationError(_("A closed breach is not changed any more."))
    breach.authority_notified_at = notified_at or timezone.now()
    return _save(breach, changed_fields=["authority_notified_at"], actor=actor, client_ip=client_ip)


def breach_close_errors(breach: Breach) -> dict[str, list[str]]:
    """Why `breach` cannot be closed yet, by the field that has to change (the model's
    constraints say the same, but name no field)."""
    errors: dict[str, list[str]] = {}
    if breach.authority_notified_at is None and not breach.not_notified_reason.strip():
        errors["not_notified_reason"] = [
            _(
                "Notify the authority first, or record why the breach is unlikely to result "
                "in a risk to people (GDPR Art 33(1))."
            )
        ]
    if breach.high_risk and breach.people_told_at is None:
        errors["people_told_at"] = [
            _("A high-risk breach is closed only after the people were told (GDPR Art 34).")
        ]
    return errors


@transaction.atomic
def breach_close(
    *,
    breach: Breach,
    closed_at: datetime | None = None,
    not_notified_reason: str | None = None,
    people_told_at: datetime | None = None,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> Breach:
    """Close a breach: only once the authority was notified or the reason why not is
    recorded (Art 33(1)), and for a high risk once the people were told (Art 34)."""
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if breach.closed_at is not None:
        raise ValidationError(_("This breach is already closed."))
    changed = ["closed_at"]
    if not_notified_reason is not None and not_notified_reason.strip():
        breach.not_notified_reason = not_notified_reason.strip()
        changed.append("not_notified_reason")
    if people_told_at is not None:
        breach.people_told_at = people_told_at
        changed.append("people_told_at")
    errors = breach_close_errors(breach)
    if errors:
        raise ValidationError(errors)
    breach.closed_at = closed_at or timezone.now()
    return _save(breach, changed_fields=changed, actor=actor, client_ip=client_ip)
