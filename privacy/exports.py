"""Streaming CSV exports of the registers (DESIGN.md, "CSV contract").

django-import-export builds a whole dataset in memory; these stream. A register read with
values_list() has two paths to the same bytes: on PostgreSQL the database writes the CSV
itself through COPY (privacy.csvcopy), at its own speed; elsewhere (SQLite) rows come from
a server-side iterator and are formatted here. Memory stays flat on both.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import connection, models, transaction
from django.utils import timezone

from consents import resources as consent_columns
from consents.models import ConsentEvent
from customers import csvio
from customers.models import Authorization, Customer, Purchase, User
from customers.resources import CustomerResource
from privacy import csvcopy, ropa
from privacy.audit import audit_event_record
from privacy.models import NOTIFY_WITHIN, AuditEvent, Breach, DataSubjectRequest, Disclosure


@dataclass(frozen=True)
class Register:
    object_type: str
    header: Callable[[], list[str]]
    rows: Callable[[], Iterator[list[Any]]]
    # The same rows as a SELECT of ready CSV cells, for COPY (registers of values only).
    copy_select: Callable[[], str] | None = None


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
    object_type: str | None = None,
) -> Register:
    """Read with values_list() (no model instances, no per-row queries) from a server-side
    iterator, or let PostgreSQL write the same cells: a register of millions of rows
    streams in flat memory either way."""
    paths = [path for _, path in columns]
    for path in paths:
        csvcopy.cell_kind(model, path)  # every column has a CSV form on both paths

    def rows() -> Iterator[list[Any]]:
        for values in queryset().values_list(*paths).iterator(chunk_size=2000):
            yield [cell(v) for v in values]

    return Register(
        object_type=object_type or model._meta.label_lower,
        header=lambda: [name for name, _ in columns],
        rows=rows,
        copy_select=lambda: csvcopy.select_sql(queryset(), model, paths),
    )


def _resource_columns() -> list[Column]:
    """The customer register's columns are the import-export resource's, so an export
    re-imports through the admin or import_customers unchanged."""
    resource = CustomerResource()
    return [(field.column_name, field.attribute) for field in resource.get_export_fields()]


def _same(*names: str) -> list[Column]:
    return [(name, name) for name in names]


# One row per disclosed customer, so the register answers "who received whose data" in a
# spreadsheet without unpacking lists.
DISCLOSURE_PATHS: list[Column] = [
    ("disclosure_id", "disclosure_id"),
    ("recipient_id", "disclosure__recipient_id"),
    ("recipient_name", "disclosure__recipient__name"),
    ("recipient_kind", "disclosure__recipient__kind"),
    ("recipient_country", "disclosure__recipient__country"),
    ("customer_public_id", "customer__public_id"),
    ("categories", "disclosure__categories"),
    ("basis", "disclosure__basis"),
    ("purpose", "disclosure__purpose"),
    ("disclosed_at", "disclosure__disclosed_at"),
    ("disclosed_by_id", "disclosure__disclosed_by_id"),
    ("created_at", "disclosure__created_at"),
]
DISCLOSURE_COLUMNS = [name for name, _ in DISCLOSURE_PATHS]


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
    "customers": lambda: _values_register(
        Customer, _resource_columns(), lambda: Customer.objects.order_by("pk")
    ),
    "consents": lambda: _values_register(
        ConsentEvent,
        consent_columns.COLUMNS,
        lambda: ConsentEvent.objects.order_by("occurred_at", "id"),
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
    "disclosures": lambda: _values_register(
        Disclosure.customers.through,
        DISCLOSURE_PATHS,
        lambda: Disclosure.customers.through.objects.order_by("disclosure__disclosed_at", "pk"),
        object_type="privacy.disclosure",
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


class RegisterStream:
    """The register `name` as UTF-8 CSV in chunks of about 64 kB (iterate it once); the
    export is audited with its row count once the last row is out, so a download broken
    off halfway is not recorded as an export. `rows` holds the count afterwards.

    On PostgreSQL a register of values is written by COPY; `python=True` takes the Python
    path there too (the tests compare the two)."""

    def __init__(
        self,
        *,
        name: str,
        dialect: str = "rfc4180",
        actor: User | None,
        client_ip: str | None = None,
        python: bool = False,
    ) -> None:
        self.register = REGISTERS[name]()
        self.dialect = dialect
        self.actor = actor
        self.client_ip = client_ip
        self.by_copy = (
            not python
            and connection.vendor == "postgresql"
            and self.register.copy_select is not None
        )
        self.rows = 0

    def _counted(self) -> Iterator[list[Any]]:
        for row in self.register.rows():
            self.rows += 1
            yield row

    def _python_chunks(self) -> Iterator[bytes]:
        # Lines go out in ~64 kB chunks: one write per line would cost more than the CSV.
        parts: list[str] = []
        size = 0
        for line in csvio.iter_csv(self.register.header(), self._counted(), dialect=self.dialect):
            parts.append(line)
            size += len(line)
            if size >= csvcopy.CHUNK_BYTES:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        if parts:
            yield "".join(parts).encode("utf-8")

    def _copy_chunks(self) -> Iterator[bytes]:
        # The header (and excel-fi's BOM) as the Python path writes it; the rows by COPY.
        yield "".join(csvio.iter_csv(self.register.header(), [], dialect=self.dialect)).encode()
        assert self.register.copy_select is not None
        stream = csvcopy.CopyStream(
            self.register.copy_select(), delimiter=csvio.DIALECTS[self.dialect].delimiter
        )
        yield from stream
        self.rows = stream.rows

    def __iter__(self) -> Iterator[bytes]:
        # One transaction gives the export a consistent snapshot (and a server-side
        # cursor on PostgreSQL, which needs one). It stays open while a streaming
        # response is read; a generator closed early leaves it by rollback.
        with transaction.atomic():
            yield from self._copy_chunks() if self.by_copy else self._python_chunks()
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
    """Write the register `name` to the text stream `out` and audit the export; returns
    the row count."""
    stream = RegisterStream(name=name, dialect=dialect, actor=actor, client_ip=client_ip)
    for chunk in stream:
        out.write(chunk.decode("utf-8"))
    return stream.rows
