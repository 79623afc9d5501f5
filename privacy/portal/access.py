"""Who the signed-in person is in the register, and what they may reach: every portal view
goes through `portal_view`, and every organization through `organization_for`, so an
object that is not theirs answers 404 whatever the URL or form says."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from customers.models import Authorization, Customer, User


def portal_customer(user: User) -> Customer | None:
    """The customer record linked to the signed-in account, if the link exists yet."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user).first()


def portal_view[**P](
    view: Callable[Concatenate[HttpRequest, Customer, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed in, linked to a customer (passed to the view), and never stored by a browser
    or proxy cache: every portal page holds personal data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        customer = portal_customer(request.user)
        if customer is None:
            # An account links to a person only through a verified email that matches
            # exactly one record; until then it sees nobody's data.
            return render(request, "privacy/portal/pending.html")
        return view(request, customer, *args, **kwargs)

    return never_cache(login_required(wrapper))


@dataclass(frozen=True)
class OrganizationAccess:
    organization: Customer
    authorizations: list[Authorization]

    @property
    def roles(self) -> set[str]:
        return {a.role for a in self.authorizations}

    @property
    def can_edit(self) -> bool:
        return Authorization.Role.ADMIN in self.roles

    @property
    def can_see_purchases(self) -> bool:
        return bool(self.roles & {Authorization.Role.ADMIN, Authorization.Role.PURCHASER})

    @property
    def can_see_billing(self) -> bool:
        return bool(self.roles & {Authorization.Role.ADMIN, Authorization.Role.BILLING})


def organization_for(customer: Customer, public_id: UUID) -> OrganizationAccess:
    """The organization `customer` holds an active authorization for, or 404."""
    authorizations = list(
        Authorization.objects.active()
        .filter(person=customer, organization__public_id=public_id)
        .select_related("organization")
        .order_by("role")
    )
    if not authorizations:
        raise Http404("No such organization")
    return OrganizationAccess(authorizations[0].organization, authorizations)
