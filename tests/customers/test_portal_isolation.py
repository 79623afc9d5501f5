"""The portal's isolation matrix (issue 4, "Done when"): Alice must never reach Charlie's
data or the organization she is not authorized for, whatever id a URL or form names.

Two customers (Alice, Charlie) and two companies: Kivikko (Alice is its admin) and
Saaristo (only Charlie acts for it, and it holds real data: billing profile, purchase,
Charlie's social media profile). Every portal URL that takes an id is requested as Alice
with the other side's ids in every method; each answer is a 404 that shows nothing of the
other side and changes nothing in the database, the audit log included.
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from allauth.account.models import EmailAddress
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, reverse

from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    SocialMediaProfile,
    User,
    helsinki_today,
)
from privacy.models import AuditEvent, DataSubjectRequest
from privacy.portal import urls as portal_urls
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Every URL of the portal namespace, by how it names its object. A new portal URL fails
# test_every_portal_url_is_in_the_matrix until it is placed here (and so tested).
ORGANIZATION_URLS = ("organization", "organization-edit", "organization-billing")
STATIC_URLS = ("home", "profile", "rectify", "export", "requests")
REAUTH_URLS = ("export-json", "export-zip", "erasure")
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")

# Rows whose every column is compared before and after each request.
SNAPSHOT_MODELS: tuple[type[models.Model], ...] = (
    User,
    EmailAddress,
    Customer,
    BillingProfile,
    Authorization,
    Purchase,
    SocialMediaProfile,
    DataSubjectRequest,
    AuditEvent,
)

Snapshot = dict[str, list[dict[str, Any]]]


def snapshot() -> Snapshot:
    return {
        model._meta.label_lower: list(model._default_manager.order_by("pk").values())
        for model in SNAPSHOT_MODELS
    }


@dataclass
class World:
    alice: Customer
    charlie: Customer
    company: Customer
    other_company: Customer
    other_billing: BillingProfile
    other_purchase: Purchase
    charlie_social: SocialMediaProfile
    # What the other side holds: none of it may appear in anything Alice receives.
    secrets: tuple[str, ...]

    def foreign_ids(self) -> dict[str, str]:
        """Ids Alice must never reach an organization through, by what they are."""
        other = str(self.other_company.public_id)
        return {
            "other company": other,
            "other company, upper case": other.upper(),
            "other company, no hyphens": other.replace("-", ""),
            "other company, urn": f"urn:uuid:{other}",
            "charlie": str(self.charlie.public_id),
            # Alice's own person record is not an organization she acts for.
            "alice herself": str(self.alice.public_id),
            "random uuid": str(uuid4()),
            "other company's pk": str(self.other_company.pk),
            "other company's business id": self.other_company.business_id,
            "malformed": "not-a-uuid",
            "nil uuid": "00000000-0000-0000-0000-000000000000",
        }

    def hostile_fields(self) -> dict[str, str]:
        """Extra POST fields naming the other side and privileges."""
        return {
            "is_staff": "on",
            "is_superuser": "on",
            "customer": str(self.charlie.pk),
            "customer_id": str(self.other_company.pk),
            "person": str(self.charlie.pk),
            "organization_id": str(self.other_company.pk),
            "public_id": str(self.charlie.public_id),
            "user": str(self.charlie.user_id),
            "user_id": str(self.charlie.user_id),
            "id": str(self.other_billing.pk),
            "pk": str(self.charlie.pk),
            "kind": Customer.Kind.ORGANIZATION,
            "business_id": "0737546-2",
            "email": "charlie@example.com",
            "notes": "hijacked",
            "restricted": "on",
            "source": DataSource.IMPORT,
        }


@pytest.fixture
def world(
    alice: Customer,
    charlie: Customer,
    company: Customer,
    other_company: Customer,
    product: Product,
) -> World:
    other_company.phone = "02 274 3300"
    other_company.street_address = "Satamakatu 4"
    other_company.full_clean()
    other_company.save()
    Authorization.objects.create(
        person=charlie,
        organization=other_company,
        role=Authorization.Role.ADMIN,
        valid_from=date(2025, 1, 1),
        granted_by="Saaristo, toimitusjohtaja",
        evidence="Kaupparekisteriote Saaristo",
        source=DataSource.CONTRACT,
    )
    billing = BillingProfile(
        customer=other_company,
        e_invoice_address="003707375462",
        operator_id="003721291126",
        invoicing_email="laskut@saaristo.example",
        street_address="PL 101",
        postal_code="20101",
        city="Turku",
        buyer_reference="SAAR-991",
        source=DataSource.MEETING,
    )
    billing.full_clean()
    billing.save()
    purchase = Purchase.objects.create(
        customer=other_company,
        product=product,
        purchased_by=charlie,
        purchased_on=date(2025, 5, 20),
        amount=Decimal("690.00"),
        invoice_number="2025-SAAR-777",
        source=DataSource.CONTRACT,
    )
    social = SocialMediaProfile.objects.create(
        customer=charlie,
        platform=SocialMediaProfile.Platform.LINKEDIN,
        handle="charlie-carlsson-secret",
        url="https://www.linkedin.com/in/charlie-carlsson-secret",
        collected_from="Saaristo's LinkedIn page",
        source=DataSource.SOCIAL_MEDIA,
    )
    charlie.refresh_from_db()
    other_company.refresh_from_db()
    secrets = (
        "Charlie",
        "Carlsson",
        "charlie@example.com",
        charlie.phone,  # +358501234567
        "Saaristo",
        other_company.business_id,  # 0737546-2
        "07375462",  # the Y-tunnus inside the OVT code and the VAT id
        "toimisto@saaristo.example",
        other_company.phone,  # +35822743300
        "Satamakatu",
        "laskut@saaristo.example",
        "003707375462",
        "SAAR-991",
        "PL 101",
        "2025-SAAR-777",
        "690.00",
        "charlie-carlsson-secret",
        "Kaupparekisteriote Saaristo",
    )
    assert charlie.phone == "+358501234567" and other_company.phone == "+35822743300"
    return World(
        alice=alice,
        charlie=charlie,
        company=company,
        other_company=other_company,
        other_billing=billing,
        other_purchase=purchase,
        charlie_social=social,
        secrets=secrets,
    )


@pytest.fixture(autouse=True)
def no_rate_limits(settings: Any) -> None:
    # The matrix signs in and re-authenticates far more often than a person would.
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


def reauthenticate(client: Client) -> None:
    """allauth's re-authentication (valid 300 s): downloads and erasure need it."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_nothing_of_the_other(world: World, text: str, where: str) -> None:
    leaked = [secret for secret in world.secrets if secret.lower() in text.lower()]
    assert not leaked, f"{where} shows the other side's data: {leaked}"


