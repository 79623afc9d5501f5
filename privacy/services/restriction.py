"""Restriction of processing (GDPR Art 18): set by the DPO, lifted only once the person
was told, and every recipient of the data told of it (Art 19)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, User, helsinki_today
from privacy.audit import audited_save
from privacy.services.disclosures import recipient_notices_create

RESTRICTION_FIELDS = ["restricted", "restricted_at", "restriction_reason"]


@transaction.atomic
def customer_restrict(
    *,
    customer: Customer,
    reason: str,
    actor: User | None,
    request: models.Model | None = None,
    client_ip: str | None = None,
) -> Customer:
    """Art 18: the customer's data is only stored, not used (no marketing, no exports but
    the DPO's, no disclosures); every recipient of it is told (Art 19)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"restriction_reason": _("Say why processing is restricted.")}, code="required"
        )
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        raise ValidationError(_("This customer has been erased."), code="erased")
    if customer.restricted:
        raise ValidationError(
            _("Processing of this customer's data is already restricted."), code="restricted"
        )
    recipient_notices_create(
        customer=customer, kind="restriction", request=request, actor=actor, client_ip=client_ip
    )
    customer.restricted = True
    customer.restricted_at = timezone.now()
    customer.restriction_reason = reason
    audited_save(
        instance=customer, changed_fields=RESTRICTION_FIELDS, actor=actor, client_ip=client_ip
    )
    return customer


@transaction.atomic
def customer_restriction_lift(
    *,
    customer: Customer,
    person_told_on: date | None,
    actor: User | None,
    client_ip: str | None = None,
) -> Customer:
    """Art 18(3): a restriction is lifted only after the person was told, so the day they
    were told is required and is recorded on the customer (in the restriction reason)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        # The shell of an erased customer stays restricted until its hold ends.
        raise ValidationError(_("This customer has been erased."), code="erased")
    if not customer.restricted:
        raise ValidationError(_("Processing is not restricted."), code="not_restricted")
    today = helsinki_today()
    if person_told_on is None:
        raise ValidationError(
            {
                "person_told_on": _(
                    "Record the day the person was told that the restriction will be lifted "
                    "(GDPR Art 18(3))."
                )
            },
            code="required",
        )
    restricted_on = timezone.localdate(customer.restricted_at) if customer.restricted_at else None
    if person_told_on > today or (restricted_on and person_told_on < restricted_on):
        raise ValidationError(
            {
                "person_told_on": _(
                    "The person must be told after the restriction began and before it is lifted."
                )
            },
            code="invalid",
        )
    customer.restricted = False
    customer.restricted_at = None
    customer.restriction_reason = (
        f"Restriction lifted on {today.isoformat()}; the person was told on "
        f"{person_told_on.isoformat()} (GDPR Art 18(3))."
    )
    audited_save(
        instance=customer, changed_fields=RESTRICTION_FIELDS, actor=actor, client_ip=client_ip
    )
    return customer
