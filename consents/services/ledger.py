"""The consent ledger: state reads, consents given, withdrawn and objected to, and event erasure."""

from collections.abc import Iterable
from typing import Any

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
from customers.models import Customer, SocialMediaProfile
from privacy.audit import audit_event_record, audited_save
from privacy.models import AuditEvent

EVENT_FIELDS = ["customer", "purpose", "text", "kind", "channel", "method"]


# -- State ------------------------------------------------------------------------------------


def consent_state(*, customer: Customer, purpose: Purpose) -> str | None:
    """The kind of the customer's latest event for the purpose, or None without events."""
    return (
        ConsentEvent.objects.filter(customer=customer, purpose=purpose)
        .order_by("-occurred_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def consent_states(*, customer: Customer) -> dict[int, str]:
    """The latest event kind per purpose id for one customer, in one query."""
    latest = (
        ConsentEvent.objects.filter(customer=customer, purpose=models.OuterRef("pk"))
        .order_by("-occurred_at", "-id")
        .values("kind")[:1]
    )
    return {
        pk: kind
        for pk, kind in Purpose.objects.annotate(state=models.Subquery(latest)).values_list(
            "pk", "state"
        )
        if kind is not None
    }


def objection_in_force(*, customer: Customer) -> bool:
    """An objection (Art 21) with no consent given after it."""
    last_objection = (
        ConsentEvent.objects.filter(customer=customer, kind=ConsentEvent.Kind.OBJECTION)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if last_objection is None:
        return False
    return not ConsentEvent.objects.filter(
        customer=customer, kind=ConsentEvent.Kind.GRANT, occurred_at__gt=last_objection
    ).exists()


# -- Recording events ---------------------------------------------------------------------


def _current_text(purpose: Purpose, text: ConsentText | None) -> ConsentText:
    current = purpose.current_text()
    if current is None:
        raise ValidationError(_("This purpose has no published consent text yet."), code="no_text")
    if text is not None and text.pk != current.pk:
        # The person saw an older version: a consent to words no longer in force proves
        # nothing about the current ones, so they must see the new text first.
        raise ValidationError(
            {"text": _("The consent text has changed. Please read the current text.")},
            code="text_changed",
        )
    return current


def _record(
    *,
    customer: Customer,
    purpose: Purpose,
    kind: str,
    channel: str,
    method: str,
    text: ConsentText | None = None,
    actor: models.Model | None,
    client_ip: str | None,
    note: str = "",
    occurred_at: Any = None,
    **conditions: Any,
) -> ConsentEvent:
    if not purpose.applies_to(customer):
        raise ValidationError(
            {"purpose": _("This purpose is not for this kind of customer.")}, code="audience"
        )
    event = ConsentEvent(
        customer=customer,
        purpose=purpose,
        # A grant names the version the person saw (refused if outdated); other events
        # name the version in force when they happened.
        text=_current_text(purpose, text),
        kind=kind,
        channel=channel,
        method=method,
        occurred_at=occurred_at or timezone.now(),
        actor_id=getattr(actor, "pk", None),
        client_ip=client_ip,
        note=note,
        **conditions,
    )
    return audited_save(
        instance=event,
        actor=actor,
        changed_fields=[*EVENT_FIELDS, *(["note"] if note else []), *conditions],
        client_ip=client_ip,
    )


def _erase_consented_data(
    *,
    customer: Customer,
    purposes: Iterable[Purpose],
    actor: models.Model | None,
    client_ip: str | None,
) -> int:
    """Other data collected with these consents goes with them (notice section 5), and so
    do social media profiles when the social media consent goes (the registry keeps them
    "until the consent is withdrawn")."""
    purposes = list(purposes)
    removed = 0
    collections: list[models.QuerySet] = [
        ConsentedDatum.objects.filter(customer=customer, purpose__in=purposes)
    ]
    if any(p.registry_purpose == "social_media" for p in purposes):
        collections.append(SocialMediaProfile.objects.filter(customer=customer))
    for queryset in collections:
        count, _by_model = queryset.delete()
        if count:
            audit_event_record(
                action=AuditEvent.Action.DELETE,
                actor=actor,
                object_type=queryset.model._meta.label_lower,
                object_id=customer.pk,
                row_count=count,
                client_ip=client_ip,
            )
        removed += count
    return removed


def _lock(customer: Customer) -> Customer:
    # Serialises two clicks on the same customer, so the "latest" event is well defined.
    return Customer.objects.select_for_update().get(pk=customer.pk)


@transaction.atomic
def consent_give(
    *,
    customer: Customer,
    purpose: Purpose,
    text: ConsentText | None = None,
    channel: str = ConsentEvent.Channel.WEB,
    method: str = ConsentEvent.Method.PORTAL,
    actor: models.Model | None,
    client_ip: str | None = None,
    note: str = "",
) -> ConsentEvent:
    """Record a consent to the text version the person was shown (Art 7(1))."""
    customer = _lock(customer)
    if not purpose.active:
        raise ValidationError({"purpose": _("This purpose is no longer in use.")}, code="inactive")
    if customer.restricted:
        raise ValidationError(
            _("Processing of this customer's data is restricted (GDPR Art 18)."),
            code="restricted",
        )
    return _record(
        customer=customer,
        purpose=purpose,
        kind=ConsentEvent.Kind.GRANT,
        channel=channel,
        method=method,
        text=text,
        actor=actor,
        client_ip=client_ip,
        note=note,
    )


@transaction.atomic
def consent_withdraw(
    *,
    customer: Customer,
    purpose: Purpose,
    channel: str = ConsentEvent.Channel.WEB,
    method: str = ConsentEvent.Method.PORTAL,
    actor: models.Model | None,
    client_ip: str | None = None,
    note: str = "",
) -> ConsentEvent:
    """Withdraw a consent (or an organization's opt-out) and, in the same transaction,
    delete the data collected with it (Art 7(3), notice section 5)."""
    customer = _lock(customer)
    event = _record(
        customer=customer,
        purpose=purpose,
        kind=ConsentEvent.Kind.WITHDRAW,
        channel=channel,
        method=method,
        actor=actor,
        client_ip=client_ip,
        note=note,
    )
    _erase_consented_data(customer=customer, purposes=[purpose], actor=actor, client_ip=client_ip)
    return event


def _suppress(customer: Customer) -> list[Suppression]:
    made = []
    for kind, value in (
        (Suppression.Kind.EMAIL, customer.email),
        (Suppression.Kind.BUSINESS_ID, customer.business_id),
    ):
        if value:
            suppression, _created = Suppression.objects.get_or_create(
                digest=suppression_digest(kind, value), defaults={"kind": kind}
            )
            made.append(suppression)
    return made


@transaction.atomic
def consent_object(
    *,
    customer: Customer,
    purpose: Purpose | None = None,
    channel: str = ConsentEvent.Channel.WEB,
    method: str = ConsentEvent.Method.PORTAL,
    actor: models.Model | None,
    client_ip: str | None = None,
    note: str = "",
) -> list[ConsentEvent]:
    """An objection to direct marketing (Art 21(2)-(3)): absolute, so it is recorded for
    every purpose the customer could be contacted for (`purpose` is where it was made, if
    anywhere), their consented data goes, and their email and Y-tunnus are suppressed so
    that no re-import makes them contactable again."""
    customer = _lock(customer)
    purposes = [p for p in Purpose.objects.filter(active=True) if p.applies_to(customer)]
    if purpose is not None and purpose not in purposes:
        purposes.append(purpose)
    purposes = [p for p in purposes if p.current_text() is not None]
    if not purposes:
        raise ValidationError(_("There is nothing to object to yet."), code="no_purposes")
    now = timezone.now()
    events = [
        _record(
            customer=customer,
            purpose=p,
            kind=ConsentEvent.Kind.OBJECTION,
            channel=channel,
            method=method,
            actor=actor,
            client_ip=client_ip,
            note=note,
            occurred_at=now,
        )
        for p in purposes
    ]
    _erase_consented_data(customer=customer, purposes=purposes, actor=actor, client_ip=client_ip)
    suppressions = _suppress(customer)
    if suppressions:
        audit_event_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            object_type=Suppression._meta.label_lower,
            changed_fields=sorted({s.kind for s in suppressions}),
            row_count=len(suppressions),
            client_ip=client_ip,
        )
    return events


# -- Erasure --------------------------------------------------------------------------------


@transaction.atomic
def consent_events_erase(*, customer: Customer, actor: models.Model | None) -> int:
    """Delete the customer's consent events: the one path that may (Art 17, called by the
    erasure service). Someone who objected keeps only a suppression (a keyed hash)."""
    events = ConsentEvent.objects.filter(customer=customer)
    if events.filter(kind=ConsentEvent.Kind.OBJECTION).exists():
        _suppress(customer)
    count, _by_model = events._erase()
    audit_event_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        object_type=ConsentEvent._meta.label_lower,
        object_id=customer.pk,
        row_count=count,
    )
    return count
