"""Hostile input (issue 10, ASVS 5.0 V1, V2, V3, V4, V8): every case asserts the answer and
that the database did not change. Runs on SQLite and on PostgreSQL (CI runs both)."""

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from customers import roles
from customers.models import Customer, User
from privacy.models import AuditChainHead, AuditEvent, Breach, DataSubjectRequest
from privacy.services import breach_record, request_create
from tests.conftest import PASSWORD

# The one view that takes a POST without a CSRF token: RFC 8058 one-click unsubscribe,
# which a mail client sends with no page in between. It needs a valid signed token.
CSRF_EXEMPT = {"unsubscribe/<str:token>/"}
# Written by reading on purpose: the audit log records every staff view and download.
READ_WRITES = {AuditEvent, AuditChainHead}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def _walk(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _sample_path(route: str) -> str | None:
    """A concrete path for a route, or None for a regex route we cannot fill."""
    if route.startswith("^") or "(?P<" in route or "\\" in route:
        return None
    samples = {
        "int": "1",
        "uuid": str(uuid.UUID(int=1)),
        "str": "x",
        "slug": "x",
        "path": "x",
        "object_id": "1",
    }
    parts = []
    for chunk in route.split("<"):
        if ">" in chunk:
            spec, rest = chunk.split(">", 1)
            converter = spec.split(":")[0] if ":" in spec else "str"
            parts.append(samples.get(converter, "x") + rest)
        else:
            parts.append(chunk)
    return "/" + "".join(parts).lstrip("/")


def all_routes() -> list[tuple[str, str]]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        path = _sample_path(route)
        if path is not None:
            routes.append((route, path))
    return sorted(set(routes))


def snapshot() -> dict[str, list]:
    """Every row of every model but the audit log: what a request must leave alone."""
    state = {}
    for model in apps.get_models():
        if model in READ_WRITES or model._meta.app_label in ("sessions", "usersessions"):
            continue
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


@pytest.fixture
def dpo_client(make_staff: Callable[..., User]) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff(roles.DPO))
    return client


# -- CSRF ------------------------------------------------------------------------------------------


def test_the_walk_finds_the_projects_urls():
    routes = dict(all_routes())
    assert "portal/profile/" in routes
    assert "admin/customers/customer/<path:object_id>/change/" in routes
    assert len(routes) > 100


def test_every_view_refuses_a_post_without_a_csrf_token(dpo_client: Client, alice) -> None:
    before = snapshot()
    wrong = []
    for route, path in all_routes():
        if route in CSRF_EXEMPT:
            continue
        response = dpo_client.post(path, {"name": "changed"})
        if response.status_code != 403 or "Lomake on vanhentunut" not in response.content.decode():
            wrong.append(f"{route}: {response.status_code}")
    assert wrong == []
    assert snapshot() == before


