"""Sessions and accounts (issue 10, ASVS 5.0 V6 and V7): limits enforced on the server, a
new session id at every authentication step, sessions that end with the account or its
roles, rate limits a forged address cannot dodge, no account enumeration, mail on every
credential change, and two-factor secrets encrypted at rest."""

import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from customers import roles
from customers.mfa import PREFIX, decrypt
from customers.middleware import LAST_SEEN, LOGIN_AT
from customers.models import Customer, StaffRoleGrant, User, helsinki_today
from privacy.models import AuditEvent
from privacy.services.erasure import customer_erase
from scripts.totp_code import totp
from tests.conftest import PASSWORD, TOTP_SECRET, current_totp_code


@pytest.fixture(autouse=True)
def fresh_limits(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _age_session(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


# -- Idle and absolute limits ---------------------------------------------------------------------


def test_a_customer_idle_for_more_than_30_minutes_is_signed_out(alice: Customer) -> None:
    client = _signed_in(alice.user)
    assert client.get(reverse("portal:home")).status_code == 200
    _age_session(client, LAST_SEEN, 31 * 60)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_customer_active_within_30_minutes_stays_signed_in(alice: Customer) -> None:
    client = _signed_in(alice.user)
    client.get(reverse("portal:home"))
    _age_session(client, LAST_SEEN, 29 * 60)

    assert client.get(reverse("portal:home")).status_code == 200


def test_staff_are_signed_out_after_15_idle_minutes(make_staff: Callable[..., User]) -> None:
    client = _signed_in(make_staff(roles.DPO))
    assert client.get("/admin/").status_code == 200
    _age_session(client, LAST_SEEN, 16 * 60)

    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_staff_session_ends_8_hours_after_login_however_active(
    make_staff: Callable[..., User],
) -> None:
    client = _signed_in(make_staff(roles.DPO))
    assert client.get("/admin/").status_code == 200
    _age_session(client, LOGIN_AT, 8 * 3600 + 60)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_customer_session_has_no_8_hour_limit(alice: Customer) -> None:
    client = _signed_in(alice.user)
    client.get(reverse("portal:home"))
    _age_session(client, LOGIN_AT, 9 * 3600)

    assert client.get(reverse("portal:home")).status_code == 200


# -- Sessions that end with the account -----------------------------------------------------------


def test_logout_ends_the_session_on_the_server(alice: Customer) -> None:
    client = _signed_in(alice.user)
    stolen = client.cookies["sessionid"].value

    client.post(reverse("account_logout"))

    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(reverse("portal:home")).status_code == 302


def test_a_deactivated_staff_account_loses_its_session_on_the_next_request(
    make_staff: Callable[..., User],
) -> None:
    staff = make_staff(roles.CUSTOMER_SERVICE)
    client = _signed_in(staff)
    assert client.get("/admin/").status_code == 200

    User.objects.filter(pk=staff.pk).update(is_active=False)

    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 302


def test_losing_the_last_role_grant_ends_the_staff_session(
    make_staff: Callable[..., User],
) -> None:
    staff = make_staff(roles.SALES)
    client = _signed_in(staff)
    assert client.get("/admin/").status_code == 200

    StaffRoleGrant.objects.filter(user=staff).delete()

    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_erasure_ends_every_session_of_the_person(alice: Customer, dpo: User) -> None:
    phone, laptop = _signed_in(alice.user), _signed_in(alice.user)
    assert phone.get(reverse("portal:home")).status_code == 200

    customer_erase(customer=alice, actor=dpo)

    assert phone.get(reverse("portal:home")).status_code == 302
    assert laptop.get(reverse("portal:home")).status_code == 302


# -- A new session id at every step ---------------------------------------------------------------


def test_the_session_id_changes_after_the_password_the_totp_code_and_reauthentication(
    make_staff: Callable[..., User],
) -> None:
    staff = make_staff(roles.DPO)
    client = Client()
    client.get(reverse("account_login"))
    client.session.save()
    ids = [client.session.session_key]

    client.post(
        f"{reverse('account_login')}?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )
    ids.append(client.session.session_key)
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    ids.append(client.session.session_key)
    assert client.get("/admin/").status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    ids.append(client.session.session_key)

    assert None not in ids
    assert len(set(ids)) == 4, ids
    # The one before the login opens nothing now.
    fixation = Client()
    fixation.cookies["sessionid"] = ids[0]
    assert fixation.get("/admin/").status_code == 302


# -- Rate limits and client addresses -------------------------------------------------------------


def test_a_forged_x_forwarded_for_neither_resets_the_limit_nor_reaches_the_audit_log(
    settings, alice: Customer
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip"}
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    answers = []
    for n in range(5):
        client = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        response = client.post(
            reverse("account_login"), {"login": f"x{n}@example.com", "password": "not-it-at-all"}
        )
        answers.append(response.context["form"].errors.as_text() if response.context else "")
    assert "Liian monta" in answers[-1] or "Too many" in answers[-1], answers[-1]

    client = Client(REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="198.51.100.1")
    client.force_login(alice.user)
    client.get(reverse("portal:export"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("portal:export-json"))
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.client_ip == "192.0.2.8"


def test_the_admin_login_cannot_be_used_to_bypass_allauths_limits(
    client: Client, make_staff: Callable[..., User]
) -> None:
    staff = make_staff(roles.DPO)

    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


# -- No account enumeration -----------------------------------------------------------------------


def _without_csrf_and_ids(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"[\w.+-]+@example\.com", "EMAIL", html)


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(
    alice: Customer,
) -> None:
    known = Client().post(reverse("account_reset_password"), {"email": alice.email}, follow=True)
    unknown = Client().post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True
    )

    assert known.redirect_chain == unknown.redirect_chain
    assert _without_csrf_and_ids(known.content.decode()) == _without_csrf_and_ids(
        unknown.content.decode()
    )


def test_login_answers_the_same_for_an_unknown_address_and_a_wrong_password(
    alice: Customer,
) -> None:
    wrong = Client().post(
        reverse("account_login"), {"login": alice.email, "password": "wrong-password-x"}
    )
    unknown = Client().post(
        reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-password-x"}
    )

    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors


def test_signup_with_a_taken_address_looks_like_any_signup_and_mails_the_owner(
    alice: Customer,
) -> None:
    password = "sininen kettu juoksee hangella"

    taken = Client().post(
        reverse("account_signup"),
        {"email": alice.email, "password1": password, "password2": password},
        follow=True,
    )
    fresh = Client().post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "password1": password, "password2": password},
        follow=True,
    )

    assert [url for url, _ in taken.redirect_chain] == [url for url, _ in fresh.redirect_chain]
    assert User.objects.filter(email__iexact=alice.email).count() == 1
    assert {m.to[0] for m in mail.outbox} == {alice.email, "newcomer@example.com"}


# -- Mail on every credential change --------------------------------------------------------------


def test_a_password_change_is_told_to_the_user_by_mail(alice: Customer) -> None:
    client = _signed_in(alice.user)
    new = "uusi salasana joka on pitkä"

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert User.objects.get(pk=alice.user.pk).check_password(new)


# allauth mails once the transaction commits, inside the request: a real commit is needed.
@pytest.mark.django_db(transaction=True)
def test_turning_on_two_factor_authentication_is_told_to_the_user_by_mail(
    alice: Customer,
) -> None:
    client = _signed_in(alice.user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})

    assert response.status_code == 302
    assert alice.email in {m.to[0] for m in mail.outbox}


def test_an_email_address_change_is_told_to_the_user_by_mail(alice: Customer) -> None:
    old = EmailAddress.objects.get(user=alice.user, email=alice.email)
    new = EmailAddress.objects.create(
        user=alice.user, email="alice.new@example.com", verified=True, primary=False
    )
    client = _signed_in(alice.user)

    response = client.post(reverse("account_email"), {"action_primary": "", "email": new.email})

    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.primary
    assert mail.outbox and any(alice.email in m.to for m in mail.outbox)


# -- Two-factor secrets at rest ------------------------------------------------------------------


def test_totp_secrets_are_stored_encrypted_and_still_work(
    make_staff: Callable[..., User],
) -> None:
    staff = make_staff(roles.DPO)
    stored = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP).data["secret"]

    assert stored.startswith(PREFIX)
    assert TOTP_SECRET not in stored
    assert decrypt(stored) == TOTP_SECRET


