"""How the portal shows a person's data and history: which values they edit themselves and
which open a rectification request, and their activity in words."""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.utils.translation import gettext as _

from customers import services
from customers.models import Customer, User
from privacy import registry
from privacy.portal.forms import field_label
from privacy.subject_data import REDACTED, CategoryBlock, Record, subject_activity

RECENT_ACTIVITY = 50
# Email addresses change only through allauth's flow, which verifies the new address.
EMAIL_FIELDS = {
    ("customers.customer", "email"),
    ("customers.user", "email"),
    ("account.emailaddress", "email"),
    ("account.emailaddress", "primary"),
}


@dataclass
class RecordView:
    record: Record
    edit_profile: bool = False
    edit_email: bool = False
    # Registry names (model.field) of the values the person cannot edit themselves.
    rectify: list[str] = field(default_factory=list)


@dataclass
class BlockView:
    block: CategoryBlock
    records: list[RecordView]


def record_view(customer: Customer, record: Record) -> RecordView:
    view = RecordView(record)
    own_record = record.model == "customers.customer" and record.instance.pk == customer.pk
    for value in record.fields:
        if value.value in (None, "", [], False) or (record.model, value.name) in REDACTED:
            continue
        decl = registry.declaration_for(record.model, value.name)
        if isinstance(decl, registry.PersonalField) and decl.source == "system":
            # Written by the service itself (sign-in times, ids, sessions): a record of
            # what happened, not a claim about the person that could be corrected.
            continue
        if own_record and value.name in services.SUBJECT_EDITABLE_FIELDS:
            view.edit_profile = True
        elif (record.model, value.name) in EMAIL_FIELDS:
            view.edit_email = True
        else:
            view.rectify.append(f"{record.model}.{value.name}")
    return view


@dataclass(frozen=True)
class ActivityRow:
    time: datetime
    action: str
    record: str
    fields: list[str]
    by: str


def _model_name(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _field_names(object_type: str, names: list[str]) -> list[str]:
    labels = []
    for name in names:
        if name.count(".") == 2:
            labels.append(field_label(name))
            continue
        try:
            labels.append(str(apps.get_model(object_type)._meta.get_field(name).verbose_name))
        except (LookupError, ValueError):
            labels.append(name)
    return labels


def activity_rows(
    customer: Customer, user: User, limit: int = RECENT_ACTIVITY
) -> list[ActivityRow]:
    """My history: what was done with my data and what I did, newest first."""
    rows = []
    for event in subject_activity(customer)[:limit]:
        if event.actor_id == user.pk:
            by = _("You")
        elif event.actor_id:
            by = _("Herocon staff")
        else:
            by = _("The service")
        if event.object_type == "customers.customer" and event.object_id != str(customer.pk):
            # Another customer record the person acted on: one of their organizations.
            record = _("organization")
        else:
            record = _model_name(event.object_type)
        rows.append(
            ActivityRow(
                time=event.created_at,
                action=str(event.get_action_display()),
                record=record,
                fields=_field_names(event.object_type, list(event.changed_fields or [])),
                by=by,
            )
        )
    return rows
