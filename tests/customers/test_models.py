"""The register's rules on one row: database constraints (which hold even when code skips
`full_clean()`), `clean()` rules (which name the field), and the reusable reads."""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    SocialMediaProfile,
)


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Messages are compared in English; Finnish translations may change (LANGUAGE_CODE fi)."""
    with translation.override("en"):
        yield


def english_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}


def refused_by_database(create: Callable[[], object]) -> None:
    """Assert that the database itself refuses the write (no full_clean in the way)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def authorize(
    person: Customer,
    organization: Customer,
    role: str,
    *,
    valid_from: date = date(2025, 1, 1),
    valid_until: date | None = None,
) -> Authorization:
    return Authorization.objects.create(
        person=person,
        organization=organization,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by="CEO",
        evidence="Email of 1.1.2025",
        source=DataSource.EMAIL,
    )


@pytest.fixture
def bob(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(name="Bob Berg", email="bob@example.com", phone="045 111 2222")


# -- Customer ---------------------------------------------------------------------------------


def test_the_database_refuses_a_person_with_a_business_id(db: None) -> None:
    refused_by_database(
        lambda: Customer.objects.create(
            kind="person", name="Maija", business_id="0112038-9", source=DataSource.PHONE
        )
    )
    assert not Customer.objects.exists()


def test_clean_refuses_a_person_with_a_business_id_on_that_field(db: None) -> None:
    customer = Customer(
        kind="person", name="Maija", business_id="0112038-9", source=DataSource.PHONE
    )
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert english_errors(caught.value) == {
        "business_id": ["Leave the business ID empty for a person."]
    }


def test_the_database_refuses_a_finnish_organization_without_a_business_id(db: None) -> None:
    refused_by_database(
        lambda: Customer.objects.create(
            kind="organization", name="Oy Ab", country="FI", source=DataSource.PHONE
        )
    )
    assert not Customer.objects.exists()


def test_clean_asks_a_finnish_organization_for_its_business_id(db: None) -> None:
    customer = Customer(kind="organization", name="Oy Ab", country="FI", source=DataSource.PHONE)
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert english_errors(caught.value) == {
        "business_id": ["A Finnish organization needs its business ID."]
    }
    assert caught.value.error_dict["business_id"][0].code == "business_id_required"


def test_a_foreign_organization_may_have_no_business_id(db: None) -> None:
    customer = Customer(kind="organization", name="Svensk AB", country="se", source="email")
    customer.full_clean()
    customer.save()
    customer.refresh_from_db()
    assert (customer.country, customer.business_id) == ("SE", "")


def test_the_database_refuses_a_second_customer_with_the_same_business_id(
    company: Customer,
) -> None:
    refused_by_database(
        lambda: Customer.objects.create(
            kind="organization", name="Copy Oy", business_id="0112038-9", source="phone"
        )
    )
    assert Customer.objects.filter(business_id="0112038-9").count() == 1


def test_full_clean_refuses_a_duplicate_business_id_with_a_clear_message(
    company: Customer,
) -> None:
    copy = Customer(kind="organization", name="Copy Oy", business_id="0112038-9", source="phone")
    with pytest.raises(ValidationError) as caught:
        copy.full_clean()
    messages = [m for msgs in english_errors(caught.value).values() for m in msgs]
    assert messages == ["A customer with this business ID already exists."]


def test_full_clean_names_business_id_for_a_duplicate(company: Customer) -> None:
    copy = Customer(kind="organization", name="Copy Oy", business_id="0112038-9", source="phone")
    with pytest.raises(ValidationError) as caught:
        copy.full_clean()
    assert "business_id" in caught.value.error_dict


def test_many_people_may_share_an_empty_business_id(make_customer: Callable) -> None:
    make_customer(name="A")
    make_customer(name="B")
    assert Customer.objects.filter(business_id="").count() == 2


def test_an_organization_may_save_itself_again_with_its_own_business_id(
    company: Customer,
) -> None:
    company.name = "Kivikko Rakennus Oyj"
    company.full_clean()
    company.save()
    company.refresh_from_db()
    assert company.name == "Kivikko Rakennus Oyj"


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "robot"},
        {"language": "de"},
        {"restricted": True, "restricted_at": None},
    ],
    ids=["kind", "language", "undated-restriction"],
)
def test_the_database_refuses_other_impossible_customers(db: None, values: dict) -> None:
    fields = {"kind": "person", "name": "X", "source": "phone", **values}
    refused_by_database(lambda: Customer.objects.create(**fields))
    assert not Customer.objects.exists()


