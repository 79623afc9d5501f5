"""Passwords (issue 10, ASVS 5.0 V6): Argon2id for new hashes, older PBKDF2 hashes
rehashed at the next login, at least 12 characters, no common passwords, long
passphrases welcome."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from customers.models import User

REAL_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSPHRASE = "sininen kettu juoksee hangella aamulla kello seitsemän"


@pytest.fixture(autouse=True)
def real_hashers(settings) -> None:
    settings.PASSWORD_HASHERS = REAL_HASHERS
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


def _sign_up(password: str) -> object:
    return Client().post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "password1": password, "password2": password},
    )


def test_a_pbkdf2_hash_is_replaced_with_argon2_at_the_next_login(db):
    user = User.objects.create(
        email="old@example.com",
        password=make_password(PASSPHRASE, hasher="pbkdf2_sha256"),
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert user.password.startswith("pbkdf2_sha256$")

    response = Client().post(
        reverse("account_login"), {"login": user.email, "password": PASSPHRASE}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSPHRASE)


def test_a_wrong_password_leaves_the_old_hash_alone(db):
    old = make_password(PASSPHRASE, hasher="pbkdf2_sha256")
    user = User.objects.create(email="old@example.com", password=old)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    Client().post(reverse("account_login"), {"login": user.email, "password": "not it at all 123"})

    user.refresh_from_db()
    assert user.password == old


def test_a_new_account_gets_an_argon2id_hash_and_a_long_passphrase_is_accepted(db):
    response = _sign_up(PASSPHRASE)

    assert response.status_code == 302
    assert User.objects.get(email="newcomer@example.com").password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Kettu-2026x", "ainakin 12 merkkiä"),
        ("password1234", "liian yleinen"),
        ("123456789012", "kokonaan numeerinen"),
    ],
)
def test_a_short_common_or_numeric_password_is_refused_and_no_account_is_made(
    db, password, message
):
    response = _sign_up(password)

    assert response.status_code == 200
    # In Finnish, the UI's default language.
    errors = " ".join(response.context["form"].errors["password1"])
    assert message in errors
    assert not User.objects.filter(email="newcomer@example.com").exists()
