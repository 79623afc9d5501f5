"""The portal and the personal downloads cost the same number of queries however much a
person holds (issue 11): every page is measured with two and then with twenty of each of
Alice's purchases, consent events, authorizations, disclosures and audit events.

The pages come from privacy/portal/urls.py itself, so a new page is measured too.
"""

import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse

from consents.models import ConsentEvent, Purpose
from customers.models import Authorization, Customer, DataSource, Product, Purchase, User
from privacy.audit import audit_event_record
from privacy.models import AuditEvent, Disclosure, Recipient
from privacy.portal import urls as portal_urls
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def portal_page_urls(organization: Customer) -> dict[str, str]:
    """Every page of the portal's URLconf, an organization's pages for `organization`."""
    urls = {}
    for pattern in portal_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        name = f"{portal_urls.app_name}:{pattern.name}"
        kwargs = (
            {"public_id": organization.public_id}
            if "public_id" in pattern.pattern.converters
            else {}
        )
        urls[name] = reverse(name, kwargs=kwargs)
    return urls


def query_counts(client: Client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)
    # The downloads and the erasure page ask for the password again.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def add_records(
    alice: Customer, company: Customer, product: Product, recipient: Recipient, dpo: User
) -> Callable[[int], None]:
    """Give Alice `n` more of each kind of record the portal shows."""
    call_command("setup_consents", stdout=io.StringIO())
    purposes = list(Purpose.objects.filter(audience__in=["people", "both"]).order_by("pk"))
    made = {"count": 0}

    def add(n: int) -> None:
        for _ in range(n):
            made["count"] += 1
            i = made["count"]
            # Her own purchases and those she made for her company, in turn.
            Purchase.objects.create(
                customer=alice if i % 2 else company,
                purchased_by=alice,
                product=product,
                purchased_on=date(2025, 1, 1) + timedelta(days=i),
                amount=Decimal("10.00") + i,
                invoice_number=f"2025-{i:03}",
                source=DataSource.CONTRACT,
            )
            purpose = purposes[i % len(purposes)]
            ConsentEvent.objects.create(
                customer=alice,
                purpose=purpose,
                text=purpose.current_text(),
                kind=ConsentEvent.Kind.GRANT if i % 2 else ConsentEvent.Kind.WITHDRAW,
                channel=ConsentEvent.Channel.WEB,
                method=ConsentEvent.Method.PORTAL,
            )
            organization = Customer.objects.create(
                kind=Customer.Kind.ORGANIZATION,
                name=f"Organization {i} AB",
                country="SE",
                source=DataSource.CONTRACT,
            )
            Authorization.objects.create(
                person=alice,
                organization=organization,
                role=Authorization.Role.VIEWER,
                valid_from=date(2025, 1, 1),
                granted_by="CEO",
                evidence="Email",
                source=DataSource.CONTRACT,
            )
            disclosure = Disclosure.objects.create(
                recipient=recipient,
                categories=["identity", "email"],
                basis="f",
                purpose="Course delivery",
                disclosed_at=organization.created_at,
            )
            disclosure.customers.add(alice)
            # Staff looking at her record, and her own doings elsewhere.
            audit_event_record(action=AuditEvent.Action.VIEW, actor=dpo, obj=alice)
            audit_event_record(
                action=AuditEvent.Action.CREATE,
                actor=alice.user,
                object_type="consents.consentevent",
                object_id=i,
                changed_fields=["kind", "purpose"],
            )

    return add


def test_no_portal_page_or_download_costs_more_queries_when_the_persons_data_grows_tenfold(
    alice_client: Client, company: Customer, add_records: Callable[[int], None]
) -> None:
    urls = portal_page_urls(company)
    assert {"portal:home", "portal:export-json", "portal:export-zip"} <= set(urls)
    add_records(2)
    query_counts(alice_client, urls)  # the first visit fills caches (content types etc.)

    with_two = query_counts(alice_client, urls)
    add_records(18)
    with_twenty = query_counts(alice_client, urls)

    assert with_twenty == with_two
