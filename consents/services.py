"""Writes of the consents app. Each is atomic, keyword-only and audited by field names;
the ledger only ever gains events here (Art 7(1): the proof must hold), except through
`consent_events_erase`, which the erasure service calls (Art 17)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core import signing
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
from customers import csvio
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


# -- Unsubscribe links ------------------------------------------------------------------------

UNSUBSCRIBE_SALT = "consents.unsubscribe"


def unsubscribe_token(*, customer: Customer, purpose: Purpose) -> str:
    """A signed token naming one customer and purpose; it needs no expiry (an old message's
    link must still work) but cannot be altered or forged without SECRET_KEY."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        {"c": str(customer.public_id), "p": purpose.key}, compress=False
    )


@dataclass(frozen=True)
class UnsubscribeTarget:
    customer: Customer
    purpose: Purpose


class InvalidToken(Exception):
    pass


def unsubscribe_target(token: str) -> UnsubscribeTarget:
    """The customer and purpose a token names; InvalidToken for anything else."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
        customer = Customer.objects.get(public_id=data["c"])
        purpose = Purpose.objects.get(key=data["p"])
    except (
        signing.BadSignature,
        ValueError,
        TypeError,
        KeyError,
        ValidationError,
        Customer.DoesNotExist,
        Purpose.DoesNotExist,
    ):
        raise InvalidToken from None
    return UnsubscribeTarget(customer, purpose)


def unsubscribe_url(*, customer: Customer, purpose: Purpose) -> str:
    from django.conf import settings
    from django.urls import reverse

    token = unsubscribe_token(customer=customer, purpose=purpose)
    return settings.SITE_URL + reverse("consents:unsubscribe", args=[token])


@transaction.atomic
def unsubscribe(
    *, target: UnsubscribeTarget, one_click: bool, client_ip: str | None = None
) -> ConsentEvent | None:
    """Withdraw through an unsubscribe link (no login: the signed token is the proof).
    None when there was nothing left to withdraw."""
    state = consent_state(customer=target.customer, purpose=target.purpose)
    if state in (ConsentEvent.Kind.WITHDRAW, ConsentEvent.Kind.OBJECTION):
        return None
    if state is None and not target.purpose.is_opt_out and target.customer.is_person:
        return None  # a person who never consented has nothing to withdraw
    return consent_withdraw(
        customer=target.customer,
        purpose=target.purpose,
        channel=ConsentEvent.Channel.EMAIL,
        method=ConsentEvent.Method.ONE_CLICK if one_click else ConsentEvent.Method.UNSUBSCRIBE_LINK,
        actor=None,
        client_ip=client_ip,
    )


# -- Marketing email and the audience export -------------------------------------------------


def marketing_email_build(
    *,
    customer: Customer,
    purpose: Purpose,
    subject: str,
    body: str,
    from_email: str | None = None,
) -> Any:
    """A marketing message carrying its own unsubscribe link in the RFC 2369/8058 headers,
    so a mail client's unsubscribe button lands in the ledger."""
    from django.core.mail import EmailMessage

    url = unsubscribe_url(customer=customer, purpose=purpose)
    return EmailMessage(
        subject=subject,
        body=f"{body}\n\n{url}",
        from_email=from_email,
        to=[customer.email],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


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
