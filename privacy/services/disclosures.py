"""Disclosures of customers' data and the Art 19 notices that follow them."""

from django.db import models, transaction

from customers.models import Customer
from privacy.models import AuditEvent, DataSubjectRequest, Disclosure, RecipientNotice
from privacy.services.audit import audit_event_record


@transaction.atomic
def recipient_notices_create(
    *,
    customer: Customer,
    kind: str,
    request: DataSubjectRequest | None = None,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> list[RecipientNotice]:
    """Art 19: one pending notice to each recipient that received the customer's data,
    for a rectification, erasure or restriction. Call it before the data (and the
    customer's link to the disclosure log) goes."""
    categories_by_recipient: dict[int, set[str]] = {}
    recipients = {}
    for disclosure in Disclosure.objects.filter(customers=customer).select_related("recipient"):
        recipients[disclosure.recipient_id] = disclosure.recipient
        categories_by_recipient.setdefault(disclosure.recipient_id, set()).update(
            disclosure.categories
        )
    notices = []
    for recipient_id, recipient in sorted(recipients.items()):
        notice = RecipientNotice(
            recipient=recipient,
            customer_public_id=customer.public_id,
            request=request,
            kind=kind,
            categories=sorted(categories_by_recipient[recipient_id]),
        )
        notice.full_clean()
        notice.save()
        audit_event_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            obj=notice,
            changed_fields=["kind", "recipient"],
            client_ip=client_ip,
        )
        notices.append(notice)
    return notices