def test_clean_dates_a_restriction_that_has_no_date(db: None) -> None:
    customer = Customer(kind="person", name="X", source="phone", restricted=True)
    customer.full_clean()
    customer.save()
    customer.refresh_from_db()
    assert customer.restricted_at is not None
    assert abs(customer.restricted_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.parametrize("country", ["FIN", "F", "1A", "ÅÄ"])
def test_clean_refuses_a_country_that_is_not_two_letters(db: None, country: str) -> None:
    customer = Customer(kind="person", name="X", source="phone", country=country)
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert set(caught.value.error_dict) == {"country"}


# -- BillingProfile -----------------------------------------------------------------------------


def test_the_database_refuses_a_billing_profile_without_any_channel(company: Customer) -> None:
    refused_by_database(
        lambda: BillingProfile.objects.create(customer=company, source=DataSource.EMAIL)
    )
    assert not BillingProfile.objects.exists()


def test_full_clean_refuses_a_billing_profile_without_any_channel(company: Customer) -> None:
    profile = BillingProfile(customer=company, source=DataSource.EMAIL, postal_code="00100")
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert english_errors(caught.value) == {
        NON_FIELD_ERRORS: [
            "Give at least one invoicing channel: e-invoice address, invoicing email or "
            "billing address."
        ]
    }


@pytest.mark.parametrize(
    "channel",
    [
        {"e_invoice_address": "003701120389", "operator_id": "E204503"},
        {"invoicing_email": "laskut@KIVIKKO.example"},
        {"street_address": "PL 12", "postal_code": "00101", "city": "Helsinki"},
    ],
    ids=["e-invoice", "email", "paper"],
)
def test_any_one_invoicing_channel_is_enough(company: Customer, channel: dict) -> None:
    profile = BillingProfile(customer=company, source=DataSource.EMAIL, **channel)
    profile.full_clean()
    profile.save()
    assert BillingProfile.objects.get().customer == company


def test_the_database_refuses_an_e_invoice_address_without_an_operator(
    company: Customer,
) -> None:
    refused_by_database(
        lambda: BillingProfile.objects.create(
            customer=company, e_invoice_address="003701120389", source=DataSource.EMAIL
        )
    )
    assert not BillingProfile.objects.exists()


def test_clean_asks_for_the_operator_of_an_e_invoice_address(company: Customer) -> None:
    profile = BillingProfile(
        customer=company, e_invoice_address="003701120389", source=DataSource.EMAIL
    )
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert english_errors(caught.value) == {
        "operator_id": ["An e-invoice address needs its operator ID."]
    }


def test_clean_checks_a_finnish_billing_postal_code(company: Customer) -> None:
    profile = BillingProfile(
        customer=company, street_address="PL 12", postal_code="123", source=DataSource.EMAIL
    )
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert set(caught.value.error_dict) == {"postal_code"}
    assert not BillingProfile.objects.exists()


# -- Authorization -------------------------------------------------------------------------------


def test_clean_refuses_an_organization_as_the_authorized_person(
    company: Customer, other_company: Customer
) -> None:
    authorization = Authorization(
        person=other_company,
        organization=company,
        role="admin",
        granted_by="CEO",
        evidence="x",
        source="email",
    )
    with pytest.raises(ValidationError) as caught:
        authorization.full_clean()
    errors = english_errors(caught.value)
    assert set(errors) == {"person"}
    assert "Only a person can be authorized." in errors["person"]


def test_clean_refuses_an_authorization_for_a_person(alice: Customer, bob: Customer) -> None:
    authorization = Authorization(
        person=alice,
        organization=bob,
        role="viewer",
        granted_by="Bob",
        evidence="x",
        source="email",
    )
    with pytest.raises(ValidationError) as caught:
        authorization.full_clean()
    errors = english_errors(caught.value)
    assert set(errors) == {"organization"}
    assert "Choose an organization here, not a person." in errors["organization"]


def test_the_database_refuses_an_authorization_ending_before_it_starts(
    alice: Customer, other_company: Customer
) -> None:
    refused_by_database(
        lambda: authorize(
            alice,
            other_company,
            "viewer",
            valid_from=date(2025, 6, 1),
            valid_until=date(2025, 5, 31),
        )
    )
    assert not Authorization.objects.filter(organization=other_company).exists()


def test_full_clean_refuses_an_authorization_ending_before_it_starts(
    alice: Customer, other_company: Customer
) -> None:
    authorization = Authorization(
        person=alice,
        organization=other_company,
        role="viewer",
        valid_from=date(2025, 6, 1),
        valid_until=date(2025, 5, 31),
        granted_by="CEO",
        evidence="x",
        source="email",
    )
    with pytest.raises(ValidationError) as caught:
        authorization.full_clean()
    messages = [m for msgs in english_errors(caught.value).values() for m in msgs]
    assert messages == ["The end date cannot be before the start date."]


def test_an_authorization_may_start_and_end_on_the_same_day(
    alice: Customer, other_company: Customer
) -> None:
    day = date(2025, 6, 1)
    authorization = authorize(alice, other_company, "viewer", valid_from=day, valid_until=day)
    at_saaristo = Authorization.objects.filter(organization=other_company)
    assert list(at_saaristo.active(day)) == [authorization]
    assert list(at_saaristo.active(day + timedelta(days=1))) == []


def test_the_database_refuses_an_authorization_of_a_customer_for_itself(
    company: Customer,
) -> None:
    refused_by_database(lambda: authorize(company, company, "admin"))
    assert not Authorization.objects.filter(person=company).exists()


def test_the_database_refuses_an_unknown_role(alice: Customer, other_company: Customer) -> None:
    refused_by_database(lambda: authorize(alice, other_company, "owner"))
    assert not Authorization.objects.filter(organization=other_company).exists()


def test_active_authorizations_include_their_first_and_last_day_only(
    bob: Customer, other_company: Customer
) -> None:
    authorization = authorize(
        bob, other_company, "viewer", valid_from=date(2025, 3, 1), valid_until=date(2025, 3, 31)
    )
    active = Authorization.objects.filter(person=bob).active
    assert list(active(date(2025, 2, 28))) == []
    assert list(active(date(2025, 3, 1))) == [authorization]
    assert list(active(date(2025, 3, 31))) == [authorization]
    assert list(active(date(2025, 4, 1))) == []


def test_an_open_ended_authorization_stays_active(bob: Customer, other_company: Customer) -> None:
    authorization = authorize(bob, other_company, "viewer", valid_from=date(2025, 3, 1))
    assert list(Authorization.objects.filter(person=bob).active(date(2099, 1, 1))) == [
        authorization
    ]
    assert authorization.is_active(date(2099, 1, 1))
    assert not authorization.is_active(date(2025, 2, 28))


def test_active_defaults_to_today_in_helsinki(bob: Customer, other_company: Customer) -> None:
    today = timezone.localdate()
    current = authorize(bob, other_company, "viewer", valid_from=today - timedelta(days=1))
    authorize(bob, other_company, "billing", valid_from=today + timedelta(days=1))
    assert list(Authorization.objects.filter(person=bob).active()) == [current]


def test_purchase_right_is_an_active_admin_or_purchaser_authorization(
    make_customer: Callable, other_company: Customer
) -> None:
    people = {
        role: make_customer(name=f"{role.title()} Person")
        for role in ("admin", "purchaser", "billing", "viewer", "expired")
    }
    for role in ("admin", "purchaser", "billing", "viewer"):
        authorize(people[role], other_company, role)
    authorize(people["expired"], other_company, "purchaser", valid_until=date(2025, 1, 31))

    with_right = Authorization.objects.with_purchase_right(date(2025, 6, 1)).filter(
        organization=other_company
    )

    assert {a.person.name for a in with_right} == {"Admin Person", "Purchaser Person"}


# -- Purchase ----------------------------------------------------------------------------------


def purchase_for(
    customer: Customer, product: Product, buyer: Customer | None, on: date
) -> Purchase:
    return Purchase(
        customer=customer,
        product=product,
        purchased_by=buyer,
        purchased_on=on,
        amount=Decimal("100.00"),
        source=DataSource.CONTRACT,
    )


def test_an_admin_may_buy_for_the_organization(
    alice: Customer, company: Customer, product: Product
) -> None:
    purchase = purchase_for(company, product, alice, date(2025, 3, 1))
    purchase.full_clean()
    purchase.save()
    assert Purchase.objects.get().purchased_by == alice


@pytest.mark.parametrize("role", ["billing", "viewer"])
def test_a_billing_contact_or_viewer_has_no_purchase_right(
    bob: Customer, company: Customer, product: Product, role: str
) -> None:
    authorize(bob, company, role)
    purchase = purchase_for(company, product, bob, date(2025, 3, 1))

    with pytest.raises(ValidationError) as caught:
        purchase.full_clean()

    assert english_errors(caught.value) == {
        "purchased_by": [
            "This person had no purchase right for the organization on the purchase date."
        ]
    }


def test_a_purchaser_may_buy_on_the_last_day_of_the_authorization_but_not_after(
    bob: Customer, company: Customer, product: Product
) -> None:
    authorize(bob, company, "purchaser", valid_until=date(2025, 3, 31))

    purchase_for(company, product, bob, date(2025, 3, 31)).full_clean()
    with pytest.raises(ValidationError) as caught:
        purchase_for(company, product, bob, date(2025, 4, 1)).full_clean()

    assert set(caught.value.error_dict) == {"purchased_by"}


def test_a_purchase_before_the_authorization_started_is_refused(
    bob: Customer, company: Customer, product: Product
) -> None:
    authorize(bob, company, "purchaser", valid_from=date(2025, 3, 1))
    with pytest.raises(ValidationError) as caught:
        purchase_for(company, product, bob, date(2025, 2, 28)).full_clean()
    assert set(caught.value.error_dict) == {"purchased_by"}


def test_a_purchase_right_for_another_organization_does_not_count(
    alice: Customer, other_company: Customer, product: Product
) -> None:
    # Alice is admin of Kivikko (the `company` fixture), not of Saaristo.
    with pytest.raises(ValidationError) as caught:
        purchase_for(other_company, product, alice, date(2025, 3, 1)).full_clean()
    assert set(caught.value.error_dict) == {"purchased_by"}


def test_an_organization_cannot_be_the_buyer(
    company: Customer, other_company: Customer, product: Product
) -> None:
    with pytest.raises(ValidationError) as caught:
        purchase_for(company, product, other_company, date(2025, 3, 1)).full_clean()
    errors = english_errors(caught.value)
    assert set(errors) == {"purchased_by"}
    assert "The buyer must be a person." in errors["purchased_by"]


def test_a_persons_own_purchase_is_bought_by_that_person(
    alice: Customer, bob: Customer, product: Product
) -> None:
    purchase_for(alice, product, alice, date(2025, 3, 1)).full_clean()
    with pytest.raises(ValidationError) as caught:
        purchase_for(alice, product, bob, date(2025, 3, 1)).full_clean()
    assert english_errors(caught.value) == {
        "purchased_by": ["For a person's own purchase, the buyer must be that person."]
    }
    assert not Purchase.objects.exists()


def test_the_database_refuses_a_negative_amount(company: Customer, product: Product) -> None:
    purchase = purchase_for(company, product, None, date(2025, 3, 1))
    purchase.amount = Decimal("-1.00")
    with pytest.raises(ValidationError) as caught:
        purchase.full_clean()
    assert set(caught.value.error_dict) == {"amount"}
    refused_by_database(purchase.save)
    assert not Purchase.objects.exists()


# -- SocialMediaProfile -------------------------------------------------------------------------


def test_the_database_refuses_a_social_media_profile_without_handle_or_url(
    alice: Customer,
) -> None:
    refused_by_database(
        lambda: SocialMediaProfile.objects.create(
            customer=alice, platform="linkedin", collected_from="LinkedIn", source="social_media"
        )
    )
    assert not SocialMediaProfile.objects.exists()


def test_full_clean_asks_for_a_handle_or_url(alice: Customer) -> None:
    profile = SocialMediaProfile(
        customer=alice, platform="linkedin", collected_from="LinkedIn", source="social_media"
    )
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert english_errors(caught.value) == {
        NON_FIELD_ERRORS: ["Give the handle or the profile URL."]
    }


@pytest.mark.parametrize(
    "values", [{"handle": "@alice"}, {"url": "https://www.linkedin.com/in/alice"}]
)
def test_a_handle_or_a_url_alone_is_enough(alice: Customer, values: dict) -> None:
    profile = SocialMediaProfile(
        customer=alice,
        platform="linkedin",
        collected_from="Kivikko's LinkedIn page",
        source="social_media",
        **values,
    )
    profile.full_clean()
    profile.save()
    assert SocialMediaProfile.objects.get().customer == alice


# -- Customer.objects.search ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("aaltonen", {"Alice Aaltonen"}),
        ("  Carlsson ", {"Charlie Carlsson"}),
        ("ALICE@EXAMPLE.COM", {"Alice Aaltonen"}),
        ("@example.com", {"Alice Aaltonen", "Charlie Carlsson"}),
        ("0112038-9", {"Kivikko Rakennus Oy"}),
        ("01120389", {"Kivikko Rakennus Oy"}),
        ("0112038 - 9", {"Kivikko Rakennus Oy"}),
        ("0737546", {"Saaristo Logistiikka Oy"}),
        ("040 754 0576", {"Alice Aaltonen"}),
        ("0407540576", {"Alice Aaltonen"}),
        ("+358 40 754 0576", {"Alice Aaltonen"}),
        ("050 123 4567", {"Charlie Carlsson"}),
        ("041 000 0000", set()),
        ("Nobody", set()),
    ],
)
def test_search_finds_customers_by_name_email_business_id_or_phone(
    alice: Customer, charlie: Customer, other_company: Customer, term: str, expected: set
) -> None:
    assert {c.name for c in Customer.objects.search(term)} == expected


def test_an_empty_search_returns_everyone(alice: Customer, charlie: Customer) -> None:
    assert Customer.objects.search("   ").count() == Customer.objects.count() == 3
