"""The self-service portal (issue 4): all my data, corrections, downloads and requests.

Each test checks the response, the database afterwards and the audit log. The full
Alice/Charlie 404 matrix and the browser journey live in their own modules.
"""

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    helsinki_today,
)
from privacy import registry
from privacy.erasure import erasure_preview
from privacy.models import AuditEvent, DataSubjectRequest
from privacy.subject_data import REDACTED
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STATIC_PAGES = [
    "portal:home",
    "portal:profile",
    "portal:rectify",
    "portal:export",
    "portal:requests",
]


def _english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = _english(Client())
    client.force_login(alice.user)
    return client


@pytest.fixture
def charlie_client(charlie: Customer) -> Client:
    client = _english(Client())
    client.force_login(charlie.user)
    return client


def reauthenticate(client: Client) -> None:
    """What a person does when allauth asks for the password again."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def authorize(company: Customer) -> Callable[..., Authorization]:
    def grant(person: Customer, role: str, organization: Customer | None = None, **extra):
        extra.setdefault("valid_from", date(2025, 1, 1))
        return Authorization.objects.create(
            person=person,
            organization=organization or company,
            role=role,
            granted_by="CEO",
            evidence="Email",
            source=DataSource.CONTRACT,
            **extra,
        )

    return grant


def _org_urls(organization: Customer) -> list[str]:
    return [
        reverse(name, args=[organization.public_id])
        for name in (
            "portal:organization",
            "portal:organization-edit",
            "portal:organization-billing",
        )
    ]


def _events(action: str, obj: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# -- Who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/portal/",
        "/portal/profile/",
        "/portal/rectify/",
        f"/portal/organizations/{uuid4()}/",
        f"/portal/organizations/{uuid4()}/edit/",
        f"/portal/organizations/{uuid4()}/billing/",
        "/portal/export/",
        "/portal/export/json/",
        "/portal/export/zip/",
        "/portal/requests/",
        "/portal/requests/erasure/",
    ],
)
def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_portal_url(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_account_without_a_customer_record_sees_the_pending_page_and_no_data(
    client, make_user, alice
):
    client.force_login(make_user("newcomer@example.com"))
    _english(client)

    for name in [*STATIC_PAGES, "portal:export-json", "portal:erasure"]:
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "not linked to customer data yet" in response.content.decode()
        assert "Alice" not in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_every_portal_page_tells_caches_not_to_store_it(alice_client, alice, company):
    reauthenticate(alice_client)
    names = [*STATIC_PAGES, "portal:export-json", "portal:export-zip", "portal:erasure"]
    paths = [reverse(name) for name in names] + _org_urls(company)

    for path in paths:
        response = alice_client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path


def test_portal_pages_have_no_inline_scripts_or_styles(alice_client, company):
    for path in [reverse(name) for name in STATIC_PAGES] + _org_urls(company):
        html = alice_client.get(path).content.decode()
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html


# -- All my data ---------------------------------------------------------------------------------


def test_all_my_data_shows_each_category_with_its_source_purposes_retention_and_recipients(
    alice_client, alice, purchase, company
):
    html = alice_client.get(reverse("portal:home")).content.decode()

    for category in (
        "Name and customer type",
        "Address details",
        "Phone number",
        "Authorizations",
        "Products and purchases",
    ):
        assert category in html
    assert "Mannerheimintie 1" in html
    assert "+358407540576" in html
    assert "Source: Web form" in html  # Alice's own record came from a web form
    assert "Managing the customer relationship" in html
    assert "Contract (GDPR Art 6(1)(b))" in html
    assert "3 years after the customer relationship ended" in html
    assert "Koulutustalo Oy" in html  # the product owner received the purchase
    assert "2025-001" in html  # the invoice number of the purchase Alice made


def test_all_my_data_lists_my_organizations_with_role_validity_and_a_link(
    alice_client, company, authorize, alice, other_company
):
    authorize(alice, Authorization.Role.VIEWER, other_company, valid_until=date(2025, 6, 30))

    html = alice_client.get(reverse("portal:home")).content.decode()

    assert reverse("portal:organization", args=[company.public_id]) in html
    assert "Administrator" in html
    assert "until further notice" in html
    # An ended authorization is listed (it is data about Alice) but leads nowhere.
    assert "Saaristo Logistiikka Oy" in html
    assert "Ended" in html
    assert reverse("portal:organization", args=[other_company.public_id]) not in html


def test_all_my_data_shows_my_requests_with_status_and_due_date(alice_client, alice):
    request = DataSubjectRequest.objects.create(
        customer=alice,
        kind=DataSubjectRequest.Kind.ACCESS,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=date(2026, 1, 31),
    )

    html = alice_client.get(reverse("portal:home")).content.decode()

    assert "Access (Art 15)" in html
    assert "Received" in html
    assert request.due_on == date(2026, 2, 28)
    assert "02/28/2026" in html or "28.2.2026" in html or "2026-02-28" in html


def test_all_my_data_never_shows_another_customers_data(alice_client, charlie):
    html = alice_client.get(reverse("portal:home")).content.decode()

    assert "Charlie" not in html
    assert "charlie@example.com" not in html
    assert "+358501234567" not in html


def test_data_i_cannot_edit_gets_a_this_is_wrong_button_naming_its_fields(alice_client, purchase):
    html = alice_client.get(reverse("portal:home")).content.decode()

    assert "This is wrong" in html
    assert 'name="field" value="customers.purchase.invoice_number"' in html
    assert 'name="field" value="customers.authorization.role"' in html
    # What Alice edits herself goes to the profile, not to staff.
    assert 'name="field" value="customers.customer.phone"' not in html
    assert reverse("portal:profile") in html
    assert reverse("account_email") in html


# -- Correcting my own details ---------------------------------------------------------------


def test_a_person_corrects_their_phone_and_city_and_only_field_names_are_audited(
    alice_client, alice
):
    response = alice_client.post(
        reverse("portal:profile"),
        {
            "name": "Alice Aaltonen",
            "street_address": "Mannerheimintie 1",
            "postal_code": "00100",
            "city": "Espoo",
            "country": "fi",
            "phone": "050 765 4321",
            "language": "en",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:profile")
    alice.refresh_from_db()
    assert alice.phone == "+358507654321"
    assert alice.city == "Espoo"
    assert alice.country == "FI"
    [event] = _events(AuditEvent.Action.CHANGE, alice)
    assert event.changed_fields == ["city", "language", "phone"]
    assert event.actor_id == alice.user_id
    assert "Espoo" not in json.dumps(event.changed_fields)


def test_the_change_appears_in_my_activity(alice_client, alice):
    alice_client.post(
        reverse("portal:profile"),
        {"name": "Alice A. Aaltonen", "postal_code": "00100", "country": "FI", "language": "en"},
    )

    html = alice_client.get(reverse("portal:home")).content.decode()

    assert "My activity" in html
    assert "Changed" in html
    assert "You" in html


def test_an_invalid_phone_shows_the_error_on_the_field_and_changes_nothing(alice_client, alice):
    response = alice_client.post(
        reverse("portal:profile"),
        {"name": "Alice", "postal_code": "00100", "country": "FI", "phone": "12", "language": "en"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid phone number" in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_error"' in html
    alice.refresh_from_db()
    assert alice.phone == "+358407540576"
    assert alice.name == "Alice Aaltonen"
    assert not _events(AuditEvent.Action.CHANGE, alice)


def test_a_wrong_postal_code_shows_the_error_on_the_field_and_changes_nothing(alice_client, alice):
    response = alice_client.post(
        reverse("portal:profile"),
        {"name": "Alice", "postal_code": "1234", "country": "FI", "language": "en"},
    )

    assert response.status_code == 200
    assert "A Finnish postal code is five digits" in response.content.decode()
    assert 'aria-describedby="id_postal_code_error"' in response.content.decode()
    alice.refresh_from_db()
    assert alice.postal_code == "00100"
    assert not _events(AuditEvent.Action.CHANGE, alice)


def test_extra_fields_posted_to_the_profile_are_ignored(alice_client, alice, charlie):
    alice_client.post(
        reverse("portal:profile"),
        {
            "name": "Alice Aaltonen",
            "postal_code": "00100",
            "country": "FI",
            "language": "en",
            "is_staff": "on",
            "is_superuser": "on",
            "user": str(charlie.user_id),
            "kind": "organization",
            "business_id": "0112038-9",
            "notes": "VIP",
            "restricted": "on",
            "public_id": str(charlie.public_id),
            "id": str(charlie.pk),
        },
    )

    alice.refresh_from_db()
    charlie.refresh_from_db()
    assert alice.kind == Customer.Kind.PERSON
    assert alice.business_id == ""
    assert alice.notes == ""
    assert alice.restricted is False
    assert alice.user.is_staff is False
    assert alice.user.is_superuser is False
    assert charlie.name == "Charlie Carlsson"
    assert charlie.user_id != alice.user_id


def test_choosing_another_language_sets_the_language_cookie(alice_client, alice):
    response = alice_client.post(
        reverse("portal:profile"),
        {"name": "Alice Aaltonen", "postal_code": "00100", "country": "FI", "language": "sv"},
    )

    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "sv"
    alice.refresh_from_db()
    assert alice.language == "sv"


def test_the_email_address_is_not_edited_on_the_profile_page(alice_client, alice):
    html = alice_client.get(reverse("portal:profile")).content.decode()

    assert 'name="email"' not in html
    assert reverse("account_email") in html
    assert 'for="id_phone"' in html  # every input has its label


# -- "This is wrong": rectification requests -----------------------------------------------------


def test_the_rectify_page_lists_the_reported_fields(alice_client, purchase):
    response = alice_client.get(
        reverse("portal:rectify"),
        {"field": ["customers.purchase.amount", "customers.purchase.invoice_number", "evil.field"]},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Purchase: amount (EUR, incl. VAT)" in html
    assert "Purchase: invoice number" in html
    assert 'value="evil.field"' not in html
    assert "<li>Evil.field" not in html
    assert 'for="id_explanation"' in html


def test_a_rectification_request_names_the_fields_and_keeps_my_explanation(alice_client, alice):
    response = alice_client.post(
        reverse("portal:rectify"),
        {
            "field": ["customers.purchase.amount"],
            "explanation": "The amount was 1 280 euros, not 1 480.",
            "customer": "999",
            "kind": "erasure",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requests")
    [request] = DataSubjectRequest.objects.all()
    assert request.customer == alice
    assert request.kind == DataSubjectRequest.Kind.RECTIFICATION
    assert request.channel == DataSubjectRequest.Channel.PORTAL
    assert request.identity_method == DataSubjectRequest.IdentityMethod.PORTAL_LOGIN
    assert request.data_concerned == ["customers.purchase.amount"]
    assert request.details == "The amount was 1 280 euros, not 1 480."
    [event] = _events(AuditEvent.Action.CREATE, request)
    assert event.actor_id == alice.user_id
    assert "1 280" not in json.dumps(event.changed_fields)


def test_a_rectification_without_an_explanation_is_refused_and_nothing_is_stored(alice_client):
    response = alice_client.post(
        reverse("portal:rectify"), {"field": ["customers.purchase.amount"], "explanation": ""}
    )

    assert response.status_code == 200
    assert 'aria-describedby="id_explanation_helptext id_explanation_error"' in (
        response.content.decode()
    )
    assert not DataSubjectRequest.objects.exists()


def test_a_rectification_naming_data_outside_the_registry_is_refused(alice_client):
    response = alice_client.post(
        reverse("portal:rectify"), {"field": ["customers.user.is_staff.x"], "explanation": "x"}
    )

    assert response.status_code == 200
    assert not DataSubjectRequest.objects.exists()


def test_a_rectification_about_my_organization_names_it_for_staff(alice_client, alice, company):
    alice_client.post(
        reverse("portal:rectify"),
        {
            "organization": str(company.public_id),
            "field": ["customers.customer.business_id"],
            "explanation": "Our business ID changed in a merger.",
        },
    )

    [request] = DataSubjectRequest.objects.all()
    assert request.customer == alice
    assert "Kivikko Rakennus Oy" in request.details


def test_a_rectification_about_someone_elses_organization_is_not_found(alice_client, other_company):
    for data in (
        {"organization": str(other_company.public_id)},
        {"organization": "not-a-uuid"},
    ):
        response = alice_client.post(
            reverse("portal:rectify"),
            {**data, "field": ["customers.customer.name"], "explanation": "Wrong"},
        )
        assert response.status_code == 404
    assert not DataSubjectRequest.objects.exists()


# -- Organizations --------------------------------------------------------------------------------


@pytest.fixture
def billing_profile(company: Customer) -> BillingProfile:
    return BillingProfile.objects.create(
        customer=company,
        e_invoice_address="003701120389",
        operator_id="E204503",
        buyer_reference="KIVI-77",
        source=DataSource.CONTRACT,
    )


def test_an_admin_sees_the_organizations_purchases_and_billing(
    alice_client, company, purchase, billing_profile
):
    html = alice_client.get(
        reverse("portal:organization", args=[company.public_id])
    ).content.decode()

    assert "Kivikko Rakennus Oy" in html
    assert "Safety course" in html
    assert "1480.00" in html
    assert "003701120389" in html
    assert "KIVI-77" in html
    assert reverse("portal:organization-edit", args=[company.public_id]) in html


@pytest.mark.parametrize(
    ("role", "sees_purchases", "sees_billing", "may_edit"),
    [
        (Authorization.Role.VIEWER, False, False, False),
        (Authorization.Role.PURCHASER, True, False, False),
        (Authorization.Role.BILLING, False, True, False),
    ],
)
def test_each_role_sees_only_what_it_needs(
    charlie_client, charlie, company, purchase, billing_profile, authorize,
    role, sees_purchases, sees_billing, may_edit,
):  # fmt: skip
    authorize(charlie, role)

    html = charlie_client.get(
        reverse("portal:organization", args=[company.public_id])
    ).content.decode()

    assert "Kivikko Rakennus Oy" in html
    assert "0112038-9" in html
    assert ("Safety course" in html) is sees_purchases
    assert ("KIVI-77" in html) is sees_billing
    assert (reverse("portal:organization-edit", args=[company.public_id]) in html) is may_edit
    # A purchase made by Alice never shows her name to a co-worker.
    assert "Alice" not in html


def test_a_viewer_cannot_edit_the_organization(charlie_client, charlie, company, authorize):
    authorize(charlie, Authorization.Role.VIEWER)

    for path in _org_urls(company)[1:]:
        assert charlie_client.get(path).status_code == 403
        response = charlie_client.post(
            path, {"street_address": "Hijacked 1", "postal_code": "00100", "country": "FI"}
        )
        assert response.status_code == 403
    company.refresh_from_db()
    assert company.street_address == ""
    assert not company.billing_profiles.exists()
    assert not _events(AuditEvent.Action.CHANGE, company)


def test_an_admin_of_one_organization_cannot_see_another(alice_client, other_company):
    for path in _org_urls(other_company):
        assert alice_client.get(path).status_code == 404
        assert alice_client.post(path, {"street_address": "X 1"}).status_code == 404
    other_company.refresh_from_db()
    assert other_company.street_address == ""


def test_an_ended_authorization_opens_nothing(charlie_client, charlie, company, authorize):
    authorize(
        charlie,
        Authorization.Role.ADMIN,
        valid_from=date(2024, 1, 1),
        valid_until=helsinki_today() - timedelta(days=1),
    )

    for path in _org_urls(company):
        assert charlie_client.get(path).status_code == 404


def test_an_admin_corrects_the_organizations_address_audited_by_field_name(
    alice_client, alice, company
):
    response = alice_client.post(
        reverse("portal:organization-edit", args=[company.public_id]),
        {
            "street_address": "Työpajankatu 2",
            "postal_code": "00580",
            "city": "Helsinki",
            "country": "FI",
            "name": "Renamed Oy",
            "business_id": "0737546-2",
            "user": str(alice.user_id),
        },
    )

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.street_address == "Työpajankatu 2"
    assert company.postal_code == "00580"
    assert company.name == "Kivikko Rakennus Oy"
    assert company.business_id == "0112038-9"
    assert company.user_id is None
    [event] = _events(AuditEvent.Action.CHANGE, company)
    assert event.changed_fields == ["postal_code", "street_address"]
    assert event.actor_id == alice.user_id
    # Alice's edits of her company are in her own activity too.
    activity = alice_client.get(reverse("portal:home")).content.decode().split('id="activity"')[1]
    assert "Organization" in activity
    assert "street address" in activity


def test_an_admin_adds_billing_details_and_a_bad_ovt_code_changes_nothing(
    alice_client, alice, company
):
    path = reverse("portal:organization-billing", args=[company.public_id])

    bad = alice_client.post(
        path, {"e_invoice_address": "003701120388", "operator_id": "E204503", "country": "FI"}
    )

    assert bad.status_code == 200
    assert "The business ID inside the OVT e-invoice address" in bad.content.decode()
    assert not company.billing_profiles.exists()

    good = alice_client.post(
        path,
        {
            "e_invoice_address": "0037 0112 0389",
            "operator_id": "E204503",
            "buyer_reference": "PO-1",
            "country": "FI",
        },
    )

    assert good.status_code == 302
    [profile] = company.billing_profiles.all()
    assert profile.e_invoice_address == "003701120389"
    assert profile.source == DataSource.SELF_SERVICE
    [event] = _events(AuditEvent.Action.CREATE, profile)
    assert event.actor_id == alice.user_id


def test_an_admin_edits_the_existing_billing_profile(alice_client, company, billing_profile):
    alice_client.post(
        reverse("portal:organization-billing", args=[company.public_id]),
        {
            "e_invoice_address": "003701120389",
            "operator_id": "E204503",
            "invoicing_email": "laskut@kivikko.example",
            "buyer_reference": "KIVI-77",
            "country": "FI",
        },
    )

    [profile] = company.billing_profiles.all()
    assert profile.pk == billing_profile.pk
    assert profile.invoicing_email == "laskut@kivikko.example"
    [event] = _events(AuditEvent.Action.CHANGE, profile)
    assert event.changed_fields == ["invoicing_email"]


def test_a_billing_profile_without_any_channel_is_refused(alice_client, company):
    response = alice_client.post(
        reverse("portal:organization-billing", args=[company.public_id]), {"country": "FI"}
    )

    assert response.status_code == 200
    assert "Give at least one invoicing channel" in response.content.decode()
    assert not company.billing_profiles.exists()


# -- Downloads ------------------------------------------------------------------------------------


def test_the_export_page_explains_both_formats(alice_client):
    html = alice_client.get(reverse("portal:export")).content.decode()

    assert "JSON" in html
    assert "CSV files in a zip" in html
    assert reverse("portal:export-json") in html
    assert reverse("portal:export-zip") in html


@pytest.mark.parametrize("name", ["portal:export-json", "portal:export-zip", "portal:erasure"])
def test_downloads_and_erasure_ask_for_the_password_again(alice_client, name):
    response = alice_client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def _held_values(customer: Customer) -> dict[str, set[str]]:
    """Independently of subject_data: every declared personal field with a value, per
    model, on the records the registry says are about `customer`."""
    found: dict[str, set[str]] = {}
    registry.personal_fields()
    for label, declaration in registry.REGISTRY.items():
        condition = declaration.subject_filter(customer)
        if condition is None:
            continue
        model = apps.get_model(label)
        for instance in model._default_manager.filter(condition).distinct():
            for decl in declaration.fields.values():
                if not isinstance(decl, registry.PersonalField):
                    continue
                model_field = model._meta.get_field(decl.name)
                if model_field.many_to_many:
                    value = list(getattr(instance, decl.name).all())
                else:
                    value = getattr(instance, model_field.attname)
                if value not in (None, "", [], False):
                    found.setdefault(label, set()).add(decl.name)
    return found


def test_the_json_download_holds_every_personal_field_with_a_value_and_nothing_of_charlie(
    alice_client, alice, charlie, purchase, billing_profile
):
    reauthenticate(alice_client)

    response = alice_client.get(reverse("portal:export-json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="herocon-my-data-')
    data = json.loads(response.content)
    exported: dict[str, set[str]] = {}
    for category in data["categories"]:
        assert category["purposes"] and category["retention"]
        for record in category["records"]:
            exported.setdefault(record["type"], set()).update(record["data"])
    held = _held_values(alice)
    assert held  # the comparison means something
    for label, names in held.items():
        assert names <= exported.get(label, set()), label
    text = response.content.decode()
    assert "Charlie" not in text
    assert "charlie@example.com" not in text
    assert "+358501234567" not in text
    assert ("customers.user", "password") in REDACTED
    assert alice.user.password not in text


def test_each_download_is_audited_with_its_record_count(alice_client, alice):
    reauthenticate(alice_client)

    json_response = alice_client.get(reverse("portal:export-json"))
    zip_response = alice_client.get(reverse("portal:export-zip"))

    records = sum(len(c["records"]) for c in json.loads(json_response.content)["categories"])
    events = _events(AuditEvent.Action.EXPORT, alice)
    assert len(events) == 2
    assert all(e.row_count == records and e.actor_id == alice.user_id for e in events)
    assert zip_response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(zip_response.content))
    assert "categories.csv" in archive.namelist()
    assert "+358407540576" in archive.read("phone.csv").decode()


# -- Requests ----------------------------------------------------------------------------------


def test_the_requests_page_lists_my_requests_with_status_and_due_date(alice_client, alice, charlie):
    DataSubjectRequest.objects.create(
        customer=alice,
        kind=DataSubjectRequest.Kind.OBJECTION,
        channel=DataSubjectRequest.Channel.PORTAL,
        received_on=date(2025, 3, 15),
    )
    DataSubjectRequest.objects.create(
        customer=charlie,
        kind=DataSubjectRequest.Kind.PORTABILITY,
        channel=DataSubjectRequest.Channel.PORTAL,
        received_on=date(2025, 3, 15),
    )

    html = alice_client.get(reverse("portal:requests")).content.decode()

    assert "Objection (Art 21)" in html
    assert "Data portability" not in html
    assert "04/15/2025" in html or "2025-04-15" in html or "15.4.2025" in html


def test_a_restriction_request_is_stored_for_staff_and_audited(alice_client, alice):
    response = alice_client.post(
        reverse("portal:requests"),
        {"kind": "restriction", "restriction-details": "My address is wrong; do not use it."},
    )

    assert response.status_code == 302
    [request] = DataSubjectRequest.objects.all()
    assert request.customer == alice
    assert request.kind == DataSubjectRequest.Kind.RESTRICTION
    assert request.channel == DataSubjectRequest.Channel.PORTAL
    assert request.identity_method == DataSubjectRequest.IdentityMethod.PORTAL_LOGIN
    assert request.received_on == helsinki_today()
    assert _events(AuditEvent.Action.CREATE, request)


def test_an_objection_needs_no_reason(alice_client, alice):
    alice_client.post(reverse("portal:requests"), {"kind": "objection", "objection-details": ""})

    [request] = DataSubjectRequest.objects.all()
    assert request.kind == DataSubjectRequest.Kind.OBJECTION


def test_a_restriction_without_a_reason_shows_the_error_and_stores_nothing(alice_client):
    response = alice_client.post(
        reverse("portal:requests"), {"kind": "restriction", "restriction-details": ""}
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize("kind", ["erasure", "access", "", "rectification"])
def test_other_request_kinds_cannot_be_posted_to_the_requests_page(alice_client, kind):
    response = alice_client.post(reverse("portal:requests"), {"kind": kind, f"{kind}-details": "x"})

    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


# -- Erasure --------------------------------------------------------------------------------------


def test_the_erasure_page_shows_what_is_erased_and_what_is_kept_until_when(
    alice_client, alice, purchase
):
    reauthenticate(alice_client)

    response = alice_client.get(reverse("portal:erasure"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "What will be erased" in html
    # The purchase Alice made on 2025-03-01 is a voucher kept until the end of 2031.
    assert "Accounting Act" in html
    assert "12/31/2031" in html or "2031-12-31" in html or "31.12.2031" in html
    assert 'type="checkbox" name="confirm"' in html
    assert "checked" not in html


def test_an_erasure_request_needs_the_confirmation_ticked(alice_client, alice):
    reauthenticate(alice_client)

    response = alice_client.post(reverse("portal:erasure"), {"details": "Please erase."})

    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_a_confirmed_erasure_request_is_stored_once(alice_client, alice):
    reauthenticate(alice_client)

    response = alice_client.post(reverse("portal:erasure"), {"confirm": "on", "details": ""})
    again = alice_client.post(reverse("portal:erasure"), {"confirm": "on"})

    assert response.status_code == 302
    assert again.status_code == 200  # the page says the request is already in
    [request] = DataSubjectRequest.objects.all()
    assert request.kind == DataSubjectRequest.Kind.ERASURE
    assert request.customer == alice
    assert request.channel == DataSubjectRequest.Channel.PORTAL
    assert request.identity_method == DataSubjectRequest.IdentityMethod.PORTAL_LOGIN
    assert _events(AuditEvent.Action.CREATE, request)


def test_erasure_preview_keeps_purchases_until_their_voucher_hold(alice, purchase):
    preview = erasure_preview(alice)

    [kept_purchase] = [k for k in preview.kept if k.category.key == "purchases"]
    assert kept_purchase.until == date(2031, 12, 31)
    assert "Accounting Act" in str(kept_purchase.reason)
    erased = {(item.category.key, label) for item in preview.erased for label in item.fields}
    assert ("phone", "phone") in erased
    assert ("address", "street address") in erased
    assert ("identity", "name") in erased


@pytest.fixture
def own_purchases(alice: Customer, product: Product) -> list[Purchase]:
    return [
        Purchase.objects.create(
            customer=alice,
            product=product,
            purchased_by=alice,
            purchased_on=day,
            amount=Decimal("50.00"),
            source=DataSource.WEB_FORM,
        )
        for day in (date(2024, 6, 1), date(2026, 1, 10))
    ]


def test_billing_details_are_kept_as_long_as_the_newest_invoice(alice, own_purchases):
    BillingProfile.objects.create(
        customer=alice, invoicing_email="alice@example.com", source=DataSource.WEB_FORM
    )

    preview = erasure_preview(alice)

    [billing] = [k for k in preview.kept if k.category.key == "billing"]
    assert billing.until == registry.voucher_hold_until(date(2026, 1, 10)) == date(2032, 12, 31)
    assert preview.held_until == date(2032, 12, 31)


def test_billing_details_without_any_purchase_are_erased(alice):
    BillingProfile.objects.create(
        customer=alice, invoicing_email="alice@example.com", source=DataSource.WEB_FORM
    )

    preview = erasure_preview(alice)

    assert not [k for k in preview.kept if k.category.key == "billing"]
    assert [e for e in preview.erased if e.category.key == "billing"]


def test_audit_events_and_requests_are_listed_as_kept_without_personal_values(alice_client, alice):
    alice_client.post(
        reverse("portal:requests"), {"kind": "objection", "objection-details": "No marketing"}
    )

    preview = erasure_preview(alice)

    kept = {k.record: k for k in preview.kept}
    assert "audit events" in kept
    assert kept["audit events"].until is None
    assert "data subject request" in kept
    # The person's own words in a request are erased, the request itself stays.
    assert any("details" in e.fields for e in preview.erased)


def test_all_my_data_names_who_actually_received_each_category(client, alice, recipient):
    from django.utils import timezone

    from privacy.models import Disclosure
    from privacy.subject_data import subject_data

    authority = type(recipient).objects.create(name="Verohallinto", kind="authority", country="FI")
    disclosure = Disclosure.objects.create(
        recipient=authority,
        categories=["address"],
        basis="c",
        purpose="Tax audit",
        disclosed_at=timezone.now(),
    )
    disclosure.customers.add(alice)

    blocks = {b.category.key: b for b in subject_data(alice)}

    assert any("Verohallinto" in name for name in blocks["address"].recipients)
    assert not any("Verohallinto" in name for name in blocks["phone"].recipients)
    client.force_login(alice.user)
    assert "Verohallinto" in client.get("/portal/").content.decode()
