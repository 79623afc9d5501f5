"""The shared cast: Alice (a customer with a login, admin for Kivikko), Charlie (another
customer who must never see Alice's data), their companies, and staff in every role."""

import io
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from customers import roles
from customers.models import (
    Authorization,
    Customer,
    DataSource,
    Product,
    Purchase,
    StaffRoleGrant,
    User,
    helsinki_today,
)
from privacy.models import Recipient
from scripts.totp_code import totp

PASSWORD = "correct-horse-battery-staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2 at production strength costs about a second per user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def setup_roles(db: None) -> None:
    call_command("setup_roles", stdout=io.StringIO())


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(email: str, *, verified: bool = True, **extra: object) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def make_customer(db: None) -> Callable[..., Customer]:
    def make(**values: object) -> Customer:
        values.setdefault("kind", Customer.Kind.PERSON)
        values.setdefault("source", DataSource.WEB_FORM)
        values.setdefault("country", "FI")
        customer = Customer(**values)
        customer.full_clean()
        customer.save()
        return customer

    return make


@pytest.fixture
def company(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(
        kind=Customer.Kind.ORGANIZATION,
        name="Kivikko Rakennus Oy",
        business_id="0112038-9",
        email="info@kivikko.example",
        postal_code="00510",
        city="Helsinki",
        source=DataSource.CONTRACT,
    )


@pytest.fixture
def other_company(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(
        kind=Customer.Kind.ORGANIZATION,
        name="Saaristo Logistiikka Oy",
        business_id="0737546-2",
        email="toimisto@saaristo.example",
        postal_code="20100",
        city="Turku",
        source=DataSource.MEETING,
    )


@pytest.fixture
def alice(make_customer, make_user, company) -> Customer:
    user = make_user("alice@example.com", first_name="Alice", last_name="Aaltonen")
    customer = make_customer(
        name="Alice Aaltonen",
        email="alice@example.com",
        phone="040 754 0576",
        street_address="Mannerheimintie 1",
        postal_code="00100",
        city="Helsinki",
        user=user,
    )
    Authorization.objects.create(
        person=customer,
        organization=company,
        role=Authorization.Role.ADMIN,
        valid_from=date(2025, 1, 1),
        granted_by="Kivikko, CEO",
        evidence="Trade register extract",
        source=DataSource.CONTRACT,
    )
    return customer


@pytest.fixture
def charlie(make_customer, make_user) -> Customer:
    user = make_user("charlie@example.com", first_name="Charlie", last_name="Carlsson")
    return make_customer(
        name="Charlie Carlsson",
        email="charlie@example.com",
        phone="050 123 4567",
        postal_code="33100",
        city="Tampere",
        user=user,
    )


@pytest.fixture
def recipient(db: None) -> Recipient:
    return Recipient.objects.create(
        name="Koulutustalo Oy", kind=Recipient.Kind.PRODUCT_OWNER, country="FI"
    )


@pytest.fixture
def product(recipient: Recipient) -> Product:
    return Product.objects.create(name="Safety course", code="HC-1", owner=recipient)


@pytest.fixture
def purchase(company: Customer, alice: Customer, product: Product) -> Purchase:
    return Purchase.objects.create(
        customer=company,
        product=product,
        purchased_by=alice,
        purchased_on=date(2025, 3, 1),
        amount=Decimal("1480.00"),
        invoice_number="2025-001",
        source=DataSource.CONTRACT,
    )


@pytest.fixture
def make_staff(setup_roles: None, make_user: Callable[..., User]) -> Callable[..., User]:
    """A staff user holding `role` until `valid_until` (default: a year on), with TOTP."""

    def make(
        role: str | None,
        *,
        email: str | None = None,
        mfa: bool = True,
        valid_until: date | None = None,
    ) -> User:
        slug = (role or "norole").lower().replace(" ", "-")
        user = make_user(email or f"{slug}@herocon.example", is_staff=True)
        if mfa:
            TOTP.activate(user, TOTP_SECRET)
        if role:
            until = valid_until or helsinki_today() + timedelta(days=365)
            StaffRoleGrant.objects.create(
                user=user,
                group=Group.objects.get(name=role),
                reason="Test",
                valid_from=helsinki_today() - timedelta(days=30),
                valid_until=until,
                approved_until=until,
            )
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def staff_client(make_staff: Callable[..., User]) -> Callable[..., Client]:
    """A client logged in as a fresh staff user of `role` (MFA set up)."""

    def make(role: str | None, **kwargs: object) -> Client:
        client = Client()
        client.force_login(make_staff(role, **kwargs))
        return client

    return make


@pytest.fixture
def dpo(make_staff) -> User:
    return make_staff(roles.DPO)


@pytest.fixture
def customer_service(make_staff) -> User:
    return make_staff(roles.CUSTOMER_SERVICE)


def current_totp_code(secret: str = TOTP_SECRET) -> str:
    """The TOTP code now, clear of the 30-second boundary so it is still current when
    posted."""
    if time.time() % 30 > 27:
        time.sleep(3.5)
    return totp(secret)
