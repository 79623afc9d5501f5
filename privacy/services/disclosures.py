"""Disclosures of customers' data and the Art 19 notices that follow them."""

import re
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from privacy import registry
from privacy.audit import audited_save
from privacy.models import DataSubjectRequest, Disclosure, Recipient, RecipientNotice


def disclosure_errors(
    *, customers: list[Customer], categories: list[str], disclosed_at: datetime | None
) -> dict[str, list[str]]:
    """What makes a disclosure unloggable, by field: the admin form shows these next to
    the field before anything is saved; `disclosure_record` refuses on them."""
    errors: dict[str, list[str]] = {}
    if not customers:
        errors["customers"] = [_("Choose at least one customer whose data was disclosed.")]
    # Art 18: restricted data is only stored; erased customers' remains are held for
    # bookkeeping only (and restricted): neither may be disclosed.
    restricted = [c for c in customers if c.restricted or c.erased_at is not None]
    if restricted:
        errors["customers"] = [
            _(
                "Processing of %(names)s is restricted (GDPR Art 18): their data may not be "
                "disclosed."
            )
            % {"names": ", ".join(sorted(c.name or str(c.public_id) for c in restricted))}
        ]
    unknown = [c for c in categories if c not in registry.CATEGORIES]
    if not categories:
        errors["categories"] = [_("Choose the data categories that were disclosed.")]
    elif unknown:
        errors["categories"] = [
            _("Unknown data category: %(keys)s.") % {"keys": ", ".join(unknown)}
        ]
    if (
        disclosed_at is not None
        and timezone.is_aware(disclosed_at)
        and disclosed_at > timezone.now()
    ):
        errors["disclosed_at"] = [_("A disclosure cannot be in the future.")]
    return errors


@transaction.atomic
def disclosure_record(
    *,
    recipient: Recipient,
    customers: Iterable[Customer],
    categories: Iterable[str],
    basis: str,
    purpose: str,
    disclosed_at: datetime,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> Disclosure:
    """Log a disclosure to a recipient (Art 19 needs to know who got what; Art 15(1)(c)
    lets the person see it). Art 18: a restricted customer's data is only stored, so a
    disclosure including one is refused."""
    customers = list(customers)
    categories = sorted(set(categories))
    errors = disclosure_errors(
        customers=customers, categories=categories, disclosed_at=disclosed_at
    )
    disclosure = Disclosure(
        recipient=recipient,
        categories=categories,
        basis=basis,
        purpose=purpose,
        disclosed_at=disclosed_at,
        disclosed_by_id=getattr(actor, "pk", None),
    )
    audited_save(
        instance=disclosure,
        actor=actor,
        changed_fields=["recipient", "customers", "categories", "basis", "purpose"],
        row_count=len(customers),
        client_ip=client_ip,
        errors=errors,
    )
    disclosure.customers.set(customers)
    return disclosure


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
        audited_save(
            instance=notice, actor=actor, changed_fields=["kind", "recipient"], client_ip=client_ip
        )
        notices.append(notice)
    return notices


# A contact that is just an address, or ends with one ("Privacy team <privacy@x.fi>").
_EMAIL_IN_CONTACT = re.compile(r"<?([^\s<>,;]+@[^\s<>,;]+\.[^\s<>,;]+)>?\s*$")


def recipient_email(recipient: Recipient) -> str | None:
    """The recipient's contact when it holds an email address, else None."""
    match = _EMAIL_IN_CONTACT.search(recipient.contact.strip())
    if match is None:
        return None
    address = match.group(1)
    try:
        validate_email(address)
    except ValidationError:
        return None
    return address


def _notice_pending(notice: RecipientNotice) -> None:
    if notice.status != RecipientNotice.Status.PENDING:
        raise ValidationError(
            {
                "status": _("This notice is already closed (%(status)s).")
                % {"status": notice.get_status_display()}
            }
        )


def _identifiable_customer(notice: RecipientNotice) -> Customer | None:
    """The customer, while the register still names them. After an erasure only the public
    ID is left: the recipient cannot match it, so the DPO tells them whom it concerns by
    the disclosure's own channel (the notice mail says so)."""
    return Customer.objects.filter(
        public_id=notice.customer_public_id, erased_at__isnull=True
    ).first()


def _notice_mail(notice: RecipientNotice, address: str) -> None:
    # Recipients are companies and authorities, not customers: write in the language of
    # their country (Finnish, Swedish in Sweden, English elsewhere).
    language = {"FI": "fi", "SE": "sv", "AX": "sv"}.get(notice.recipient.country, "en")
    with translation.override(language):
        context = {
            "notice": notice,
            "kind": notice.get_kind_display(),
            "categories": [
                str(registry.CATEGORIES[key].name)
                for key in notice.categories
                if key in registry.CATEGORIES
            ],
            "customer": _identifiable_customer(notice),
            "controller": settings.CONTROLLER_NAME,
            "privacy_email": settings.CONTROLLER_PRIVACY_EMAIL,
        }
        subject = render_to_string("emails/art19/notice_subject.txt", context).strip()
        body = render_to_string("emails/art19/notice_body.txt", context)
    reply_to = [context["privacy_email"]] if context["privacy_email"] else []
    EmailMessage(subject, body, to=[address], reply_to=reply_to).send()


@transaction.atomic
def recipient_notice_send(
    *,
    notice: RecipientNotice,
    actor: models.Model | None,
    sent_at: datetime | None = None,
    how: str = "",
    client_ip: str | None = None,
) -> RecipientNotice:
    """Art 19: tell the recipient. Mailed when its contact is an email address; otherwise
    the DPO sent it another way (letter, the recipient's portal) and says how."""
    notice = (
        RecipientNotice.objects.select_for_update().select_related("recipient").get(pk=notice.pk)
    )
    _notice_pending(notice)
    address = recipient_email(notice.recipient)
    if address is None and not how.strip():
        raise ValidationError(
            {
                "reason": _(
                    "%(recipient)s has no email address as its contact: record how the "
                    "notice was sent."
                )
                % {"recipient": notice.recipient}
            }
        )
    notice.status = RecipientNotice.Status.SENT
    notice.sent_at = sent_at or timezone.now()
    if address is None:
        # The model has one free-text column; for a sent notice it records the channel.
        notice.reason = _("Sent by other means: %(how)s") % {"how": how.strip()}
    audited_save(
        instance=notice,
        actor=actor,
        update_fields=["status", "sent_at", "reason"],
        changed_fields=["status", "sent_at"] + ([] if address else ["reason"]),
        client_ip=client_ip,
    )
    if address is not None:
        _notice_mail(notice, address)
    return notice


@transaction.atomic
def recipient_notice_skip(
    *,
    notice: RecipientNotice,
    reason: str,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> RecipientNotice:
    """Art 19 allows not telling a recipient only when impossible or disproportionate:
    the reason is recorded."""
    notice = RecipientNotice.objects.select_for_update().get(pk=notice.pk)
    _notice_pending(notice)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the recipient was not told (GDPR Art 19).")})
    notice.status = RecipientNotice.Status.NOT_SENT
    notice.reason = reason.strip()
    return audited_save(
        instance=notice, actor=actor, update_fields=["status", "reason"], client_ip=client_ip
    )
