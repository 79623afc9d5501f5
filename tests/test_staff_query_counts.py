"""No N+1 on the staff side: every admin list and change page a role uses costs the same
number of queries when a customer's purchases, consents, authorizations and audit events
grow tenfold (from 2 to 20 each)."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents import services as consent_services
from consents.models import ConsentEvent, Purpose
from customers import roles
from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    SocialMediaProfile,
)
from privacy.audit import audit_event_record
from privacy.models import AuditEvent, DataSubjectRequest, Disclosure, Recipient
from privacy.services import disclosure_record, request_create


@dataclass
class History:
    """Alice (a person, authorized for organizations) and her company (authorized people,
    purchases), each with a history that `grow_to` lengthens."""

    alice: Customer
    company: Customer
    product: Product
    newsletter: Purpose  # for people
    b2b_marketing: Purpose  # for organizations
    purchases: int = 0
    consents: int = 0
    authorizations: int = 0
    audit_events: int = 0

    def grow_to(self, n: int) -> None:
        for i in range(self.purchases, n):
            Purchase.objects.create(
                customer=self.company,
                product=self.product,
                purchased_by=self.alice,
                purchased_on=date(2025, 1, 1 + i),
                amount=Decimal("100.00"),
                invoice_number=f"2025-{i:03}",
                source=DataSource.CONTRACT,
            )
        self.purchases = max(self.purchases, n)
        for i in range(self.consents, n):
            give_or_withdraw = (
                consent_services.consent_withdraw if i % 2 else consent_services.consent_give
            )
            give_or_withdraw(customer=self.alice, purpose=self.newsletter, actor=None)
            give_or_withdraw(customer=self.company, purpose=self.b2b_marketing, actor=None)
        self.consents = max(self.consents, n)
        for i in range(self.authorizations, n):
            self._authorize(
                person=_customer(name=f"Person {i}", kind=Customer.Kind.PERSON),
                organization=self.company,
            )
            self._authorize(
                person=self.alice,
                organization=_customer(name=f"Company {i} AB", kind=Customer.Kind.ORGANIZATION),
            )
        self.authorizations = max(self.authorizations, n)
        for _ in range(self.audit_events, n):
            for customer in (self.alice, self.company):
                audit_event_record(action=AuditEvent.Action.VIEW, actor=None, obj=customer)
        self.audit_events = max(self.audit_events, n)

    def _authorize(self, *, person: Customer, organization: Customer) -> None:
        Authorization.objects.create(
            person=person,
            organization=organization,
            role=Authorization.Role.PURCHASER,
            valid_from=date(2025, 1, 1),
            granted_by="CEO",
            evidence="Email",
            source=DataSource.CONTRACT,
        )


def _customer(*, name: str, kind: str) -> Customer:
    # Swedish, so an organization needs no Y-tunnus.
    return Customer.objects.create(name=name, kind=kind, country="SE", source=DataSource.PHONE)


@pytest.fixture
def history(alice: Customer, company: Customer, product: Product) -> History:
    call_command("setup_consents", stdout=io.StringIO())
    BillingProfile.objects.create(
        customer=company,
        invoicing_email="laskut@kivikko.example",
        country="FI",
        source=DataSource.CONTRACT,
    )
    SocialMediaProfile.objects.create(
        customer=company,
        platform=SocialMediaProfile.Platform.LINKEDIN,
        handle="kivikko",
        collected_from="The company's LinkedIn page",
        source=DataSource.SOCIAL_MEDIA,
    )
    request_create(
        customer=alice,
        kind=DataSubjectRequest.Kind.ACCESS,
        channel=DataSubjectRequest.Channel.EMAIL,
        actor=None,
    )
    disclosure_record(
        recipient=Recipient.objects.get(),
        customers=[alice, company],
        categories=["identity"],
        basis=Disclosure.Basis.CONTRACT,
        purpose="Course enrolment",
        disclosed_at=datetime(2025, 3, 1, tzinfo=UTC),
        actor=None,
    )
    return History(
        alice=alice,
        company=company,
        product=product,
        newsletter=Purpose.objects.get(key="newsletter"),
        b2b_marketing=Purpose.objects.get(key="b2b_marketing"),
    )


def _admin(model: type, view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _first(model: type, **lookup: object) -> int:
    return model.objects.filter(**lookup).order_by("pk").values_list("pk", flat=True)[0]


# (role, page): each page as the roles that use it; a page's address is worked out once
# the history exists.
PAGES: list[tuple[str, str, Callable[[History], str]]] = [
    *(
        (role, f"customer list as {role}", lambda h: _admin(Customer, "changelist"))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (role, f"company's page as {role}", lambda h: _admin(Customer, "change", h.company.pk))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO, roles.SALES)
    ),
    *(
        (role, f"Alice's page as {role}", lambda h: _admin(Customer, "change", h.alice.pk))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (role, f"purchase list as {role}", lambda h: _admin(Purchase, "changelist"))
        for role in (roles.SALES, roles.DPO)
    ),
    *(
        (
            role,
            f"purchase page as {role}",
            lambda h: _admin(Purchase, "change", _first(Purchase, customer=h.company)),
        )
        for role in (roles.SALES, roles.DPO)
    ),
    *(
        (role, f"authorization list as {role}", lambda h: _admin(Authorization, "changelist"))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (
            role,
            f"authorization page as {role}",
            lambda h: _admin(Authorization, "change", _first(Authorization, person=h.alice)),
        )
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (role, f"billing profile list as {role}", lambda h: _admin(BillingProfile, "changelist"))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (
            role,
            f"billing profile page as {role}",
            lambda h: _admin(BillingProfile, "change", _first(BillingProfile)),
        )
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (
            role,
            f"social media profile list as {role}",
            lambda h: _admin(SocialMediaProfile, "changelist"),
        )
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (role, f"consent event list as {role}", lambda h: _admin(ConsentEvent, "changelist"))
        for role in (roles.CUSTOMER_SERVICE, roles.MARKETING, roles.DPO)
    ),
    *(
        (
            role,
            f"consent event page as {role}",
            lambda h: _admin(ConsentEvent, "change", _first(ConsentEvent, customer=h.alice)),
        )
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    *(
        (role, f"request list as {role}", lambda h: _admin(DataSubjectRequest, "changelist"))
        for role in (roles.CUSTOMER_SERVICE, roles.DPO)
    ),
    (
        roles.DPO,
        "request page as DPO",
        lambda h: _admin(DataSubjectRequest, "change", _first(DataSubjectRequest)),
    ),
    (roles.DPO, "disclosure list as DPO", lambda h: _admin(Disclosure, "changelist")),
    (
        roles.DPO,
        "disclosure page as DPO",
        lambda h: _admin(Disclosure, "change", _first(Disclosure)),
    ),
    (roles.DPO, "audit log as DPO", lambda h: _admin(AuditEvent, "changelist")),
    (
        roles.DPO,
        "audit event page as DPO",
        lambda h: _admin(AuditEvent, "change", _first(AuditEvent, object_id=str(h.alice.pk))),
    ),
]


def _queries(client: Client, url: str) -> int:
    client.get(url)  # caches (content types, the session's user) warm, as in use
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize(("role", "label", "page"), PAGES, ids=[label for _, label, _ in PAGES])
def test_a_staff_page_costs_the_same_queries_when_a_history_grows_tenfold(
    role: str,
    label: str,
    page: Callable[[History], str],
    history: History,
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(role)
    history.grow_to(2)
    url = page(history)
    small = _queries(client, url)

    history.grow_to(20)
    large = _queries(client, url)

    assert large == small, f"{label}: {small} queries at 2 each, {large} at 20"


def test_the_whole_history_is_on_the_pages_measured(history: History) -> None:
    history.grow_to(20)

    assert Purchase.objects.filter(customer=history.company).count() == 20
    # Alice's authorization for her company (conftest) and the twenty grown here.
    assert Authorization.objects.filter(organization=history.company).count() == 21
    assert Authorization.objects.filter(person=history.alice).count() == 21
    assert ConsentEvent.objects.filter(customer=history.alice).count() == 20
    assert (
        AuditEvent.objects.filter(
            object_type="customers.customer", object_id=str(history.alice.pk)
        ).count()
        >= 20
    )
