"""Other ledger writes: staff-recorded consents, existing customers, suppressions, data, texts."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.models import (
    ConsentedDatum,
    ConsentEvent,
    ConsentText,
    Purpose,
    Suppression,
    suppression_digest,
)
from consents.services.ledger import (
    _lock,
    _record,
    consent_give,
    consent_object,
    consent_state,
    consent_withdraw,
    objection_in_force,
)
from customers.models import Customer
from privacy.audit import audit_event_record, audited_save
from privacy.models import AuditEvent

# -- Staff-recorded consents and the existing-customer exception ------------------------------


STAFF_CHANNEL_METHODS = {
    ConsentEvent.Channel.PHONE: ConsentEvent.Method.STAFF_PHONE,
    ConsentEvent.Channel.LETTER: ConsentEvent.Method.STAFF_LETTER,
    ConsentEvent.Channel.MEETING: ConsentEvent.Method.STAFF_MEETING,
}


@transaction.atomic
def consent_record_by_staff(
    *,
    customer: Customer,
    purpose: Purpose,
    kind: str,
    channel: str,
    note: str,
    actor: models.Model,
    client_ip: str | None = None,
) -> ConsentEvent | list[ConsentEvent]:
    """Customer service records a consent, withdrawal or objection received by phone,
    letter or in a meeting; the note says how, so the proof stands on its own."""
    if channel not in STAFF_CHANNEL_METHODS:
        raise ValidationError(
            {"channel": _("Choose phone, letter or meeting.")}, code="staff_channel"
        )
    if not note.strip():
        raise ValidationError({"note": _("Say how and when it was received.")}, code="required")
    values = {
        "customer": customer,
        "purpose": purpose,
        "channel": channel,
        "method": STAFF_CHANNEL_METHODS[channel],
        "actor": actor,
        "client_ip": client_ip,
        "note": note.strip(),
    }
    if kind == ConsentEvent.Kind.GRANT:
        return consent_give(**values)
    if kind == ConsentEvent.Kind.WITHDRAW:
        return consent_withdraw(**values)
    if kind == ConsentEvent.Kind.OBJECTION:
        return consent_object(**values)
    raise ValidationError({"kind": _("Choose consent, withdrawal or objection.")}, code="kind")


@transaction.atomic
def existing_customer_record(
    *,
    customer: Customer,
    purpose: Purpose,
    sale_date: date,
    told_at_sale: bool,
    similar_products: bool,
    note: str,
    channel: str = ConsentEvent.Channel.SALE,
    method: str = ConsentEvent.Method.STAFF_MEETING,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> ConsentEvent:
    """Record the existing-customer exception of 917/2014 §200: contact details obtained
    in a sale, the person told of the marketing and the opt-out then, and the marketing is
    of similar own products. All three are required; an objection is never overridden."""
    customer = _lock(customer)
    if not customer.is_person:
        raise ValidationError(
            {"customer": _("Organizations need no exception: they may opt out instead.")},
            code="not_person",
        )
    if not purpose.allows_existing_customer:
        raise ValidationError(
            {"purpose": _("The existing-customer exception covers direct marketing only.")},
            code="not_marketing",
        )
    if not (told_at_sale and similar_products):
        raise ValidationError(
            _(
                "The exception applies only if the customer was told of the marketing at the "
                "sale and the marketing is of similar own products."
            ),
            code="conditions",
        )
    if not note.strip():
        raise ValidationError(
            {"note": _("Describe the sale and how the customer was told about the marketing.")}
        )
    if sale_date > timezone.localdate():
        raise ValidationError({"sale_date": _("The sale date is in the future.")}, code="future")
    if objection_in_force(customer=customer):
        raise ValidationError(
            _("The customer has objected to direct marketing (GDPR Art 21)."), code="objected"
        )
    return _record(
        customer=customer,
        purpose=purpose,
        kind=ConsentEvent.Kind.EXISTING_CUSTOMER,
        channel=channel,
        method=method,
        actor=actor,
        client_ip=client_ip,
        note=note,
        sale_date=sale_date,
        told_at_sale=told_at_sale,
        similar_products=similar_products,
    )


@transaction.atomic
def suppression_apply(
    *, customers: Iterable[Customer], actor: models.Model | None, client_ip: str | None = None
) -> list[ConsentEvent]:
    """Carry a suppressed email or Y-tunnus over to a (re-)imported record as an objection
    in its own ledger, so the record shows why it is never contacted."""
    suppressed = set(Suppression.objects.values_list("digest", flat=True))
    if not suppressed:
        return []
    events: list[ConsentEvent] = []
    for customer in customers:
        digests = {
            suppression_digest(kind, value)
            for kind, value in (
                (Suppression.Kind.EMAIL, customer.email),
                (Suppression.Kind.BUSINESS_ID, customer.business_id),
            )
            if value
        }
        if digests & suppressed and not objection_in_force(customer=customer):
            try:
                events += consent_object(
                    customer=customer,
                    channel=ConsentEvent.Channel.IMPORT,
                    method=ConsentEvent.Method.IMPORT,
                    actor=actor,
                    client_ip=client_ip,
                    note="Earlier objection to direct marketing (suppression list).",
                )
            except ValidationError:
                continue  # no purposes yet: contactable() still applies the suppression
    return events


@transaction.atomic
def consented_datum_add(
    *,
    customer: Customer,
    purpose: Purpose,
    name: str,
    value: str,
    source: str,
    actor: models.Model | None,
    client_ip: str | None = None,
) -> ConsentedDatum:
    """Keep a piece of data the customer gave for a purpose they have consented to; it is
    deleted when that consent is withdrawn."""
    if consent_state(customer=customer, purpose=purpose) != ConsentEvent.Kind.GRANT:
        raise ValidationError(
            {"purpose": _("The customer has not consented to this purpose.")}, code="no_consent"
        )
    datum = ConsentedDatum(
        customer=customer, purpose=purpose, name=name, value=value, source=source
    )
    return audited_save(
        instance=datum,
        actor=actor,
        changed_fields=["customer", "purpose", "name", "value", "source"],
        client_ip=client_ip,
    )


# -- Consent texts ----------------------------------------------------------------------------


@transaction.atomic
def consent_text_publish(
    *, text: ConsentText, actor: models.Model | None, client_ip: str | None = None
) -> ConsentText:
    """Freeze a draft text as its purpose's next version; from now on it never changes."""
    text = ConsentText.objects.select_for_update().get(pk=text.pk)
    if text.is_published:
        raise ValidationError(_("This text is already published."), code="published")
    text.full_clean()
    previous = ConsentText.objects.filter(purpose=text.purpose).aggregate(
        newest=models.Max("version")
    )["newest"]
    text.version = (previous or 0) + 1
    text.published_at = timezone.now()
    text.save()
    audit_event_record(action=AuditEvent.Action.PUBLISH, actor=actor, obj=text, client_ip=client_ip)
    return text
