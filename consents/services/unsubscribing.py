"""Signed unsubscribe tokens and links, unsubscribing, and marketing emails that carry the link."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from consents.models import ConsentEvent, Purpose
from consents.services.ledger import consent_state, consent_withdraw
from customers.models import Customer

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


# -- Marketing email ------------------------------------------------------------------------


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
