"""allauth bent to the register through its adapter (never by subclassing its views).

A portal account reaches a customer record only through a verified email address
(issue 4): the link is made when an address is verified, and again at login for the
verification paths that bypass `confirm_email`.
"""

from contextlib import nullcontext
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import translation

from customers import services
from customers.models import Customer, User
from privacy.http import client_ip
from privacy.models import NoticeVersion


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # The signup page links the current privacy notice, so a new account has been
        # shown it: no "the notice has changed" banner on the first page.
        user.notice_version_seen = (
            NoticeVersion.objects.published().values_list("number", flat=True).first()
        )
        return super().save_user(request, user, form, commit)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            user = User.objects.get(pk=email_address.user_id)
            services.portal_account_link(
                user=user,
                email=email_address.email,
                # The account holder proved the address: the link is their own doing.
                actor=user,
                client_ip=client_ip(request),
            )
        return confirmed

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        # allauth also verifies addresses where confirm_email is not called (login or
        # password reset by emailed code, the admin's "mark verified" action); an account
        # signing in without a customer gets its link here. Unverified addresses link
        # nothing (the service checks), and mandatory verification keeps them out anyway.
        if isinstance(user, User):
            services.portal_account_link_verified(
                user=user, actor=user, client_ip=client_ip(request)
            )

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Write to a known customer in the language on their record (DESIGN.md, "Look and
        feel"); anyone else gets the language they are using the site in."""
        language = self._customer_language(email, context)
        with translation.override(language) if language else nullcontext():
            super().send_mail(template_prefix, email, context)

    def _customer_language(self, email: str, context: dict[str, Any]) -> str | None:
        user = context.get("user")
        if not isinstance(user, User):
            address = (
                EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
            )
            user = address.user if address is not None else None
        if user is None or user.pk is None:
            return None
        customer = Customer.objects.filter(user=user).only("language").first()
        return customer.language if customer is not None else None
