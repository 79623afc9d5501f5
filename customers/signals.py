"""Receivers for allauth's signals, where its adapter offers no hook. They only hand over
to a service; the rules stay in customers/services.py."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import authentication_step_completed, email_changed
from django.dispatch import receiver
from django.http import HttpRequest

from customers import services
from privacy.http import client_ip


@receiver(email_changed)
def sync_customer_email(
    sender: Any,
    request: HttpRequest | None,
    user: Any,
    from_email_address: EmailAddress | None,
    to_email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    if to_email_address.verified:
        services.customer_email_sync(
            user=user, email=to_email_address.email, actor=user, client_ip=client_ip(request)
        )


@receiver(authentication_step_completed)
def new_session_id_after_each_step(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A fresh session id after the password, the TOTP code and every reauthentication
    (ASVS 5.0 V7.2): a session id seen before a step is worthless after it."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session.cycle_key()
