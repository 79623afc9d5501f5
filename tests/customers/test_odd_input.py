"""Odd input in forms and CSV files (issue 10): refused with a message naming the field
(or row and column), or cleaned where that is harmless; the database unchanged otherwise."""

import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customers.models import Customer
from privacy.models import AuditEvent
from tests.customers.conftest import write_csv

NAME_NFD = unicodedata.normalize("NFD", "Jyväskylän Äijä")
NAME_NFC = unicodedata.normalize("NFC", "Jyväskylän Äijä")


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def snapshot() -> list[dict]:
    return list(Customer.objects.order_by("pk").values())


def profile_form(alice: Customer, **values: str) -> dict[str, str]:
    return {
        "name": alice.name,
        "street_address": alice.street_address,
        "postal_code": alice.postal_code,
        "city": alice.city,
        "country": "FI",
        "phone": "040 754 0576",
        "language": "fi",
        **values,
    }


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)
    client.cookies["django_language"] = "en"
    return client


# -- Forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Alice\x00Aaltonen", "Null characters are not allowed."),
        ("name", "Alice\r\nBcc: x@evil.example", "Line breaks and control characters"),
        ("city", "Hel\x1b[31msinki", "Line breaks and control characters"),
        ("name", "A" * 100_000, "at most 200 characters"),
        ("street_address", "x" * 201, "at most 200 characters"),
        ("postal_code", "\uff10\uff10\uff11\uff10\uff10", "postal code"),
    ],
)
def test_odd_values_in_the_profile_are_refused_naming_the_field(
    alice: Customer, alice_client: Client, field: str, value: str, message: str
) -> None:
    before = snapshot()

    response = alice_client.post(reverse("portal:profile"), profile_form(alice, **{field: value}))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message.lower() in errors.lower(), response.context["form"].errors
    assert snapshot() == before


def test_full_width_digits_in_a_phone_number_are_stored_as_ascii(
    alice: Customer, alice_client: Client
) -> None:
    response = alice_client.post(
        reverse("portal:profile"), profile_form(alice, phone="\uff10\uff14\uff10 754 0577")
    )

    assert response.status_code == 302
    assert Customer.objects.get(pk=alice.pk).phone == "+358407540577"


def test_invisible_and_bidirectional_characters_are_removed_from_a_name(
    alice: Customer, alice_client: Client
) -> None:
    sneaky = "Ali\u200bce \u202eAalto\u202cnen\ufeff"

    response = alice_client.post(reverse("portal:profile"), profile_form(alice, name=sneaky))

    assert response.status_code == 302
    assert Customer.objects.get(pk=alice.pk).name == "Alice Aaltonen"


def test_a_decomposed_name_is_stored_composed_and_found_either_way(
    make_customer: Callable[..., Customer],
) -> None:
    customer = make_customer(name=NAME_NFD)

    stored = Customer.objects.get(pk=customer.pk).name
    assert stored == NAME_NFC and stored != NAME_NFD
    assert list(Customer.objects.search(NAME_NFD)) == [customer]
    assert list(Customer.objects.search(NAME_NFC)) == [customer]


def test_a_note_of_100_000_characters_is_refused(make_customer, alice: Customer) -> None:
    alice.notes = "x" * 100_000
    with pytest.raises(ValidationError) as caught:
        alice.full_clean()
    assert "notes" in caught.value.message_dict
    assert "10000" in " ".join(caught.value.message_dict["notes"])


def test_a_note_keeps_its_line_breaks_but_not_a_nul(alice: Customer) -> None:
    alice.notes = "First line\nSecond line\twith a tab"
    alice.full_clean()
    alice.notes = "x\x00y"
    with pytest.raises(ValidationError) as caught:
        alice.full_clean()
    assert list(caught.value.message_dict) == ["notes"]


def test_a_request_detail_with_a_nul_byte_is_refused_before_the_database(alice, dpo) -> None:
    from privacy.services import request_create

    with pytest.raises(ValidationError) as caught:
        request_create(customer=alice, kind="access", channel="email", details="a\x00b", actor=dpo)
    assert "details" in caught.value.message_dict


# -- CSV files ------------------------------------------------------------------------------------

GOOD = "kind,name,postal_code,city\nperson,Aino Virtanen,00100,Helsinki\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty", b"", "The file is empty."),
        ("headers only", b"kind,name,city\n", "header row but no data rows"),
        ("duplicate header", b"kind,name,name\nperson,A,B\n", "Column name appears twice"),
        ("unknown header", b"kind,name,shoe_size\nperson,A,42\n", "Unknown column(s): shoe_size"),
        ("unbalanced quote", b'kind,name\nperson,"Aino\nperson,B\n', "Row 1 is not valid CSV"),
        (
            "200,000-character field",
            b"kind,name\nperson," + b"x" * 200_000 + b"\n",
            "Row 1: a cell is longer than",
        ),
        ("xlsx renamed", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, "Excel workbook (.xlsx)"),
        ("utf-16 without bom", GOOD.encode("utf-16-le"), "NUL bytes"),
        ("binary", bytes(range(256)) * 4, "neither UTF-8 nor Windows-1252"),
        (
            "nul in a cell",
            b"kind,name\nperson,Ai\x00no\n",
            "Row 1, column name: Line breaks and control characters are not allowed here.",
        ),
    ],
)
def test_a_bad_file_is_named_for_what_it_is_and_imports_nothing(
    run_command: Callable, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    before = snapshot()

    run = run_command("import_customers", str(path))

    assert run.error is not None, name
    assert message in str(run.error) + run.stderr, (name, str(run.error), run.stderr)
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", GOOD),
        ("utf-8-sig", GOOD),
        ("utf-16", GOOD),
        ("cp1252", GOOD.replace(",", ";").replace("Aino Virtanen", "Äijä Öhman")),
    ],
)
def test_the_encodings_people_save_csv_in_are_read(
    run_command: Callable, tmp_path: Path, encoding: str, text: str
) -> None:
    path = write_csv(tmp_path / "in.csv", text, encoding=encoding)

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    assert Customer.objects.count() == 1
    assert Customer.objects.get().city == "Helsinki"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    run_command: Callable, tmp_path: Path, monkeypatch
) -> None:
    from customers import csvio

    monkeypatch.setattr(csvio, "MAX_BYTES", 1024)
    path = write_csv(tmp_path / "in.csv", GOOD + "person,B,00100,Espoo\n" * 100)

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert "the largest accepted is" in str(run.error)
    assert Customer.objects.count() == 0


def test_values_that_would_forge_a_log_line_are_refused_in_the_import(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "in.csv", 'kind,name,city\nperson,"Aino\nINFO forged line",Helsinki\n'
    )

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert "Row 1, column name: Line breaks and control characters are not allowed here." in (
        run.stderr
    )
    assert Customer.objects.count() == 0


def test_the_service_cleans_what_the_import_stores(tmp_path: Path, run_command) -> None:
    path = write_csv(tmp_path / "in.csv", f"kind,name,city\nperson,{NAME_NFD}\u200b,Oulu\n")

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    assert Customer.objects.get().name == NAME_NFC
