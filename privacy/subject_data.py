"""Everything the register holds about one customer, read through the registry.

The portal's "all my data" page (Art 15), its JSON and CSV downloads (Art 15 and 20) and
the erasure preview all start here, so nothing held is missed and nothing is listed twice.
Only the subject's own data is returned: a link to another person is never followed.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers import csvio
from customers.models import Authorization, Customer
from privacy import registry
from privacy.models import AuditEvent, Disclosure, Recipient

# Personal data that is shown only as "stored": secrets whose disclosure would harm the
# person (a password hash, a TOTP seed, a confirmation key, a session's contents).
REDACTED = {
    ("customers.user", "password"),
    ("mfa.authenticator", "data"),
    ("account.emailconfirmation", "key"),
    ("sessions.session", "session_data"),
    ("sessions.session", "session_key"),
    # A session key is a login token: shown, it would let anyone holding the file sign in.
    ("usersessions.usersession", "session_key"),
}


@dataclass
class FieldValue:
    name: str
    label: str
    value: Any  # JSON-safe
    display: str


@dataclass
class Record:
    model: str
    model_name: str
    title: str
    instance: models.Model
    source: str
    obtained_at: datetime | None
    fields: list[FieldValue] = field(default_factory=list)


@dataclass
class CategoryBlock:
    category: registry.Category
    purposes: list[registry.Purpose]
    retention: list[registry.Retention]
    recipients: list[str]
    records: list[Record] = field(default_factory=list)


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _value(subject: Customer, instance: models.Model, model_field: models.Field) -> Any:
    label = instance._meta.label_lower
    if (label, model_field.name) in REDACTED:
        return _("[stored; not shown for security]")
    if model_field.is_relation:
        related = getattr(instance, model_field.name)
        if related is None:
            return None
        if isinstance(related, Customer) and related.is_person and related.pk != subject.pk:
            return _("[another person]")
        return str(related)
    return _json_safe(getattr(instance, model_field.attname))


# Third-party models whose field names are not translated by their own catalogues.
LABELS = {
    ("usersessions.usersession", "ip"): _lazy("IP address"),
    ("usersessions.usersession", "user_agent"): _lazy("Browser"),
    ("usersessions.usersession", "created_at"): _lazy("Signed in at"),
    ("usersessions.usersession", "last_seen_at"): _lazy("Last seen at"),
    ("usersessions.usersession", "data"): _lazy("Session data"),
    ("usersessions.usersession", "session_key"): _lazy("Session key"),
}


def _label(instance: models.Model, model_field: models.Field) -> str:
    label = LABELS.get((instance._meta.label_lower, model_field.name), model_field.verbose_name)
    return str(label)


def _display(instance: models.Model, model_field: models.Field, value: Any) -> str:
    if value in (None, ""):
        return "–"
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        return str(getattr(instance, f"get_{model_field.name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    raw = getattr(instance, model_field.attname, None)
    # People read local dates; the downloads keep ISO 8601 (the CSV contract).
    if isinstance(raw, datetime):
        return formats.date_format(timezone.localtime(raw), "SHORT_DATETIME_FORMAT")
    if isinstance(raw, date):
        return formats.date_format(raw, "SHORT_DATE_FORMAT")
    return str(value)


def _forward_relations(model: type[models.Model], depth: int = 2) -> list[str]:
    """The foreign keys of `model` and of the models they point to: what a record's values
    and title (its str(), e.g. a purchase's customer and product, a consent text's
    purpose) reach, joined into one query instead of one query per record."""
    paths = []
    for model_field in model._meta.concrete_fields:
        if not model_field.is_relation:
            continue
        paths.append(model_field.name)
        if depth > 1:
            paths += [
                f"{model_field.name}__{path}"
                for path in _forward_relations(model_field.related_model, depth - 1)
            ]
    return paths


def subject_querysets(subject: Customer) -> Iterator[tuple[str, models.QuerySet]]:
    """Each declared model's records about `subject`."""
    registry.personal_fields()  # loads the declarations
    for label, declaration in registry.REGISTRY.items():
        condition = declaration.subject_filter(subject)
        if condition is None:
            continue
        model = apps.get_model(label)
        queryset = model._default_manager.filter(condition).distinct().order_by("pk")
        yield label, queryset.select_related(*_forward_relations(model))


def _recipients(
    category_key: str,
    records: list[Record],
    disclosed: dict[str, set[Recipient]],
    processors: set[Recipient],
) -> list[str]:
    """Who receives this category: the system providers (processors) that hold all of it,
    the owners of the products bought, and whoever the disclosure log says actually
    received this person's data of this category (Art 15(1)(c))."""
    recipients = set(processors)
    if category_key == "purchases":
        recipients |= {
            r.instance.product.owner
            for r in records
            if r.model == "customers.purchase" and r.instance.product_id
        }
    recipients |= disclosed.get(category_key, set())
    return [f"{r.name} ({r.get_kind_display()})" for r in sorted(recipients, key=str)]


def _disclosed_recipients(subject: Customer) -> dict[str, set[Recipient]]:
    by_category: dict[str, set[Recipient]] = {}
    for disclosure in Disclosure.objects.filter(customers=subject).select_related("recipient"):
        for category in disclosure.categories:
            by_category.setdefault(category, set()).add(disclosure.recipient)
    return by_category


