"""Streaming CSV exports of the registers (DESIGN.md, "CSV contract").

django-import-export builds a whole dataset in memory; these write row by row from a
server-side iterator, using the same resource classes for the columns, so memory stays
flat however large the register.
"""

from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db import models, transaction
from import_export.resources import ModelResource

from customers import csvio
from customers.models import Customer, User
from customers.resources import CustomerResource
from privacy.models import AuditEvent
from privacy.services import audit_event_record

REGISTERS: dict[str, tuple[type[ModelResource], Callable[[], models.QuerySet]]] = {
    "customers": (CustomerResource, lambda: Customer.objects.order_by("pk")),
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
    resource_class, queryset_factory = REGISTERS[name]
    resource = resource_class()
    queryset = queryset_factory()
    count = 0

    # export_resource() would work out the same column list again for every row.
    columns = resource.get_export_fields()

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        for instance in queryset.iterator(chunk_size=2000):
            count += 1
            yield [resource.export_field(field, instance) for field in columns]

    # One transaction gives the export a consistent snapshot (and a server-side cursor
    # on PostgreSQL, which needs one).
    with transaction.atomic():
        for line in csvio.iter_csv(resource.get_export_headers(), rows(), dialect=dialect):
            out.write(line)
        audit_event_record(
            action=AuditEvent.Action.EXPORT,
            actor=actor,
            object_type=queryset.model._meta.label_lower,
            row_count=count,
            client_ip=client_ip,
        )
    return count
