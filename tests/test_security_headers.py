"""The production profile (issue 10): the deploy check is clean with `.env.example` as
written, and every class of response carries the page policy headers, in the site's own
error pages, with personal data never cached."""

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.models import User

ROOT = Path(__file__).resolve().parent.parent
POLICY = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def env_example() -> dict[str, str]:
    """`.env.example` as a deployment would read it; the secrets it leaves blank (it must
    never hold them) get fresh random values."""
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z_]+)=(.*)$", line)
        if match:
            values[match[1]] = re.sub(r"\s+#.*$", "", match[2]).strip()
    for name in ("SECRET_KEY", "CONSENT_SUPPRESSION_KEY", "MFA_ENCRYPTION_KEYS"):
        assert values[name] == "", f"{name} must stay blank in .env.example"
        values[name] = secrets.token_urlsafe(50)
    values["MFA_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    return values


def test_the_deploy_check_is_clean_at_warning_level_with_env_example_as_written():
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**keep, **env_example()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_use_host_cookies_hsts_and_argon2():
    script = (
        "import django;from django.conf import settings as s;django.setup();"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME,"
        " s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.PASSWORD_HASHERS[0])"
    )
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**keep, **env_example(), "DJANGO_SETTINGS_MODULE": "herocon_registry.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "__Host-django_language",
        "True",
        "True",
        "Lax",
        "31536000",
        "True",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


def assert_policy(response) -> None:
    for header, value in POLICY.items():
        assert response.headers.get(header) == value, (response.status_code, header)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def assert_site_error_page(response, title: str) -> None:
    page = response.content.decode()
    assert '<html lang="fi">' in page
    assert 'class="skip-link"' in page
    assert f"<h1>{title}</h1>" in page
    assert "no-store" in response.headers["Cache-Control"]


@pytest.fixture
def staff(make_staff: Callable[..., User]) -> Client:
    client = Client()
    client.force_login(make_staff(roles.MARKETING))
    return client


def test_a_200_carries_the_policy(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert_policy(response)


def test_a_302_carries_the_policy(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert_policy(response)


def test_a_400_for_a_disallowed_host_carries_the_policy_and_the_sites_page(client, db):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_policy(response)
    assert_site_error_page(response, "Virheellinen pyyntö")


def test_a_403_carries_the_policy_and_the_sites_page(staff):
    response = staff.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 403
    assert_policy(response)
    assert_site_error_page(response, "Ei käyttöoikeutta")


def test_a_403_for_a_missing_csrf_token_is_the_sites_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@b.fi", "password": "x"})
    assert response.status_code == 403
    assert_policy(response)
    assert_site_error_page(response, "Lomake on vanhentunut")


def test_a_404_carries_the_policy_and_the_sites_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_policy(response)
    assert_site_error_page(response, "Sivua ei löydy")


def test_a_405_carries_the_policy_the_allow_header_and_the_sites_page(client, alice):
    client.force_login(alice.user)
    response = client.put(reverse("portal:export"))
    assert response.status_code == 405
    assert response["Allow"]
    assert_policy(response)
    assert_site_error_page(response, "Ei sallittu")


def test_a_429_carries_the_policy_and_the_sites_page(client, alice, settings):
    # allauth's own login limit (30 a minute from one address), lowered to be quick.
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    cache.clear()
    statuses = [
        client.post(
            reverse("account_login"), {"login": alice.email, "password": "wrong-password-here"}
        ).status_code
        for _ in range(3)
    ]
    response = client.post(reverse("account_login"), {"login": alice.email, "password": "x"})
    assert statuses[:2] == [200, 200]
    assert response.status_code == 429
    assert_policy(response)
    assert_site_error_page(response, "Liian monta yritystä")
    cache.clear()


@pytest.mark.urls("tests.urls_errors")
def test_a_500_carries_the_policy_and_the_sites_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-failure/")
    assert response.status_code == 500
    assert_policy(response)
    assert_site_error_page(response, "Jokin meni vikaan")
    assert "a bug, on purpose" not in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_email",
        "account_change_password",
        "usersessions_list",
        "mfa_index",
        "account_reauthenticate",
    ],
)
def test_allauths_pages_are_never_cached(name, client, alice):
    client.force_login(alice.user)
    response = client.get(reverse(name))
    assert response.status_code in (200, 302)
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert_policy(response)


def test_public_pages_and_static_files_stay_cacheable(client, db):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