def subject_data(subject: Customer) -> list[CategoryBlock]:
    """The subject's data grouped by the notice's categories, each with its purposes,
    legal bases, retention, recipients and, per record, its source and date."""
    by_category: dict[str, list[Record]] = {}
    for label, queryset in subject_querysets(subject):
        model = queryset.model
        declaration = registry.REGISTRY[label]
        personal = [d for d in declaration.fields.values() if d.is_personal]
        for instance in queryset:
            source = (
                str(instance.get_source_display())
                if hasattr(instance, "get_source_display")
                else ""
            )
            grouped: dict[str, list[FieldValue]] = {}
            for decl in personal:
                model_field = model._meta.get_field(decl.name)
                if model_field.many_to_many:
                    value: Any = [str(obj) for obj in getattr(instance, decl.name).all()]
                else:
                    value = _value(subject, instance, model_field)
                if not source:
                    source = str(registry.SOURCES[decl.source])
                grouped.setdefault(decl.category, []).append(
                    FieldValue(
                        name=decl.name,
                        label=_label(instance, model_field),
                        value=value,
                        display=_display(instance, model_field, value)
                        if not isinstance(value, list)
                        else ", ".join(value) or "–",
                    )
                )
            for category, values in grouped.items():
                if all(f.value in (None, "", [], False) for f in values):
                    continue  # e.g. a person's empty business ID: nothing is held there
                by_category.setdefault(category, []).append(
                    Record(
                        model=label,
                        model_name=str(model._meta.verbose_name),
                        title=str(instance),
                        instance=instance,
                        source=source,
                        obtained_at=getattr(instance, "obtained_at", None),
                        fields=values,
                    )
                )
    disclosed = _disclosed_recipients(subject)
    processors = set(Recipient.objects.filter(kind=Recipient.Kind.PROCESSOR))
    summaries = {s.category.key: s for s in registry.categories_in_use()}
    blocks = []
    for key in registry.CATEGORIES:
        records = by_category.get(key)
        if not records:
            continue
        summary = summaries[key]
        blocks.append(
            CategoryBlock(
                category=summary.category,
                purposes=summary.purposes,
                retention=summary.retention,
                recipients=_recipients(key, records, disclosed, processors),
                records=records,
            )
        )
    return blocks


def subject_organizations(subject: Customer) -> list[Authorization]:
    """The organizations the subject acts for, with role and validity (current and past)."""
    return list(
        Authorization.objects.filter(person=subject)
        .select_related("organization")
        .order_by("organization__name", "-valid_from")
    )


def subject_activity(subject: Customer) -> models.QuerySet:
    """Audit events about the subject's record or by their own account, newest first."""
    condition = models.Q(object_type="customers.customer", object_id=str(subject.pk))
    if subject.user_id:
        condition |= models.Q(actor_id=subject.user_id)
    return AuditEvent.objects.filter(condition).order_by("-id")


# -- Downloads (Art 15 copy, Art 20 portability) ----------------------------------------------


def _purpose_json(purpose: registry.Purpose) -> dict[str, Any]:
    return {
        "purpose": str(purpose.name),
        "legal_basis": str(purpose.basis.label),
        "legitimate_interest": str(purpose.legitimate_interest or ""),
    }


def subject_data_json(subject: Customer) -> dict[str, Any]:
    blocks = subject_data(subject)
    return {
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "customer": str(subject.public_id),
        "categories": [
            {
                "category": block.category.key,
                "name": str(block.category.name),
                "purposes": [_purpose_json(p) for p in block.purposes],
                "retention": [r.description for r in block.retention],
                "recipients": block.recipients,
                "records": [
                    {
                        "type": record.model,
                        "description": record.title,
                        "source": record.source,
                        "obtained_at": _json_safe(record.obtained_at),
                        "data": {f.name: f.value for f in record.fields},
                    }
                    for record in block.records
                ],
            }
            for block in blocks
        ],
        "organizations": [
            {
                "organization": a.organization.name,
                "business_id": a.organization.business_id,
                "role": a.role,
                "valid_from": _json_safe(a.valid_from),
                "valid_until": _json_safe(a.valid_until),
            }
            for a in subject_organizations(subject)
        ],
        "activity": [
            {
                "time": _json_safe(e.created_at),
                "action": e.action,
                "object_type": e.object_type,
                "fields": e.changed_fields,
            }
            for e in subject_activity(subject)
        ],
    }


def subject_data_zip(subject: Customer) -> bytes:
    """The same data as CSV files in a zip: one file per category, plus the purposes."""
    return subject_data_archive(subject_data_json(subject))


def subject_data_archive(data: dict[str, Any]) -> bytes:
    """`subject_data_json`'s result as the zip of CSV files (and the JSON itself), for a
    caller that already holds it: the data is read from the database once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overview = [
            [
                c["category"],
                c["name"],
                " | ".join(f"{p['purpose']}: {p['legal_basis']}" for p in c["purposes"]),
                " | ".join(c["retention"]),
                " | ".join(c["recipients"]),
            ]
            for c in data["categories"]
        ]
        archive.writestr(
            "categories.csv",
            "".join(
                csvio.iter_csv(
                    ["category", "name", "purposes", "retention", "recipients"], overview
                )
            ),
        )
        for category in data["categories"]:
            names: list[str] = []
            for record in category["records"]:
                names += [n for n in record["data"] if n not in names]
            rows = [
                [record["type"], record["source"], record["obtained_at"] or ""]
                + [_cell(record["data"].get(n)) for n in names]
                for record in category["records"]
            ]
            archive.writestr(
                f"{category['category']}.csv",
                "".join(
                    csvio.iter_csv(
                        ["record_type", "record_source", "record_obtained_at", *names], rows
                    )
                ),
            )
        archive.writestr("organizations.csv", _rows_csv(data["organizations"]))
        archive.writestr("activity.csv", _rows_csv(data["activity"]))
        archive.writestr("all.json", json.dumps(data, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _rows_csv(rows: list[dict[str, Any]]) -> str:
    header = list(rows[0]) if rows else []
    return "".join(csvio.iter_csv(header, [[_cell(r[h]) for h in header] for r in rows]))
