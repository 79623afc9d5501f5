"""Data subject requests."""

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from privacy.models import (
    AuditEvent,
    DataSubjectRequest,
)
from privacy.services.audit import audit_event_record

# -- Data subject requests -----------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    customer: models.Model | None,
    kind: str,
    channel: str,
    details: str = "",
    data_concerned: Iterable[str] = (),
    identity_method: str = "",
    actor: models.Model | None,
    client_ip: str | None = None,
) -> DataSubjectRequest:
    """Record a data subject request; its one-month clock starts today (Helsinki date)."""
    request = DataSubjectRequest(
        customer=customer,
        kind=kind,
        channel=channel,
        received_on=timezone.localdate(),
        details=details,
        data_concerned=sorted(set(data_concerned)),
        identity_method=identity_method,
        created_by_id=getattr(actor, "pk", None),
    )
    request.full_clean()
    request.save()
    audit_event_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        obj=request,
        changed_fields=["kind", "channel", *request.data_concerned],
        client_ip=client_ip,
    )
    return request
