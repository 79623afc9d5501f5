"""Streaming CSV exports of the registers (DESIGN.md, "CSV contract").

django-import-export builds a whole dataset in memory; these write row by row from a
server-side iterator, using the same resource classes for the columns, so memory stays
flat however large the register.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import models, transaction
from import_export.resources import ModelResource

from consents import resources as consent_columns
from customers import csvio
from customers.models import Customer, User
from customers.resources import CustomerResource
from privacy import ropa
from privacy.models import AuditEvent
from privacy.services import audit_event_record


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


REGISTERS: dict[str, Callable[[], Register]] = {
    "customers": lambda: _model_register(CustomerResource, lambda: Customer.objects.order_by("pk")),
    "consents": lambda: Register(
        "consents.consentevent", lambda: list(consent_columns.COLUMNS), consent_columns.rows
    ),
    "ropa": lambda: Register("privacy.ropa", lambda: list(ropa.COLUMNS), ropa.rows),
}


def register_export(
    *,
    name: str,
    out: IO[str],
    dialect: str = "rfc4180",
    actor: User | None,
    client_ip: str | None = None,
) -> int:
    """Write the register `name` to `out` and audit the export; returns the row count."""
    register = REGISTERS[name]()
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in register.rows():
            count += 1
            yield row

    # One transaction gives the export a consistent snapshot (and a server-side cursor
    # on PostgreSQL, which needs one).
    with transaction.atomic():
        for line in csvio.iter_csv(register.header(), counted(), dialect=dialect):
            out.write(line)
        audit_event_record(
            action=AuditEvent.Action.EXPORT,
            actor=actor,
            object_type=register.object_type,
            row_count=count,
            client_ip=client_ip,
        )
    return count
