"""The admin's door: its login is allauth's (with the TOTP step), staff without TOTP reach
no admin page, and customers' accounts are refused."""

import time
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.models import Customer, User
from privacy.models import AuditEvent
from scripts.totp_code import totp
from tests.conftest import PASSWORD, TOTP_SECRET, current_totp_code


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_rate_limits(settings) -> None:
    """Each test logs in afresh; allauth counts attempts in the (shared locmem) cache."""
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


def _current_code() -> str:
    return current_totp_code()


def _wrong_code() -> str:
    right = {totp(TOTP_SECRET, at=time.time() + offset) for offset in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


# -- Anonymous -----------------------------------------------------------------------------


def test_the_admin_sends_an_anonymous_visitor_to_allauths_login(client: Client, db: None) -> None:
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response.redirect_chain[-1][0]
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("account_login")


def test_the_admin_login_page_redirects_to_allauths_login(client: Client, db: None) -> None:
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_anonymous_post_to_the_admin_login_logs_nobody_in(
    client: Client, make_staff: Callable[..., User]
) -> None:
    staff = make_staff(roles.DPO)

    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


# -- Staff without TOTP ----------------------------------------------------------------------


@pytest.fixture
def admin_urls(alice: Customer) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:login"),
        reverse("admin:password_change"),
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_add"),
        reverse("admin:customers_customer_change", args=[alice.pk]),
        reverse("admin:privacy_auditevent_changelist"),
        reverse("admin:customers_staffrolegrant_changelist"),
        reverse("admin:customers_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:app_list", args=["customers"]),
        "/admin/no-such-page/",
    ]


@pytest.mark.parametrize("role", [roles.DPO, roles.CUSTOMER_SERVICE, roles.TECHNICAL_ADMIN])
def test_staff_without_totp_reach_no_admin_page_but_the_totp_setup(
    role: str, staff_client: Callable[..., Client], admin_urls: list[str]
) -> None:
    client = staff_client(role, mfa=False)
    setup = reverse("mfa_activate_totp")
    events_before = AuditEvent.objects.count()

    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(setup + "?"), url
    post = client.post(reverse("admin:customers_customer_add"), {"name": "Sneaky"})

    assert post.status_code == 302
    assert post["Location"].startswith(setup)
    assert not Customer.objects.filter(name="Sneaky").exists()
    # Nothing behind the door ran: not even the audited view of Alice's record.
    assert AuditEvent.objects.count() == events_before


def test_the_totp_redirect_carries_a_warning_and_the_page_to_return_to(
    staff_client: Callable[..., Client], alice: Customer
) -> None:
    client = staff_client(roles.DPO, mfa=False)
    url = reverse("admin:customers_customer_change", args=[alice.pk])

    response = client.get(url)
    messages = [str(m) for m in response.wsgi_request._messages]

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?next={url.replace('/', '%2F')}"
    assert len(messages) == 1


def test_staff_with_totp_reach_the_admin(
    staff_client: Callable[..., Client], admin_urls: list[str]
) -> None:
    client = staff_client(roles.DPO)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    assert client.get(reverse("admin:privacy_auditevent_changelist")).status_code == 200


def test_pages_outside_the_admin_stay_open_to_staff_without_totp(
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(roles.DPO, mfa=False)

    assert client.get("/").status_code == 200


# -- Customers -----------------------------------------------------------------------------


def test_a_customer_logged_in_to_the_portal_is_refused_the_admin(
    client: Client, alice: Customer
) -> None:
    client.force_login(alice.user)

    response = client.get("/admin/", follow=True)
    direct = client.get(reverse("admin:customers_customer_changelist"), follow=True)

    assert response.status_code == 403
    assert direct.status_code == 403
    assert b"Alice Aaltonen" not in direct.content
    assert b"Charlie" not in direct.content


# -- The real login flow -------------------------------------------------------------------


def _password_step(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post(
        f"{reverse('account_login')}?next=/admin/", {"login": email, "password": password}
    )


def test_staff_log_in_with_password_and_totp_code_and_reach_the_admin(
    client: Client, make_staff: Callable[..., User], no_rate_limits: None
) -> None:
    staff = make_staff(roles.DPO)

    first = _password_step(client, staff.email)

    assert first.status_code == 302
    assert first["Location"].startswith(reverse("mfa_authenticate"))
    # Half-way in is not in: the password alone opens nothing.
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    second = client.post(reverse("mfa_authenticate"), {"code": _current_code()})

    assert second.status_code == 302
    assert second["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.context["staff_roles"] == [roles.DPO]
    staff.refresh_from_db()
    assert staff.last_login is not None


def test_a_wrong_totp_code_keeps_the_staff_member_out(
    client: Client, make_staff: Callable[..., User], no_rate_limits: None
) -> None:
    staff = make_staff(roles.DPO)
    _password_step(client, staff.email)

    response = client.post(reverse("mfa_authenticate"), {"code": _wrong_code()})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 302
    staff.refresh_from_db()
    assert staff.last_login is None


def test_a_wrong_password_never_reaches_the_totp_step(
    client: Client, make_staff: Callable[..., User], no_rate_limits: None
) -> None:
    staff = make_staff(roles.DPO)

    response = _password_step(client, staff.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("mfa_authenticate")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_totp_code_cannot_be_used_for_a_second_login(
    make_staff: Callable[..., User], no_rate_limits: None
) -> None:
    staff = make_staff(roles.DPO)
    code = _current_code()
    first, second = Client(), Client()
    _password_step(first, staff.email)
    first.post(reverse("mfa_authenticate"), {"code": code})
    _password_step(second, staff.email)

    response = second.post(reverse("mfa_authenticate"), {"code": code})

    assert first.get("/admin/").status_code == 200
    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


def test_repeated_failed_logins_are_rate_limited(
    client: Client, make_staff: Callable[..., User], settings
) -> None:
    cache.clear()
    staff = make_staff(roles.DPO)

    statuses = [_password_step(client, staff.email, f"wrong-{i}").status_code for i in range(6)]
    response = _password_step(client, staff.email)

    assert statuses[:5] == [200] * 5
    # The right password no longer gets to the second step while the limit holds.
    assert not (
        response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate"))
    )
    cache.clear()
