"""The staff admin as each role meets it: pages that load and pages that refuse, staff
accounts and grants, customer entry with billing, the audit trail of views and saves, and
the customer search."""

import json
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.models import BillingProfile, Customer, StaffRoleGrant, User, helsinki_today
from privacy.models import AuditEvent
from privacy.services import audit_log_verify
from tests.customers.test_role_matrix import ACTIONS, EXPECTED


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _events_after(last_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# -- Pages per role ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_loads_the_admin_pages_it_may_see_and_is_refused_the_rest(
    role: str, staff_client: Callable[..., Client]
) -> None:
    client = staff_client(role)
    assert client.get(reverse("admin:index")).status_code == 200

    wrong = []
    for model in admin.site._registry:
        row = EXPECTED[role][model._meta.label_lower]
        for view, action in (("changelist", "view"), ("add", "add")):
            expected = 200 if row[ACTIONS.index(action)] != "-" else 403
            status = client.get(_url(model, view)).status_code
            if status != expected:
                wrong.append(f"{role} {model._meta.label_lower} {view}: {status} != {expected}")
    assert wrong == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.CUSTOMER_SERVICE, 200),
        (roles.SALES, 200),
        (roles.DPO, 200),
        (roles.MARKETING, 403),
        (roles.TECHNICAL_ADMIN, 403),
    ],
)
def test_a_customers_record_opens_only_for_the_roles_that_view_customers(
    role: str, status: int, staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(role)
    last = _last_event_id()

    response = client.get(_url(Customer, "change", alice.pk))

    assert response.status_code == status
    views = [e for e in _events_after(last) if e.action == AuditEvent.Action.VIEW]
    assert len(views) == (1 if status == 200 else 0)
    if status == 200:
        assert b"Alice Aaltonen" in response.content
    else:
        assert b"Alice Aaltonen" not in response.content


def test_a_role_that_only_views_gets_a_read_only_customer_page(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.SALES)

    response = client.get(_url(Customer, "change", alice.pk))
    posted = client.post(
        _url(Customer, "change", alice.pk),
        {"kind": "person", "name": "Changed by Sales", "country": "FI", "language": "fi"},
    )

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert posted.status_code == 403
    alice.refresh_from_db()
    assert alice.name == "Alice Aaltonen"


# -- Roles shown -----------------------------------------------------------------------------


def test_the_admin_shows_the_roles_in_force(
    make_staff: Callable[..., User],
) -> None:
    user = make_staff(roles.DPO)
    sales = Group.objects.get(name=roles.SALES)
    until = helsinki_today() + timedelta(days=5)
    StaffRoleGrant.objects.create(
        user=user, group=sales, reason="Cover", valid_until=until, approved_until=until
    )
    user.groups.add(sales)
    client = Client()
    client.force_login(user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["staff_roles"] == [roles.DPO, roles.SALES]
    assert 'id="staff-roles"' in response.content.decode()
    assert "DPO, Sales" in response.content.decode()


def test_an_ended_role_is_not_shown_as_held(make_staff: Callable[..., User]) -> None:
    user = make_staff(roles.SALES, valid_until=helsinki_today() - timedelta(days=1))
    client = Client()
    client.force_login(user)

    response = client.get(reverse("admin:index"))

    assert response.context["staff_roles"] == []
    assert 'id="staff-roles"' in response.content.decode()
    assert "Sales" not in response.content.decode().split('id="staff-roles"')[1][:200]


# -- Staff accounts ------------------------------------------------------------------------


@pytest.fixture
def technical_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(roles.TECHNICAL_ADMIN)


@pytest.fixture
def tech_client(technical_admin: User) -> Client:
    client = Client()
    client.force_login(technical_admin)
    return client


def test_the_technical_admin_lists_staff_accounts_but_never_customers_accounts(
    tech_client: Client, dpo: User, alice: Customer, charlie: Customer
) -> None:
    response = tech_client.get(_url(User, "changelist"))

    assert response.status_code == 200
    listed = set(response.context["cl"].result_list)
    assert dpo in listed
    assert alice.user not in listed
    assert charlie.user not in listed
    assert b"alice@example.com" not in response.content


def test_the_technical_admin_cannot_find_a_customers_account_by_searching(
    tech_client: Client, alice: Customer
) -> None:
    response = tech_client.get(_url(User, "changelist"), {"q": "alice"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_customers_account_does_not_open_for_the_technical_admin(
    tech_client: Client, alice: Customer
) -> None:
    change = tech_client.get(_url(User, "change", alice.user.pk))
    # Django names the password page after auth.User whatever the user model is.
    password = tech_client.get(reverse("admin:auth_user_password_change", args=[alice.user.pk]))
    posted = tech_client.post(
        _url(User, "change", alice.user.pk),
        {"email": "taken@herocon.example", "first_name": "X", "last_name": "Y"},
    )

    # An object outside the user's reach answers 404 (issue 10), like one that is not there.
    assert change.status_code == 404
    assert password.status_code == 404
    assert posted.status_code == 404
    alice.user.refresh_from_db()
    assert alice.user.email == "alice@example.com"
    assert alice.user.is_staff is False


def test_a_customers_account_is_not_offered_when_granting_a_role(
    tech_client: Client, alice: Customer, dpo: User
) -> None:
    response = tech_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "customers",
            "model_name": "staffrolegrant",
            "field_name": "user",
            "term": "example",
        },
    )

    assert response.status_code == 200
    offered = {row["text"] for row in json.loads(response.content)["results"]}
    assert "alice@example.com" not in offered
    assert dpo.email in offered


def _grant_form(user: User, group: str, **extra: str) -> dict[str, str]:
    return {
        "user": str(user.pk),
        "group": str(Group.objects.get(name=group).pk),
        "reason": "Covers the DPO's holiday",
        "valid_from": helsinki_today().isoformat(),
        "valid_until": (helsinki_today() + timedelta(days=14)).isoformat(),
        **extra,
    }


def test_the_technical_admin_cannot_grant_a_role_to_themselves(
    tech_client: Client, technical_admin: User
) -> None:
    last = _last_event_id()

    response = tech_client.post(
        _url(StaffRoleGrant, "add"), _grant_form(technical_admin, roles.DPO)
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not StaffRoleGrant.objects.filter(user=technical_admin, group__name=roles.DPO).exists()
    assert not technical_admin.groups.filter(name=roles.DPO).exists()
    assert _events_after(last) == []


def test_the_technical_admin_cannot_extend_their_own_grant(
    tech_client: Client, technical_admin: User
) -> None:
    grant = StaffRoleGrant.objects.get(user=technical_admin)
    until = grant.valid_until
    last = _last_event_id()

    response = tech_client.post(
        _url(StaffRoleGrant, "change", grant.pk),
        {
            "reason": "Forever",
            "valid_from": grant.valid_from.isoformat(),
            "valid_until": (until + timedelta(days=3650)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    grant.refresh_from_db()
    assert grant.valid_until == until
    assert grant.reason == "Test"
    assert _events_after(last) == []


def test_the_technical_admin_asks_for_a_role_for_another_staff_member_and_it_waits(
    tech_client: Client, technical_admin: User, make_staff: Callable[..., User]
) -> None:
    colleague = make_staff(None, email="colleague@herocon.example")
    last = _last_event_id()

    response = tech_client.post(_url(StaffRoleGrant, "add"), _grant_form(colleague, roles.DPO))

    assert response.status_code == 302
    grant = StaffRoleGrant.objects.get(user=colleague)
    assert grant.group.name == roles.DPO
    assert grant.reason == "Covers the DPO's holiday"
    assert grant.valid_until == helsinki_today() + timedelta(days=14)
    assert grant.granted_by == technical_admin
    # A role that reaches customer data waits for a second person (issue 10).
    assert grant.awaiting_approval and grant.approved_until is None
    assert list(colleague.groups.values_list("name", flat=True)) == []
    assert not User.objects.get(pk=colleague.pk).has_perm("privacy.view_auditevent")
    events = _events_after(last)
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in events] == [
        ("grant", "customers.staffrolegrant", str(grant.pk), technical_admin.pk)
    ]
    assert "holiday" not in json.dumps(events[0].changed_fields)
    assert audit_log_verify() is None


def test_a_grant_needs_a_reason_and_an_end_date(
    tech_client: Client, make_staff: Callable[..., User]
) -> None:
    colleague = make_staff(None, email="colleague@herocon.example")

    response = tech_client.post(
        _url(StaffRoleGrant, "add"),
        _grant_form(colleague, roles.SALES, reason="", valid_until=""),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "reason" in errors
    assert "valid_until" in errors
    assert not StaffRoleGrant.objects.filter(user=colleague).exists()
    assert not colleague.groups.exists()


def test_a_role_cannot_be_granted_to_a_customers_account(
    tech_client: Client, alice: Customer
) -> None:
    response = tech_client.post(_url(StaffRoleGrant, "add"), _grant_form(alice.user, roles.DPO))

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not StaffRoleGrant.objects.filter(user=alice.user).exists()
    assert not alice.user.groups.exists()


def test_revoking_a_grant_in_the_admin_removes_the_membership_and_audits_it(
    tech_client: Client, dpo: User
) -> None:
    grant = StaffRoleGrant.objects.get(user=dpo)
    last = _last_event_id()

    response = tech_client.post(_url(StaffRoleGrant, "delete", grant.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not StaffRoleGrant.objects.filter(pk=grant.pk).exists()
    assert not dpo.groups.exists()
    assert [(e.action, e.object_id) for e in _events_after(last)] == [("revoke", str(grant.pk))]


# -- Customer entry by Customer service ------------------------------------------------------


def _management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


NEW_COMPANY = {
    "kind": "organization",
    "name": "Vaakalintu Oy",
    "business_id": "0112038-9",
    "language": "fi",
    "email": "laskutus@vaakalintu.example",
    "phone": "040 754 0576",
    "street_address": "Teollisuuskatu 7",
    "postal_code": "00510",
    "city": "Helsinki",
    "country": "FI",
    "restriction_reason": "",
    "notes": "",
    "source": "phone",
    "obtained_at_0": "2026-02-01",
    "obtained_at_1": "10:00:00",
}

NEW_BILLING = {
    "billing_profiles-0-e_invoice_address": "003701120389",
    "billing_profiles-0-operator_id": "E204503",
    "billing_profiles-0-invoicing_email": "",
    "billing_profiles-0-street_address": "",
    "billing_profiles-0-postal_code": "",
    "billing_profiles-0-city": "",
    "billing_profiles-0-country": "FI",
    "billing_profiles-0-buyer_reference": "PO-4471",
    "billing_profiles-0-source": "phone",
    "billing_profiles-0-obtained_at_0": "2026-02-01",
    "billing_profiles-0-obtained_at_1": "10:00:00",
}


def _new_company_post(**overrides: str) -> dict[str, str]:
    return {
        **NEW_COMPANY,
        **_management("billing_profiles", total=1),
        **NEW_BILLING,
        **_management("social_media_profiles"),
        **overrides,
    }


def test_customer_service_adds_a_company_with_its_e_invoice_billing(
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    last = _last_event_id()

    response = client.post(_url(Customer, "add"), _new_company_post())

    assert response.status_code == 302, response.context and response.context["errors"]
    customer = Customer.objects.get(business_id="0112038-9")
    assert customer.name == "Vaakalintu Oy"
    assert customer.phone == "+358407540576"
    billing = BillingProfile.objects.get(customer=customer)
    assert billing.e_invoice_address == "003701120389"
    assert billing.operator_id == "E204503"
    events = _events_after(last)
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("create", "customers.customer", str(customer.pk)),
        ("create", "customers.billingprofile", str(billing.pk)),
    ]
    assert {"name", "business_id", "email", "phone"} <= set(events[0].changed_fields)
    assert {"e_invoice_address", "operator_id"} <= set(events[1].changed_fields)
    assert audit_log_verify() is None


def test_saving_a_customer_audits_field_names_but_never_their_values(
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    last = _last_event_id()

    client.post(_url(Customer, "add"), _new_company_post())

    events = list(
        AuditEvent.objects.filter(id__gt=last).values(
            "action", "object_type", "object_id", "changed_fields", "row_count"
        )
    )
    assert events
    dumped = json.dumps(events, default=str)
    for value in (
        "Vaakalintu",
        "0112038-9",
        "01120389",
        "laskutus@vaakalintu.example",
        "vaakalintu",
        "358407540576",
        "Teollisuuskatu",
        "003701120389",
        "E204503",
        "PO-4471",
    ):
        assert value not in dumped, value


class _FormReader(HTMLParser):
    """What a browser would submit from the page's main form, without JavaScript."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def _submitted(page: Any) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(page.content.decode())
    return {k: v for k, v in reader.data.items() if k not in ("q", "language")} | {
        "language": page.context["adminform"].form["language"].value()
    }


def test_changing_a_customer_audits_only_the_changed_field_names(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    page = client.get(_url(Customer, "change", alice.pk))
    post = _submitted(page) | {"email": "alice.new@example.com"}
    last = _last_event_id()

    response = client.post(_url(Customer, "change", alice.pk), post)

    assert response.status_code == 302, response.context and response.context["errors"]
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    assert alice.name == "Alice Aaltonen"
    events = _events_after(last)
    assert [(e.action, e.object_type, e.object_id, e.changed_fields) for e in events] == [
        ("change", "customers.customer", str(alice.pk), ["email"])
    ]


def test_an_unchanged_customer_saved_again_audits_no_field(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    page = client.get(_url(Customer, "change", alice.pk))
    last = _last_event_id()

    response = client.post(_url(Customer, "change", alice.pk), _submitted(page))

    assert response.status_code == 302, response.context and response.context["errors"]
    events = _events_after(last)
    assert [(e.action, e.changed_fields) for e in events] == [("change", [])]


def test_an_invalid_e_invoice_address_is_refused_and_nothing_is_saved(
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    last = _last_event_id()

    response = client.post(
        _url(Customer, "add"),
        _new_company_post(**{"billing_profiles-0-e_invoice_address": "003701120388"}),
    )

    assert response.status_code == 200
    formset_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert "e_invoice_address" in formset_errors[0]
    assert not Customer.objects.filter(name="Vaakalintu Oy").exists()
    assert BillingProfile.objects.count() == 0
    assert _events_after(last) == []


def test_opening_a_customers_page_writes_exactly_one_view_event(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    viewer = User.objects.get(email="customer-service@herocon.example")
    last = _last_event_id()

    response = client.get(_url(Customer, "change", alice.pk))

    assert response.status_code == 200
    events = _events_after(last)
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in events] == [
        ("view", "customers.customer", str(alice.pk), viewer.pk)
    ]
    assert events[0].changed_fields == []


def test_the_customer_list_itself_writes_no_view_events(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)
    last = _last_event_id()

    assert client.get(_url(Customer, "changelist")).status_code == 200
    assert _events_after(last) == []


# -- Search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("Aaltonen", "Alice Aaltonen"),
        ("alice aaltonen", "Alice Aaltonen"),
        ("ALICE@example.com", "Alice Aaltonen"),
        ("040 754 0576", "Alice Aaltonen"),
        ("0407540576", "Alice Aaltonen"),
        ("+358 40 754 0576", "Alice Aaltonen"),
        ("0112038-9", "Kivikko Rakennus Oy"),
        ("050 123 4567", "Charlie Carlsson"),
    ],
)
def test_the_customer_search_finds_by_name_email_business_id_and_phone(
    term: str,
    found: str,
    staff_client: Callable[..., Client],
    alice: Customer,
    charlie: Customer,
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)

    response = client.get(_url(Customer, "changelist"), {"q": term})

    assert response.status_code == 200
    assert [c.name for c in response.context["cl"].result_list] == [found]


def test_a_search_that_matches_nobody_lists_nobody(
    staff_client: Callable[..., Client], alice: Customer, charlie: Customer
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)

    response = client.get(_url(Customer, "changelist"), {"q": "Zyzzyva"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


# -- No plain delete of customers --------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.DPO, roles.CUSTOMER_SERVICE])
def test_customer_delete_is_not_offered_even_to_the_dpo(
    role: str, staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(role)
    last = _last_event_id()

    page = client.get(_url(Customer, "change", alice.pk))
    delete_page = client.get(_url(Customer, "delete", alice.pk))
    delete_post = client.post(_url(Customer, "delete", alice.pk), {"post": "yes"})
    action_post = client.post(
        _url(Customer, "changelist"),
        {"action": "delete_selected", "_selected_action": [str(alice.pk)], "post": "yes"},
    )
    changelist = client.get(_url(Customer, "changelist"))

    assert page.status_code == 200
    assert page.context["has_delete_permission"] is False
    assert _url(Customer, "delete", alice.pk) not in page.content.decode()
    assert delete_page.status_code == 403
    assert delete_post.status_code == 403
    assert action_post.status_code in (200, 302)
    action_form = changelist.context["action_form"]
    assert action_form is None or "delete_selected" not in dict(
        action_form.fields["action"].choices
    )
    assert Customer.objects.filter(pk=alice.pk).exists()
    assert not [e for e in _events_after(last) if e.action == AuditEvent.Action.DELETE]
