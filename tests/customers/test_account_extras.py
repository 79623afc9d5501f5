"""The language switch and email changes reach the customer record; new accounts are not
told the notice "changed"; session keys never leave in a download."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from customers.models import Customer, User
from privacy.models import AuditEvent
from privacy.subject_data import subject_data_json
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limits(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = False


def test_the_language_switch_saves_a_signed_in_customers_language(client, alice):
    client.force_login(alice.user)

    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "sv"
    alice.refresh_from_db()
    assert alice.language == "sv"
    event = AuditEvent.objects.filter(object_type="customers.customer").latest("id")
    assert (event.action, event.changed_fields, event.actor_id) == (
        "change",
        ["language"],
        alice.user.pk,
    )


def test_the_language_switch_ignores_an_unknown_language_and_changes_nothing(client, alice):
    client.force_login(alice.user)
    events = AuditEvent.objects.count()

    client.post("/i18n/setlang/", {"language": "de", "next": "/"})

    alice.refresh_from_db()
    assert alice.language == "fi"
    assert AuditEvent.objects.count() == events


def test_the_language_switch_works_for_visitors_without_touching_the_register(client, alice):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.cookies["django_language"].value == "en"
    alice.refresh_from_db()
    assert alice.language == "fi"


def test_a_new_verified_primary_email_becomes_the_customers_email(client, alice, mailoutbox):
    client.force_login(alice.user)

    client.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.com"})
    confirmation = next(m for m in mailoutbox if "alice.new@example.com" in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    client.post(link)
    assert EmailAddress.objects.get(email="alice.new@example.com").verified
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # verified but not yet primary

    client.post("/accounts/email/", {"action_primary": "", "email": "alice.new@example.com"})

    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"
    event = AuditEvent.objects.filter(object_type="customers.customer").latest("id")
    assert event.changed_fields == ["email"]
    assert "alice.new" not in str(event.changed_fields)


def test_an_unverified_address_cannot_become_the_customers_email(client, alice):
    client.force_login(alice.user)
    client.post("/accounts/email/", {"action_add": "", "email": "unverified@example.com"})

    client.post("/accounts/email/", {"action_primary": "", "email": "unverified@example.com"})

    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_new_account_has_already_seen_the_current_notice(client, mailoutbox):
    call_command("setup_notice", verbosity=0)

    client.post(
        "/accounts/signup/",
        {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    user = User.objects.get(email="newcomer@example.com")
    assert user.notice_version_seen == 1


def test_session_keys_never_appear_in_a_download(client, alice):
    client.force_login(alice.user)
    client.get("/")  # usersessions records this session
    session_key = client.session.session_key

    data = str(subject_data_json(Customer.objects.get(pk=alice.pk)))

    assert session_key
    assert session_key not in data