def request(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    if method in ("get", "head", "options"):
        return getattr(client, method)(path, data or {})
    if method == "post":
        return client.post(path, data or {})
    # PUT/PATCH/DELETE carry a form body like a browser's POST would.
    encoded = "&".join(f"{k}={v}" for k, v in (data or {}).items())
    return getattr(client, method)(path, encoded, content_type="application/x-www-form-urlencoded")


def organization_paths(raw_id: str) -> list[str]:
    # Built by hand: malformed ids cannot go through reverse().
    return [
        f"/portal/organizations/{raw_id}/",
        f"/portal/organizations/{raw_id}/edit/",
        f"/portal/organizations/{raw_id}/billing/",
    ]


def org_payload(world: World) -> dict[str, str]:
    """A valid address and billing form, plus the other side's ids."""
    return {
        "street_address": "Hijacked 1",
        "postal_code": "00100",
        "city": "Helsinki",
        "country": "FI",
        "e_invoice_address": "003701120389",
        "operator_id": "E204503",
        "invoicing_email": "evil@example.com",
        "buyer_reference": "EVIL-1",
        **world.hostile_fields(),
    }


# -- The matrix -----------------------------------------------------------------------------


def test_every_portal_url_is_in_the_matrix() -> None:
    names = {p.name for p in portal_urls.urlpatterns if isinstance(p, URLPattern)}

    assert names == {*ORGANIZATION_URLS, *STATIC_URLS, *REAUTH_URLS}


@pytest.mark.parametrize("method", METHODS)
def test_every_organization_url_answers_404_for_every_foreign_or_malformed_id(
    alice_client: Client, world: World, method: str
) -> None:
    reauthenticate(alice_client)
    before = snapshot()

    for label, raw_id in world.foreign_ids().items():
        for path in organization_paths(raw_id):
            response = request(alice_client, method, path, org_payload(world))
            where = f"{method.upper()} {path} ({label})"
            assert response.status_code == 404, f"{where}: {response.status_code}"
            assert_nothing_of_the_other(world, body(response), where)

    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_a_rectification_naming_a_foreign_or_malformed_organization_answers_404(
    alice_client: Client, world: World, method: str
) -> None:
    before = snapshot()

    for label, raw_id in world.foreign_ids().items():
        response = request(
            alice_client,
            method,
            reverse("portal:rectify"),
            {
                "organization": raw_id,
                "field": "customers.customer.business_id",
                "explanation": "Our business ID is wrong.",
                **(world.hostile_fields() if method == "post" else {}),
            },
        )
        where = f"{method.upper()} rectify organization={raw_id} ({label})"
        assert response.status_code == 404, f"{where}: {response.status_code}"
        assert_nothing_of_the_other(world, body(response), where)

    assert snapshot() == before
    assert not DataSubjectRequest.objects.exists()


def test_my_own_organization_answers_where_the_foreign_one_does_not(
    alice_client: Client, world: World
) -> None:
    # The same requests with Alice's own company succeed, so the 404s above mean scoping.
    for name in ORGANIZATION_URLS:
        response = alice_client.get(reverse(f"portal:{name}", args=[world.company.public_id]))
        assert response.status_code == 200, name
        assert_nothing_of_the_other(world, body(response), name)
    response = alice_client.get(
        reverse("portal:rectify"),
        {"organization": str(world.company.public_id), "field": "customers.customer.name"},
    )
    assert response.status_code == 200
    assert "Kivikko Rakennus Oy" in body(response)


@pytest.mark.parametrize("name", [*STATIC_URLS, *REAUTH_URLS])
def test_pages_without_an_id_ignore_the_other_sides_ids_in_the_query(
    alice_client: Client, world: World, name: str
) -> None:
    reauthenticate(alice_client)
    query = {
        "customer": str(world.charlie.pk),
        "public_id": str(world.charlie.public_id),
        "person": str(world.charlie.pk),
        "user": str(world.charlie.user_id),
        "id": str(world.charlie.pk),
    }
    before = snapshot()

    response = alice_client.get(reverse(f"portal:{name}"), query)

    assert response.status_code == 200, name
    assert_nothing_of_the_other(world, body(response), name)
    after = snapshot()
    if name in ("export-json", "export-zip"):
        # The one expected change: the download is audited, about Alice.
        new = after["privacy.auditevent"][len(before["privacy.auditevent"]) :]
        assert [(e["action"], e["object_id"]) for e in new] == [
            (AuditEvent.Action.EXPORT, str(world.alice.pk))
        ]
        after["privacy.auditevent"] = before["privacy.auditevent"]
    assert after == before


# -- Extra form fields ----------------------------------------------------------------------


def _charlies_side(world: World) -> Snapshot:
    """Every row of the other side, and every account's privileges."""
    return {
        "customers": list(
            Customer.objects.filter(pk__in=[world.charlie.pk, world.other_company.pk])
            .order_by("pk")
            .values()
        ),
        "billing": list(BillingProfile.objects.filter(customer=world.other_company).values()),
        "authorizations": list(
            Authorization.objects.filter(person=world.charlie).order_by("pk").values()
        ),
        "purchases": list(Purchase.objects.filter(pk=world.other_purchase.pk).values()),
        "social": list(SocialMediaProfile.objects.filter(customer=world.charlie).values()),
        "requests": list(DataSubjectRequest.objects.exclude(customer=world.alice).values()),
        "users": list(User.objects.order_by("pk").values("pk", "is_staff", "is_superuser")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
    }


@dataclass
class FormCase:
    name: str
    data: Callable[[World], dict[str, str]]
    # What the POST must have done to Alice's side (the form worked; only the extras
    # were ignored).
    check: Callable[[World], None]
    needs_reauth: bool = False
    organization: bool = False


def _profile_saved(world: World) -> None:
    world.alice.refresh_from_db()
    assert world.alice.city == "Espoo"
    assert world.alice.kind == Customer.Kind.PERSON
    assert world.alice.business_id == ""
    assert world.alice.email == "alice@example.com"
    assert world.alice.notes == ""
    assert world.alice.restricted is False
    assert world.alice.source == DataSource.WEB_FORM
    assert world.alice.user_id != world.charlie.user_id


def _company_saved(world: World) -> None:
    world.company.refresh_from_db()
    assert world.company.street_address == "Hijacked 1"
    assert world.company.kind == Customer.Kind.ORGANIZATION
    assert world.company.business_id == "0112038-9"
    assert world.company.email == "info@kivikko.example"
    assert world.company.notes == ""
    assert world.company.restricted is False


def _billing_saved(world: World) -> None:
    [profile] = BillingProfile.objects.filter(customer=world.company)
    assert profile.buyer_reference == "EVIL-1"
    assert profile.pk != world.other_billing.pk


def _request_of_alice(kind: str) -> Callable[[World], None]:
    def check(world: World) -> None:
        [made] = DataSubjectRequest.objects.all()
        assert made.customer_id == world.alice.pk
        assert made.kind == kind

    return check


FORM_CASES = [
    FormCase(
        "profile",
        lambda w: {
            "name": "Alice Aaltonen",
            "postal_code": "02100",
            "city": "Espoo",
            "country": "FI",
            "language": "en",
            **w.hostile_fields(),
        },
        _profile_saved,
    ),
    FormCase("organization-edit", org_payload, _company_saved, organization=True),
    FormCase("organization-billing", org_payload, _billing_saved, organization=True),
    FormCase(
        "rectify",
        lambda w: {
            "field": "customers.purchase.invoice_number",
            "explanation": "The invoice number is wrong.",
            **w.hostile_fields(),
        },
        _request_of_alice(DataSubjectRequest.Kind.RECTIFICATION),
    ),
    FormCase(
        "requests",
        lambda w: {
            **w.hostile_fields(),
            "kind": "restriction",
            "restriction-details": "Please keep my data unused.",
            "restriction-customer": str(w.charlie.pk),
        },
        _request_of_alice(DataSubjectRequest.Kind.RESTRICTION),
    ),
    FormCase(
        "requests",
        lambda w: {**w.hostile_fields(), "kind": "objection", "objection-details": ""},
        _request_of_alice(DataSubjectRequest.Kind.OBJECTION),
    ),
    FormCase(
        "erasure",
        lambda w: {"confirm": "on", "details": "", **w.hostile_fields()},
        _request_of_alice(DataSubjectRequest.Kind.ERASURE),
        needs_reauth=True,
    ),
]


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.name)
def test_extra_fields_naming_the_other_side_or_privileges_are_ignored(
    alice_client: Client, world: World, case: FormCase
) -> None:
    if case.needs_reauth:
        reauthenticate(alice_client)
    args = [world.company.public_id] if case.organization else []
    other_side = _charlies_side(world)
    events_before = AuditEvent.objects.count()

    response = alice_client.post(reverse(f"portal:{case.name}", args=args), case.data(world))

    assert response.status_code == 302, body(response)
    assert "no-store" in response["Cache-Control"]
    case.check(world)
    assert _charlies_side(world) == other_side
    alice_user = User.objects.get(pk=world.alice.user_id)
    assert not alice_user.is_staff and not alice_user.is_superuser
    # Every event the POST wrote is about Alice's side, by Alice.
    alices_side = {
        ("customers.customer", str(world.alice.pk)),
        ("customers.customer", str(world.company.pk)),
        *(
            ("customers.billingprofile", str(pk))
            for pk in BillingProfile.objects.filter(customer=world.company).values_list(
                "pk", flat=True
            )
        ),
        *(
            ("privacy.datasubjectrequest", str(pk))
            for pk in DataSubjectRequest.objects.filter(customer=world.alice).values_list(
                "pk", flat=True
            )
        ),
    }
    new_events = list(AuditEvent.objects.order_by("pk")[events_before:])
    assert new_events
    for event in new_events:
        assert (event.object_type, event.object_id) in alices_side, event
        assert event.actor_id == world.alice.user_id
    page = alice_client.get(response["Location"])
    assert_nothing_of_the_other(world, body(page), case.name)


# -- Who gets in, and for how long -----------------------------------------------------------


def _all_portal_paths(world: World) -> Iterator[tuple[str, str]]:
    for name in (*STATIC_URLS, *REAUTH_URLS):
        yield name, reverse(f"portal:{name}")
    for name in ORGANIZATION_URLS:
        yield name, reverse(f"portal:{name}", args=[world.company.public_id])


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_portal_url_and_changes_nothing(
    client: Client, world: World, method: str
) -> None:
    before = snapshot()

    for name, path in _all_portal_paths(world):
        response = request(client, method, path, org_payload(world))
        if method == "post" and name in ("home", "export", "export-json", "export-zip"):
            # GET-only pages refuse the method before anything else.
            assert response.status_code == 405, name
        else:
            assert response.status_code == 302, f"{method} {name}: {response.status_code}"
            assert response["Location"].startswith(reverse("account_login")), name
        assert "Alice" not in body(response) and "Kivikko" not in body(response)

    assert snapshot() == before


def test_every_portal_page_alice_can_open_tells_caches_not_to_store_it(
    alice_client: Client, world: World
) -> None:
    reauthenticate(alice_client)

    for name, path in _all_portal_paths(world):
        for method in ("get", "head"):
            if method == "head" and name in REAUTH_URLS[:2]:
                continue  # downloads answer GET only (a HEAD would be audited as one)
            response = request(alice_client, method, path)
            assert response.status_code == 200, f"{method} {name}"
            assert "no-store" in response["Cache-Control"], f"{method} {name}"
    # Pages re-rendered with a form's errors hold what was typed: not stored either.
    response = alice_client.post(reverse("portal:profile"), {"phone": "not a phone"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "opens"),
    [
        (date(2024, 1, 1), -1, False),  # ended yesterday
        (date(2024, 1, 1), 0, True),  # ends today: the end date includes its whole day
        (1, None, False),  # starts tomorrow
    ],
    ids=["ended-yesterday", "ends-today", "starts-tomorrow"],
)
def test_only_an_authorization_in_force_today_opens_the_organization(
    alice_client: Client,
    world: World,
    valid_from: date | int,
    valid_until: int | None,
    opens: bool,
) -> None:
    today = helsinki_today()
    Authorization.objects.filter(person=world.alice, organization=world.company).update(
        valid_from=today + timedelta(days=valid_from)
        if isinstance(valid_from, int)
        else valid_from,
        valid_until=None if valid_until is None else today + timedelta(days=valid_until),
    )
    before = snapshot()

    for method in ("get", "post"):
        for name in ORGANIZATION_URLS:
            path = reverse(f"portal:{name}", args=[world.company.public_id])
            response = request(alice_client, method, path, {"street_address": "Kept 1"})
            if not opens:
                assert response.status_code == 404, f"{method} {name}"
                assert "0112038-9" not in body(response)
            elif method == "get":
                assert response.status_code == 200, name
    rectify = alice_client.get(
        reverse("portal:rectify"),
        {"organization": str(world.company.public_id), "field": "customers.customer.name"},
    )
    assert rectify.status_code == (200 if opens else 404)

    if not opens:
        assert snapshot() == before


# -- Downloads -------------------------------------------------------------------------------


def test_alices_downloads_contain_nothing_of_charlie_or_the_other_company(
    alice_client: Client, world: World, product: Product
) -> None:
    # Charlie also buys for Alice's company: the purchase is the company's, and Alice's
    # copy still names nobody else.
    Authorization.objects.create(
        person=world.charlie,
        organization=world.company,
        role=Authorization.Role.PURCHASER,
        valid_from=date(2025, 1, 1),
        granted_by="Kivikko, CEO",
        evidence="Email",
        source=DataSource.CONTRACT,
    )
    Purchase.objects.create(
        customer=world.company,
        product=product,
        purchased_by=world.charlie,
        purchased_on=date(2025, 6, 1),
        amount=Decimal("77.00"),
        invoice_number="2025-CO-555",
        source=DataSource.CONTRACT,
    )
    # Alice's own purchase for the company, so her copy holds a purchase record too.
    Purchase.objects.create(
        customer=world.company,
        product=product,
        purchased_by=world.alice,
        purchased_on=date(2025, 3, 1),
        amount=Decimal("1480.00"),
        invoice_number="2025-001",
        source=DataSource.CONTRACT,
    )
    reauthenticate(alice_client)

    json_text = body(alice_client.get(reverse("portal:export-json")))
    archive = zipfile.ZipFile(io.BytesIO(alice_client.get(reverse("portal:export-zip")).content))

    data = json.loads(json_text)
    assert data["customer"] == str(world.alice.public_id)
    assert "alice@example.com" in json_text and "2025-001" in json_text
    assert_nothing_of_the_other(world, json_text, "JSON download")
    assert "2025-CO-555" not in json_text
    assert str(world.charlie.public_id) not in json_text
    assert len(archive.namelist()) > 3
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        assert_nothing_of_the_other(world, text, f"zip: {name}")
        assert "2025-CO-555" not in text, name
        assert str(world.charlie.public_id) not in text, name
    # And the organization page shows the company's purchases without naming Charlie.
    html = body(alice_client.get(reverse("portal:organization", args=[world.company.public_id])))
    assert "2025-CO-555" in html
    assert_nothing_of_the_other(world, html, "Alice's organization page")
