"""Every staff role in a real browser (issue 10): signing in with the password and the TOTP
code, what the role reaches and what it is refused; and the DPO's work from a request's
intake to its completion with an extension, an erasure with a bookkeeping hold, a
register download and a breach. Every page is audited for CSP, console errors and axe
(tests/e2e/conftest.py)."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.management import call_command

from customers import roles
from customers.models import (
    Customer,
    DataSource,
    Product,
    Purchase,
    StaffRoleGrant,
    User,
    helsinki_today,
)
from privacy.models import Breach, DataSubjectRequest, Recipient
from privacy.services import request_create
from tests.conftest import current_totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Henkilokunta-Salasana-2026"
SECRET = "JBSWY3DPEHPK3PXP"

# What each role opens (200) and one page it is refused (403), by admin URL.
REACH = {
    roles.CUSTOMER_SERVICE: (
        ["/admin/customers/customer/", "/admin/customers/authorization/"],
        "/admin/privacy/auditevent/",
    ),
    roles.SALES: (
        ["/admin/customers/purchase/", "/admin/customers/product/"],
        "/admin/consents/consentevent/add/",
    ),
    roles.MARKETING: (
        ["/admin/consents/purpose/", "/admin/consents/consentevent/"],
        "/admin/customers/customer/",
    ),
    roles.DPO: (
        [
            "/admin/privacy/datasubjectrequest/",
            "/admin/privacy/dashboard/",
            "/admin/privacy/exports/",
        ],
        "/admin/customers/user/add/",
    ),
    roles.TECHNICAL_ADMIN: (
        ["/admin/customers/user/", "/admin/customers/staffrolegrant/"],
        "/admin/customers/customer/",
    ),
}


@pytest.fixture(autouse=True)
def journey_settings(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = False


def staff_member(role: str) -> User:
    call_command("setup_roles", verbosity=0)
    email = f"{role.lower().replace(' ', '-')}@herocon.example"
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, SECRET)
    until = helsinki_today() + timedelta(days=30)
    StaffRoleGrant.objects.create(
        user=user,
        group=Group.objects.get(name=role),
        reason="Browser test",
        valid_until=until,
        approved_until=until,
    )
    return user


def sign_in(page: Any, user: User) -> None:
    page.goto("/admin/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    assert "/accounts/2fa/authenticate/" in page.url, page.url
    page.fill("input[name=code]", current_totp_code(SECRET))
    with page.expect_navigation():
        page.locator("form:has(input[name=code]) button[type=submit]:not([form])").click()
    assert page.url.endswith("/admin/"), page.url


@pytest.mark.parametrize("role", list(REACH))
def test_each_role_signs_in_with_totp_and_reaches_only_its_pages(page: Any, role: str) -> None:
    sign_in(page, staff_member(role))
    assert role in page.locator("#staff-roles").inner_text()
    allowed, refused = REACH[role]

    for path in allowed:
        response = page.goto(path)
        assert response.status == 200, path

    response = page.goto(refused)
    assert response.status == 403, refused
    assert page.locator("h1").inner_text() == "Ei käyttöoikeutta"


def test_the_dpo_handles_a_request_erases_with_a_hold_exports_and_records_a_breach(
    page: Any, tmp_path: Path
) -> None:
    dpo = staff_member(roles.DPO)
    owner = Recipient.objects.create(
        name="Tuote Oy", kind=Recipient.Kind.PRODUCT_OWNER, country="FI"
    )
    product = Product.objects.create(name="Kypärä", owner=owner)
    person = Customer.objects.create(
        kind=Customer.Kind.PERSON,
        name="Eero Esimerkki",
        email="eero@example.com",
        country="FI",
        source=DataSource.WEB_FORM,
    )
    Purchase.objects.create(
        customer=person,
        product=product,
        purchased_on=date(2024, 5, 2),
        amount=Decimal("99.00"),
        invoice_number="2024-042",
        source=DataSource.CONTRACT,
    )
    request = request_create(
        customer=person,
        kind=DataSubjectRequest.Kind.ACCESS,
        channel="email",
        details="Haluan kopion tiedoistani.",
        actor=None,
    )
    sign_in(page, dpo)

    # The request: identity, start, extension (before the first due date), completion.
    page.goto(f"/admin/privacy/datasubjectrequest/{request.pk}/change/")
    page.select_option("#id_verify_identity-method", "email_code")
    with page.expect_navigation():
        page.locator("#dsr-step-verify-identity input[type=submit]").click()
    if page.locator("#dsr-step-start").count():
        with page.expect_navigation():
            page.locator("#dsr-step-start input[type=submit]").click()
    page.fill("#id_extend-reason", "Pyyntö koskee useita järjestelmiä.")
    with page.expect_navigation():
        page.locator("#dsr-step-extend input[type=submit]").click()
    page.fill("#id_complete-outcome", "Kopio lähetettiin suojatulla sähköpostilla.")
    with page.expect_navigation():
        page.locator("#dsr-step-complete input[type=submit]").click()
    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.DONE
    assert request.extension_reason

    # An erasure: the 2024 invoice stays under the bookkeeping hold.
    page.goto("/admin/customers/customer/")
    page.check(f"input[name=_selected_action][value='{person.pk}']")
    page.select_option("select[name=action]", "erase_customers")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    assert "2030" in page.locator("#content").inner_text()
    with page.expect_navigation():
        page.locator("form:has(input[name=confirm]) input[type=submit]").click()
    person.refresh_from_db()
    assert person.erased_at is not None
    assert person.held_until == date(2030, 12, 31)

    # A register download.
    page.goto("/admin/privacy/exports/")
    with page.expect_download() as info:
        page.locator("a[href$='/purchases.csv']").first.click()
    target = tmp_path / "purchases.csv"
    info.value.save_as(target)
    assert "2024-042" in target.read_text(encoding="utf-8-sig")

    # A breach.
    page.goto("/admin/privacy/breach/add/")
    page.fill("#id_title", "Lähetetty väärälle vastaanottajalle")
    page.fill("#id_aware_at_0", helsinki_today().isoformat())
    page.fill("#id_aware_at_1", "08:00:00")
    page.fill("#id_nature", "Lasku lähti väärään osoitteeseen.")
    page.fill("#id_data_categories", "Nimi ja osoite")
    page.fill("#id_approx_people", "1")
    page.fill("#id_approx_records", "1")
    page.fill("#id_consequences", "Vähäiset.")
    page.fill("#id_measures", "Vastaanottajaa pyydettiin poistamaan viesti.")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    assert Breach.objects.filter(title="Lähetetty väärälle vastaanottajalle").exists()
