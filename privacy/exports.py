"""Streaming CSV exports of the registers (DESIGN.md, "CSV contract").

django-import-export builds a whole dataset in memory; these write row by row from a
server-side iterator, using the same resource classes for the columns, so memory stays
flat however large the register.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import models, transaction
from django.utils import timezone
from import_export.resources import ModelResource

from consents import resources as consent_columns
from customers import csvio
from customers.models import Authorization, Customer, Purchase, User
from customers.resources import CustomerResource
from privacy import ropa
from privacy.audit import audit_event_record
from privacy.models import NOTIFY_WITHIN, AuditEvent, Breach, DataSubjectRequest, Disclosure


@dataclass(frozen=True)
class Register:
    object_type: str
    header: Callable[[], list[str]]
    rows: Callable[[], Iterator[list[Any]]]


def _model_register(
    resource_class: type[ModelResource], queryset: Callable[[], models.QuerySet]
) -> Register:
    resource = resource_class()
    # export_resource() would work out the same column list again for every row.
    columns = resource.get_export_fields()

    def rows() -> Iterator[list[Any]]:
        for instance in queryset().iterator(chunk_size=2000):
            yield [resource.export_field(field, instance) for field in columns]

    return Register(
        object_type=resource_class._meta.model._meta.label_lower,
        header=resource.get_export_headers,
        rows=rows,
    )


def cell(value: Any) -> Any:
    """One value as the CSV contract writes it: times ISO 8601 with the Helsinki offset,
    dates ISO, booleans 1/0 (as the customer register's columns), lists joined by "; "."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


# A column of a register without import: its header (the model's field name, or
# <relation>_<field> when it follows a link) and the path values_list() reads.
Column = tuple[str, str]


def _values_register(
    model: type[models.Model],
    columns: list[Column],
    queryset: Callable[[], models.QuerySet],
) -> Register:
    """Read with values_list() (no model instances, no per-row queries) from a server-side
    iterator: a register of millions of rows streams in flat memory."""

    def rows() -> Iterator[list[Any]]:
        paths = [path for _, path in columns]
        for values in queryset().values_list(*paths).iterator(chunk_size=2000):
            yield [cell(v) for v in values]

    return Register(
        object_type=model._meta.label_lower,
        header=lambda: [name for name, _ in columns],
        rows=rows,
    )


def _same(*names: str) -> list[Column]:
    return [(name, name) for name in names]


def _disclosure_rows() -> Iterator[list[Any]]:
    # One row per disclosed customer, so the register answers "who received whose data"
    # in a spreadsheet without unpacking lists.
    links = (
        Disclosure.customers.through.objects.order_by("disclosure__disclosed_at", "pk")
        .values_list(
            "disclosure_id",
            "disclosure__recipient_id",
            "disclosure__recipient__name",
            "disclosure__recipient__kind",
            "disclosure__recipient__country",
            "customer__public_id",
            "disclosure__categories",
            "disclosure__basis",
            "disclosure__purpose",
            "disclosure__disclosed_at",
            "disclosure__disclosed_by_id",
            "disclosure__created_at",
        )
        .iterator(chunk_size=2000)
    )
    for values in links:
        yield [cell(v) for v in values]


DISCLOSURE_COLUMNS = [
    "disclosure_id",
    "recipient_id",
    "recipient_name",
    "recipient_kind",
    "recipient_country",
    "customer_public_id",
    "categories",
    "basis",
    "purpose",
    "disclosed_at",
    "disclosed_by_id",
    "created_at",
]


BREACH_COLUMNS = [
    "id",
    "title",
    "aware_at",
    # Not stored: aware_at + 72 elapsed hours (Art 33(1)); written out so the register
    # read on its own shows which breaches were notified late.
    "deadline",
    "nature",
    "data_categories",
    "approx_people",
    "approx_records",
    "consequences",
    "measures",
    "authority_notified_at",
    "not_notified_reason",
    "high_risk",
    "people_told_at",
    "closed_at",
    "created_by_id",
    "created_at",
    "updated_at",
]


def _breach_rows() -> Iterator[list[Any]]:
    stored = [c for c in BREACH_COLUMNS if c != "deadline"]
    at = BREACH_COLUMNS.index("deadline")
    for values in (
        Breach.objects.order_by("aware_at", "pk").values_list(*stored).iterator(chunk_size=2000)
    ):
        row = list(values)
        row.insert(at, row[stored.index("aware_at")] + NOTIFY_WITHIN)
        yield [cell(v) for v in row]


def disclosure_row_count() -> int:
    """The disclosures register's rows: one per (disclosure, customer) pair."""
    return Disclosure.customers.through.objects.count()


REGISTERS: dict[str, Callable[[], Register]] = {
    "customers": lambda: _model_register(CustomerResource, lambda: Customer.objects.order_by("pk")),
    "consents": lambda: Register(
        "consents.consentevent", lambda: list(consent_columns.COLUMNS), consent_columns.rows
    ),
    "purchases": lambda: _values_register(
        Purchase,
        [
            *_same("id"),
            ("customer_public_id", "customer__public_id"),
            ("product_code", "product__code"),
            ("product_name", "product__name"),
            ("product_owner", "product__owner__name"),
            *_same("purchased_on", "amount", "invoice_number"),
            ("purchased_by_public_id", "purchased_by__public_id"),
            *_same("held_until", "source", "obtained_at", "created_at", "updated_at"),
        ],
        lambda: Purchase.objects.order_by("pk"),
    ),
    "authorizations": lambda: _values_register(
        Authorization,
        [
            *_same("id"),
            ("person_public_id", "person__public_id"),
            ("organization_public_id", "organization__public_id"),
            ("organization_business_id", "organization__business_id"),
            *_same(
                "role",
                "valid_from",
                "valid_until",
                "granted_by",
                "evidence",
                "source",
                "obtained_at",
                "created_at",
                "updated_at",
            ),
        ],
        lambda: Authorization.objects.order_by("pk"),
    ),
    "requests": lambda: _values_register(
        DataSubjectRequest,
        [
            *_same("public_id"),
            ("customer_public_id", "customer__public_id"),
            *_same(
                "kind",
                "status",
                "channel",
                "received_on",
                "details",
                "data_concerned",
                "identity_method",
                "extension_reason",
                "person_told_of_extension_on",
                "closed_on",
                "outcome",
                "created_by_id",
                "created_at",
                "updated_at",
            ),
        ],
        lambda: DataSubjectRequest.objects.order_by("received_on", "pk"),
    ),
    "disclosures": lambda: Register(
        "privacy.disclosure", lambda: list(DISCLOSURE_COLUMNS), _disclosure_rows
    ),
    "audit": lambda: _values_register(
        AuditEvent,
        # Every field, hashes included, so the chain can be checked outside the app too.
        _same(
            "id",
            "created_at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "changed_fields",
            "row_count",
            "client_ip",
            "prev_hash",
            "hash",
        ),
        lambda: AuditEvent.objects.order_by("id"),
    ),
    "breaches": lambda: Register("privacy.breach", lambda: list(BREACH_COLUMNS), _breach_rows),
    "ropa": lambda: Register("privacy.ropa", lambda: list(ropa.COLUMNS), ropa.rows),
}

# The order registers are listed in (the admin page, the bundle).
REGISTER_NAMES = list(REGISTERS)


class RegisterLines:
    """The register `name` as CSV text, line by line (iterate it once); the export is
    audited with its row count once the last line is out, so a download broken off
    halfway is not recorded as an export. `rows` holds the count afterwards."""

    def __init__(
        self,
        *,
        name: str,
        dialect: str = "rfc4180",
        actor: User | None,
        client_ip: str | None = None,
    ) -> None:
        self.register = REGISTERS[name]()
        self.dialect = dialect
        self.actor = actor
        self.client_ip = client_ip
        self.rows = 0

    def _counted(self) -> Iterator[list[Any]]:
        for row in self.register.rows():
            self.rows += 1
            yield row

    def __iter__(self) -> Iterator[str]:
        # One transaction gives the export a consistent snapshot (and a server-side
        # cursor on PostgreSQL, which needs one). It stays open while a streaming
        # response is read; a generator closed early leaves it by rollback.
        with transaction.atomic():
            yield from csvio.iter_csv(self.register.header(), self._counted(), dialect=self.dialect)
            audit_event_record(
                action=AuditEvent.Action.EXPORT,
                actor=self.actor,
                object_type=self.register.object_type,
                row_count=self.rows,
                client_ip=self.client_ip,
            )


def register_export(
    *,
    name: str,
    out: IO[str],
    dialect: str = "rfc4180",
    actor: User | None,
    client_ip: str | None = None,
) -> int:
    """Write the register `name` to `out` and audit the export; returns the row count."""
    lines = RegisterLines(name=name, dialect=dialect, actor=actor, client_ip=client_ip)
    for line in lines:
        out.write(line)
    return lines.rows
