"""Art 15(3) and 20: the person's own copy of everything held about them, audited."""

import json
from dataclasses import dataclass

from django.db import transaction

from customers.models import Customer, User, helsinki_today
from privacy.audit import audit_event_record
from privacy.models import AuditEvent
from privacy.subject_data import subject_data_archive, subject_data_json


@dataclass(frozen=True)
class SubjectExport:
    content: bytes
    content_type: str
    filename: str
    row_count: int


@transaction.atomic
def customer_data_export(
    *,
    customer: Customer,
    export_format: str,
    actor: User | None,
    client_ip: str | None = None,
) -> SubjectExport:
    """A copy of everything held about the customer, as JSON or as CSV files in a zip
    (Art 15(3) and 20); every download is audited with its number of records."""
    data = subject_data_json(customer)
    row_count = sum(len(category["records"]) for category in data["categories"])
    stem = f"herocon-my-data-{helsinki_today().isoformat()}"
    if export_format == "json":
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        export = SubjectExport(content, "application/json", f"{stem}.json", row_count)
    elif export_format == "zip":
        export = SubjectExport(
            subject_data_archive(data), "application/zip", f"{stem}.zip", row_count
        )
    else:
        raise ValueError(f"Unknown export format {export_format!r}")
    audit_event_record(
        action=AuditEvent.Action.EXPORT,
        actor=actor,
        obj=customer,
        row_count=row_count,
        client_ip=client_ip,
    )
    return export