def test_rotating_the_keys_re_encrypts_every_secret_so_the_old_key_can_go(
    make_staff: Callable[..., User], settings
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [old_key]
    staff = make_staff(roles.DPO)
    plain = make_staff(None, email="old@herocon.example", mfa=False)
    Authenticator.objects.create(
        user=plain, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    before = Authenticator.objects.get(user=staff).data["secret"]

    settings.MFA_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_mfa_keys")
    settings.MFA_ENCRYPTION_KEYS = [new_key]

    for user in (staff, plain):
        stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
        assert stored.startswith(PREFIX) and stored != before
        assert decrypt(stored) == TOTP_SECRET
        assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(
            current_totp_code()
        )


def test_a_secret_no_key_opens_is_a_clear_error(make_staff, settings) -> None:
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    staff = make_staff(roles.DPO)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ValueError, match="MFA_ENCRYPTION_KEYS"):
        decrypt(Authenticator.objects.get(user=staff).data["secret"])


def test_grants_expire_within_the_day_boundary_for_the_session_too(
    make_staff: Callable[..., User],
) -> None:
    # A grant ending today still counts today (the end day is whole, Helsinki time).
    staff = make_staff(roles.SALES, valid_until=helsinki_today())
    client = _signed_in(staff)
    assert client.get("/admin/").status_code == 200
    StaffRoleGrant.objects.filter(user=staff).update(
        valid_until=helsinki_today() + timedelta(days=1)
    )
    assert client.get("/admin/").status_code == 200