def test_the_one_click_unsubscribe_without_a_token_needs_a_valid_signature(
    client: Client, alice
) -> None:
    before = snapshot()
    response = client.post(
        reverse("consents:unsubscribe", args=["forged.token"]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_no_get_changes_anything(make_staff: Callable[..., User], alice) -> None:
    staff = Client()
    staff.force_login(make_staff(roles.DPO))
    customer = Client()
    customer.force_login(alice.user)
    before = snapshot()
    errors = []
    for route, path in all_routes():
        for who, client in (("dpo", staff), ("alice", customer)):
            status = client.get(path).status_code
            if status >= 500:
                errors.append(f"{who} GET {route}: {status}")
    assert errors == []
    assert snapshot() == before


# -- Malformed and foreign ids in the admin --------------------------------------------------------

BAD_IDS = ["0", "-1", "99999999999999999999", "abc", "%00", "1%27%20OR%201=1"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_every_admin_object_page_answers_404_for_a_malformed_id(
    make_staff: Callable[..., User], bad_id: str
) -> None:
    client = Client()
    client.force_login(make_staff(roles.DPO))
    before = snapshot()
    wrong = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for view in ("change", "delete", "history"):
            url = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=["0"]).replace(
                "/0/", f"/{bad_id}/"
            )
            status = client.get(url).status_code
            if status not in (403, 404):
                wrong.append(f"{url}: {status}")
    assert wrong == []
    assert snapshot() == before


def test_a_staff_role_cannot_open_a_record_outside_its_queryset(
    make_staff: Callable[..., User], alice
) -> None:
    tech = Client()
    tech.force_login(make_staff(roles.TECHNICAL_ADMIN))
    response = tech.get(reverse("admin:customers_user_change", args=[alice.user.pk]))
    assert response.status_code == 404
    assert "alice@example.com" not in response.content.decode()


# -- Mass assignment ---------------------------------------------------------------------------


def test_the_profile_form_ignores_fields_it_does_not_show(alice: Customer, charlie) -> None:
    client = Client()
    client.force_login(alice.user)
    before = Customer.objects.get(pk=alice.pk)

    response = client.post(
        reverse("portal:profile"),
        {
            "name": "Alice A.",
            "street_address": before.street_address,
            "postal_code": before.postal_code,
            "city": before.city,
            "country": "FI",
            "phone": "040 754 0576",
            "language": "fi",
            # Not on the form:
            "user": str(charlie.user.pk),
            "restricted": "on",
            "kind": "organization",
            "business_id": "0112038-9",
            "email": "evil@example.com",
            "notes": "written by the customer",
            "public_id": str(charlie.public_id),
            "is_staff": "on",
        },
    )

    assert response.status_code == 302
    after = Customer.objects.get(pk=alice.pk)
    assert after.name == "Alice A."
    assert (after.user_id, after.restricted, after.kind, after.business_id, after.email) == (
        before.user_id,
        False,
        "person",
        before.business_id,
        before.email,
    )
    assert after.notes == before.notes and after.public_id == before.public_id
    assert not User.objects.get(pk=alice.user.pk).is_staff
    assert Customer.objects.get(pk=charlie.pk).name == charlie.name


def test_an_organization_admin_cannot_reach_another_organization_by_posting_its_id(
    alice: Customer, company, other_company
) -> None:
    client = Client()
    client.force_login(alice.user)
    before = snapshot()

    response = client.post(
        reverse("portal:organization-edit", args=[company.public_id]),
        {
            "street_address": "Uusi katu 1",
            "postal_code": "00100",
            "city": "Helsinki",
            "country": "FI",
            "organization": str(other_company.pk),
            "public_id": str(other_company.public_id),
            "name": "Hijacked Oy",
        },
    )

    assert response.status_code == 302
    assert Customer.objects.get(pk=other_company.pk).street_address == (
        other_company.street_address
    )
    company.refresh_from_db()
    assert company.street_address == "Uusi katu 1"
    assert company.name != "Hijacked Oy"
    changed = {k for k in before if snapshot()[k] != before[k]}
    assert changed <= {"customers.Customer"}


# -- Open redirects ------------------------------------------------------------------------------

EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_site(client: Client, alice: Customer, target: str) -> None:
    response = client.post(
        f"{reverse('account_login')}?next={target}",
        {"login": alice.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(("http", "//", "/\\", "javascript"))


@pytest.mark.parametrize("target", EVIL)
def test_logout_never_redirects_off_site(client: Client, alice: Customer, target: str) -> None:
    client.force_login(alice.user)
    response = client.post(reverse("account_logout"), {"next": target})
    assert response.status_code == 302
    assert not response["Location"].startswith(("http", "//", "/\\", "javascript"))


@pytest.mark.parametrize("target", EVIL)
def test_reauthentication_never_redirects_off_site(
    client: Client, alice: Customer, target: str
) -> None:
    client.force_login(alice.user)
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={target}",
        {"password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(("http", "//", "/\\", "javascript"))


@pytest.mark.parametrize("target", EVIL)
def test_the_language_switch_never_redirects_off_site(client: Client, db, target: str) -> None:
    response = client.post(reverse("set_language"), {"language": "sv", "next": target})
    assert response.status_code == 302
    assert not response["Location"].startswith(("http", "//", "/\\", "javascript"))


# -- Host header poisoning ----------------------------------------------------------------------


def test_a_password_reset_with_a_forged_host_sends_no_link_to_it(client: Client, alice) -> None:
    response = client.post(
        reverse("account_reset_password"), {"email": alice.email}, HTTP_HOST="evil.example"
    )

    assert response.status_code == 400
    assert mail.outbox == []


def test_a_password_reset_link_names_only_the_sites_own_host(client: Client, alice) -> None:
    client.post(
        reverse("account_reset_password"),
        {"email": alice.email},
        HTTP_X_FORWARDED_HOST="evil.example",
    )

    assert len(mail.outbox) == 1
    assert "evil.example" not in mail.outbox[0].body
    assert "http://testserver/accounts/password/reset/key/" in mail.outbox[0].body


def test_an_email_confirmation_link_with_a_forged_host_is_refused(client: Client, alice) -> None:
    client.force_login(alice.user)
    response = client.post(
        reverse("account_email"),
        {"action_add": "", "email": "second@example.com"},
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 400
    assert mail.outbox == []


# -- XSS ----------------------------------------------------------------------------------------


def test_script_in_every_free_text_field_is_escaped_in_the_portal_admin_and_dpo_pages(
    alice: Customer, make_staff: Callable[..., User]
) -> None:
    Customer.objects.filter(pk=alice.pk).update(name=XSS, city=XSS, notes=XSS)
    dpo = make_staff(roles.DPO)
    request_create(customer=alice, kind="erasure", channel="email", details=XSS, actor=dpo)
    breach_record(
        actor=dpo,
        title=XSS,
        aware_at=timezone.now() - timedelta(hours=1),
        nature=XSS,
        data_categories=XSS,
        approx_people=1,
        approx_records=1,
        consequences=XSS,
        measures=XSS,
    )
    customer = Client()
    customer.force_login(alice.user)
    staff = Client()
    staff.force_login(dpo)
    pages = {
        "portal": customer.get(reverse("portal:home")),
        "requests": customer.get(reverse("portal:requests")),
        "admin customer": staff.get(reverse("admin:customers_customer_change", args=[alice.pk])),
        "admin list": staff.get(reverse("admin:customers_customer_changelist")),
        "request queue": staff.get(reverse("admin:privacy_datasubjectrequest_changelist")),
        "request": staff.get(
            reverse(
                "admin:privacy_datasubjectrequest_change",
                args=[DataSubjectRequest.objects.get().pk],
            )
        ),
        "breach": staff.get(reverse("admin:privacy_breach_change", args=[Breach.objects.get().pk])),
        "dashboard": staff.get(reverse("admin:privacy_dashboard")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert XSS not in html, name
        assert "<script>alert" not in html, name
    assert ESCAPED in pages["portal"].content.decode()
    assert ESCAPED in pages["admin customer"].content.decode()


def test_script_in_the_notices_free_texts_is_escaped_on_the_published_notice(
    client: Client, make_staff: Callable[..., User]
) -> None:
    from privacy.services import notice_draft_create, notice_publish

    dpo = make_staff(roles.DPO)
    draft = notice_draft_create(actor=dpo)
    draft.intro_fi = XSS
    draft.save()
    notice_publish(draft=draft, actor=dpo)

    response = client.get(reverse("privacy:notice"))

    assert response.status_code == 200
    html = response.content.decode()
    assert XSS not in html and "<script>alert" not in html
    assert ESCAPED in html
