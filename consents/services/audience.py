"""The marketing audience: who may be contacted for a purpose, and its audited CSV export."""

from collections.abc import Iterator

from django.db import models

from consents.models import Purpose
from consents.services.unsubscribing import unsubscribe_url
from customers import csvio
from customers.models import Customer
from privacy.audit import audit_event_record
from privacy.models import AuditEvent

AUDIENCE_COLUMNS = ["name", "email", "language", "unsubscribe_url"]


def audience_rows(purpose: Purpose) -> Iterator[list[str]]:
    """Only those who may be contacted, minimal fields (DESIGN.md, Marketing)."""
    queryset = (
        Customer.objects.contactable(purpose)
        .exclude(email="")
        .order_by("pk")
        .only("pk", "public_id", "name", "email", "language")
    )
    for customer in queryset.iterator(chunk_size=2000):
        yield [
            customer.name,
            customer.email,
            customer.language,
            unsubscribe_url(customer=customer, purpose=purpose),
        ]


def audience_export(
    *, purpose: Purpose, actor: models.Model | None, client_ip: str | None = None
) -> Iterator[str]:
    """The audience as CSV lines (formula-escaped), audited with its row count. Rows are
    collected first so the count is exact; an audience holds four short columns."""

    rows = list(audience_rows(purpose))
    # Audited before any row leaves: a download cut short was still an export.
    audit_event_record(
        action=AuditEvent.Action.EXPORT,
        actor=actor,
        object_type="consents.audience",
        object_id=purpose.key,
        changed_fields=AUDIENCE_COLUMNS,
        row_count=len(rows),
        client_ip=client_ip,
    )
    return csvio.iter_csv(AUDIENCE_COLUMNS, rows)
