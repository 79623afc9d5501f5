"""Finnish field formats (LEGAL.md, "Finnish identifiers and formats"): the validators alone,
through the model, and the same message through the admin and the CSV import."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import escape

from customers import roles, validators
from customers.models import BillingProfile, Customer, DataSource
from privacy.models import AuditEvent
from tests.customers.conftest import valid_business_ids, write_csv, ytunnus_check_digit

ARABIC_INDIC_BUSINESS_ID = "٠١١٢٠٣٨-٩"  # 0112038-9 written in Arabic-Indic digits
FULLWIDTH_BUSINESS_ID = "０１１２０３８-９"


def english(message: object, **params: object) -> str:
    with translation.override("en"):
        text = str(message)
    return text % params if params else text


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    with translation.override("en"):
        return exc.message_dict


def english_messages(exc: ValidationError) -> list[str]:
    with translation.override("en"):
        return [str(m) for m in exc.messages]


def organization(**values: object) -> Customer:
    values = {
        "kind": Customer.Kind.ORGANIZATION,
        "name": "Testi Oy",
        "country": "FI",
        "source": DataSource.PHONE,
        **values,
    }
    return Customer(**values)


def person(**values: object) -> Customer:
    values = {
        "kind": Customer.Kind.PERSON,
        "name": "Maija Meikäläinen",
        "country": "FI",
        "source": DataSource.PHONE,
        **values,
    }
    return Customer(**values)


# -- Y-tunnus ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0112038-9", "0737546-2", "2077474-0"])
def test_valid_business_ids_pass_the_validator(value: str) -> None:
    validators.validate_business_id(value)


@pytest.mark.parametrize("value", ["0737546-3", "1234567-8"])
def test_a_wrong_check_digit_is_refused_naming_the_business_id(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validators.validate_business_id(value)
    assert caught.value.code == "business_id_checksum"
    assert english_messages(caught.value) == [
        f"The business ID (Y-tunnus) {value} has a wrong check digit."
    ]


@pytest.mark.parametrize(
    "value",
    [
        "112038-9",
        "01120389-0",
        "0112038_9",
        "0112038-",
        "O112038-9",
        "0112038-X",
        "FI01120389",
        ARABIC_INDIC_BUSINESS_ID,
        FULLWIDTH_BUSINESS_ID,
    ],
)
def test_a_malformed_business_id_is_refused_with_the_format_message(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validators.validate_business_id(value)
    assert caught.value.code == "business_id_format"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" 0112038 - 9", "0112038-9"),
        ("01120389", "0112038-9"),
        ("0112038-9 ", "0112038-9"),
        ("0 1 1 2 0 3 8 9", "0112038-9"),
        ("\t2077474-0\n", "2077474-0"),
    ],
)
def test_spaces_in_a_business_id_are_tolerated_and_the_canonical_form_is_stored(
    db: None, typed: str, stored: str
) -> None:
    customer = organization(business_id=typed)
    customer.full_clean()
    customer.save()

    customer.refresh_from_db()
    assert customer.business_id == stored
    assert Customer.objects.filter(business_id=stored).count() == 1


def test_a_business_id_in_non_ascii_digits_is_refused_and_nothing_is_saved(db: None) -> None:
    customer = organization(business_id=ARABIC_INDIC_BUSINESS_ID)

    with pytest.raises(ValidationError) as caught:
        customer.full_clean()

    assert "business_id" in caught.value.error_dict
    assert caught.value.error_dict["business_id"][0].code == "business_id_format"
    assert not Customer.objects.exists()


def test_no_check_digit_is_valid_when_the_weighted_sum_leaves_remainder_one() -> None:
    prefixes = [f"{n:07d}" for n in range(0, 3000) if ytunnus_check_digit(f"{n:07d}") is None]
    assert len(prefixes) > 100  # the sample really holds r = 1 prefixes
    for prefix in prefixes:
        for digit in "0123456789":
            with pytest.raises(ValidationError):
                validators.validate_business_id(f"{prefix}-{digit}")


def test_exactly_the_computed_check_digit_is_valid_for_every_other_prefix() -> None:
    for n in range(1_000_000, 1_002_000):
        prefix = f"{n:07d}"
        expected = ytunnus_check_digit(prefix)
        valid = []
        for digit in range(10):
            try:
                validators.validate_business_id(f"{prefix}-{digit}")
            except ValidationError:
                continue
            valid.append(digit)
        assert valid == ([] if expected is None else [expected]), prefix


def test_remainder_zero_gives_check_digit_zero() -> None:
    prefix = next(f"{n:07d}" for n in range(1, 10_000) if ytunnus_check_digit(f"{n:07d}") == 0)
    validators.validate_business_id(f"{prefix}-0")
    with pytest.raises(ValidationError):
        validators.validate_business_id(f"{prefix}-1")


def test_generated_business_ids_used_by_other_tests_are_valid() -> None:
    for business_id in valid_business_ids(50):
        validators.validate_business_id(business_id)


# -- VAT id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("business_id", "vat_id"),
    [("0112038-9", "FI01120389"), ("2077474-0", "FI20774740"), ("", "")],
)
def test_the_vat_id_is_fi_and_the_eight_digits(business_id: str, vat_id: str) -> None:
    assert validators.vat_id_from_business_id(business_id) == vat_id


def test_a_saved_organization_shows_its_vat_id(company: Customer) -> None:
    company.refresh_from_db()
    assert company.vat_id == "FI01120389"


# -- E-invoice address (OVT) and operator -----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("003701120389", "003701120389"),  # 12 characters: no suffix
        ("00370112038912345", "00370112038912345"),  # 17 characters: 5-character suffix
        ("003701120389abc", "003701120389ABC"),
        ("0037 0112 0389 100", "003701120389100"),
        ("FI4950009420028730", "FI4950009420028730"),  # IBAN-like, bank-routed
        ("FI49 5000 9420 0287 30", "FI4950009420028730"),
    ],
)
def test_e_invoice_addresses_are_accepted_and_stored_compact(
    company: Customer, typed: str, stored: str
) -> None:
    profile = BillingProfile(
        customer=company, e_invoice_address=typed, operator_id="E204503", source=DataSource.EMAIL
    )
    profile.full_clean()
    profile.save()

    profile.refresh_from_db()
    assert profile.e_invoice_address == stored


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("00370112038", "ovt_format"),  # 11 characters
        ("003701120389123456", "ovt_format"),  # 18 characters
        ("0037011203-9", "ovt_format"),
        ("003707375463", "ovt_business_id"),  # 0737546-3 inside
        ("003712345678", "ovt_business_id"),  # 1234567-8 inside
        ("not an address", "e_invoice_format"),
        ("12345", "e_invoice_format"),
    ],
)
def test_a_bad_e_invoice_address_is_refused_on_its_field_and_not_saved(
    company: Customer, value: str, code: str
) -> None:
    profile = BillingProfile(
        customer=company, e_invoice_address=value, operator_id="E204503", source=DataSource.EMAIL
    )

    with pytest.raises(ValidationError) as caught:
        profile.full_clean()

    assert [e.code for e in caught.value.error_dict["e_invoice_address"]] == [code]
    assert not BillingProfile.objects.exists()


def test_the_embedded_business_id_message_names_the_address() -> None:
    with pytest.raises(ValidationError) as caught:
        validators.validate_e_invoice_address("003707375463")
    assert english_messages(caught.value) == [
        "The business ID inside the OVT e-invoice address 003707375463 is not valid."
    ]


@pytest.mark.parametrize(
    "value", ["E204503", "003721291126", "003701120389", "NDEAFIHH", "DABAFIHX", "OKOYFIHHXXX"]
)
def test_operator_ids_in_ovt_short_or_bic_form_are_accepted(value: str) -> None:
    validators.validate_operator_id(value)


@pytest.mark.parametrize(
    "value", ["FI4950009420028730", "E20", "hello world", "003707375463", "12345678"]
)
def test_other_operator_ids_are_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        validators.validate_operator_id(value)


# -- Postal code, phone, email --------------------------------------------------------------


@pytest.mark.parametrize("value", ["00100", "99999", "00101"])
def test_a_finnish_postal_code_is_five_digits(value: str) -> None:
    validators.validate_finnish_postal_code(value)


@pytest.mark.parametrize("value", ["0010", "001000", "00 100", "FI-00100", "٠٠١٠٠", "abcde"])
def test_other_finnish_postal_codes_are_refused(value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validators.validate_finnish_postal_code(value)
    assert caught.value.code == "postal_code_format"


def test_a_customer_with_a_bad_finnish_postal_code_is_refused_on_that_field(db: None) -> None:
    customer = person(postal_code="0010")
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert set(caught.value.error_dict) == {"postal_code"}
    assert not Customer.objects.exists()


def test_a_foreign_postal_code_is_not_held_to_the_finnish_format(db: None) -> None:
    customer = person(country="se", postal_code="114 55")
    customer.full_clean()
    customer.save()
    customer.refresh_from_db()
    assert (customer.country, customer.postal_code) == ("SE", "114 55")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("040 754 0576", "+358407540576"),
        ("0407540576", "+358407540576"),
        ("+358 40 754 0576", "+358407540576"),
        ("+358 (0)40 754 0576", "+358407540576"),
        ("09 1234 5678", "+358912345678"),
        ("+46 8 123 456 78", "+46812345678"),
    ],
)
def test_phone_numbers_are_stored_as_e164(db: None, typed: str, stored: str) -> None:
    customer = person(phone=typed)
    customer.full_clean()
    customer.save()
    customer.refresh_from_db()
    assert customer.phone == stored


@pytest.mark.parametrize("value", ["123", "040", "not a phone", "+358 40 754 0576 99 99"])
def test_an_invalid_phone_number_is_refused_on_its_field(db: None, value: str) -> None:
    customer = person(phone=value)
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert [e.code for e in caught.value.error_dict["phone"]] == ["phone_invalid"]
    assert not Customer.objects.exists()


def test_an_email_is_stored_with_its_domain_lower_cased_and_local_part_kept(db: None) -> None:
    customer = person(email="Maija.Meikalainen@ESIMERKKI.Example")
    customer.full_clean()
    customer.save()
    customer.refresh_from_db()
    assert customer.email == "Maija.Meikalainen@esimerkki.example"
    assert list(Customer.objects.with_email("maija.meikalainen@ESIMERKKI.example")) == [customer]


# -- Henkilötunnus in notes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "notes",
    [
        "131052-308T",
        "Soitti, hetu 131052-308T, pyysi soittoa",
        "010594Y9032",  # 2023 century sign for the 1900s
        "020202A0202",
        "010105B123X",  # 2023 century sign for the 2000s
        "150899+1234",  # born in the 1800s
        "asiakkaan tunnus 131052-308t",
    ],
)
def test_notes_holding_a_personal_identity_code_are_refused(db: None, notes: str) -> None:
    customer = person(notes=notes)

    with pytest.raises(ValidationError) as caught:
        customer.full_clean()

    assert messages_of(caught.value) == {
        "notes": [
            english(
                "Remove the personal identity code (henkilötunnus): notes must not contain one."
            )
        ]
    }
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "notes",
    [
        "Y-tunnus 0112038-9, lasku 2025-001",
        "Soita 040 754 0576 klo 13.10.",
        "Sopimus 13.10.2052 asti",
        "",
    ],
)
def test_ordinary_notes_with_numbers_are_accepted(db: None, notes: str) -> None:
    customer = person(notes=notes)
    customer.full_clean()
    customer.save()
    assert Customer.objects.get().notes == notes


# -- The same message through the model, the admin and the CSV import -------------------------

WRONG_CHECK_DIGIT = "The business ID (Y-tunnus) 0737546-3 has a wrong check digit."

SAME_MESSAGE_CASES = [
    pytest.param(
        {"kind": "organization", "business_id": "0737546-3"},
        "business_id",
        WRONG_CHECK_DIGIT,
        id="wrong-check-digit",
    ),
    pytest.param(
        {"kind": "organization", "business_id": ARABIC_INDIC_BUSINESS_ID},
        "business_id",
        "Enter a business ID (Y-tunnus) in the form 1234567-8.",
        id="non-ascii-digits",
    ),
    pytest.param(
        {"kind": "person", "notes": "hetu 131052-308T"},
        "notes",
        "Remove the personal identity code (henkilötunnus): notes must not contain one.",
        id="henkilotunnus-in-notes",
    ),
    pytest.param(
        {"kind": "person", "phone": "123"},
        "phone",
        "Enter a valid phone number, e.g. 040 123 4567 or +358 40 123 4567.",
        id="phone",
    ),
    pytest.param(
        {"kind": "person", "postal_code": "0010"},
        "postal_code",
        "A Finnish postal code is five digits, e.g. 00100.",
        id="postal-code",
    ),
]


@pytest.mark.parametrize(("values", "field", "message"), SAME_MESSAGE_CASES)
def test_full_clean_gives_the_clear_message_on_its_field(
    db: None, values: dict, field: str, message: str
) -> None:
    values = {"name": "Testi", "country": "FI", "postal_code": "00100", **values}
    customer = Customer(source=DataSource.PHONE, **values)
    with pytest.raises(ValidationError) as caught:
        customer.full_clean()
    assert messages_of(caught.value)[field] == [message]


@pytest.mark.parametrize(("values", "field", "message"), SAME_MESSAGE_CASES)
def test_the_admin_add_form_shows_the_same_message_on_its_field_and_saves_nothing(
    staff_client: Callable,
    english_client: Callable,
    post_customer_add_form: Callable,
    values: dict,
    field: str,
    message: str,
) -> None:
    client = english_client(staff_client(roles.CUSTOMER_SERVICE))
    audit_before = AuditEvent.objects.count()

    response = post_customer_add_form(client, **values)

    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    assert form.errors[field] == [message]
    assert escape(message) in response.content.decode()
    assert not Customer.objects.exists()
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize(("values", "field", "message"), SAME_MESSAGE_CASES)
def test_the_csv_import_names_row_column_and_the_same_message(
    run_command: Callable, tmp_path: Path, values: dict, field: str, message: str
) -> None:
    row = {"kind": "person", "name": "Testi", "postal_code": "00100", **values}
    header = list(row)
    path = write_csv(
        tmp_path / "customers.csv",
        ",".join(header) + "\n" + ",".join(row[h] for h in header) + "\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert f"Row 1, column {field}: {message}" in run.stderr.splitlines()
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()


def test_the_admin_stores_a_business_id_typed_with_spaces_in_canonical_form(
    staff_client: Callable, english_client: Callable, post_customer_add_form: Callable
) -> None:
    client = english_client(staff_client(roles.CUSTOMER_SERVICE))

    response = post_customer_add_form(
        client, business_id=" 0112038 - 9", phone="040 754 0576", email="Info@KIVIKKO.Example"
    )

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.business_id == "0112038-9"
    assert customer.phone == "+358407540576"
    assert customer.email == "Info@kivikko.example"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_id=str(customer.pk)
    ).exists()


def test_the_admin_change_page_of_an_organization_shows_its_vat_id(
    staff_client: Callable, english_client: Callable, company: Customer
) -> None:
    client = english_client(staff_client(roles.CUSTOMER_SERVICE))

    response = client.get(f"/admin/customers/customer/{company.pk}/change/")

    assert response.status_code == 200
    assert "FI01120389" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_id=str(company.pk)
    ).exists()
