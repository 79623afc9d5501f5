"""The CSV contract (DESIGN.md, "CSV contract"): `import_customers`, `export_register
customers`, and the admin's import-export buttons for the DPO (and nobody else)."""

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from customers import roles
from customers.models import Customer, DataSource
from customers.resources import CustomerResource
from privacy.exports import register_export
from privacy.models import AuditEvent
from tests.customers.conftest import valid_business_ids, write_csv

HEADER = [
    "public_id",
    "kind",
    "name",
    "business_id",
    "email",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "country",
    "language",
    "restricted",
    "notes",
    "source",
    "obtained_at",
    "created_at",
    "updated_at",
]
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
FORMULA_VALUES = ['=HYPERLINK("x")', "==1+1", "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def snapshot() -> list[dict]:
    """Every stored value of every customer, to prove that nothing changed."""
    return list(Customer.objects.order_by("pk").values())


def import_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT))


def export_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT))


def read_export(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8-sig")
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    return header, [dict(zip(header, row, strict=True)) for row in body]


def people_csv(count: int, *, delimiter: str = ",", bad_row: int | None = None) -> str:
    """`count` new customers, a few organizations among them; `bad_row` (1-based data row)
    gets the wrong check digit of LEGAL.md's example."""
    business_ids = iter(valid_business_ids(count))
    lines = [delimiter.join(["kind", "name", "business_id", "email", "phone", "postal_code"])]
    for number in range(1, count + 1):
        if number == bad_row:
            cells = ["organization", f"Yritys {number} Oy", "0737546-3", "", "", "00100"]
        elif number % 10 == 0:
            cells = ["organization", f"Yritys {number} Oy", next(business_ids), "", "", "00100"]
        else:
            cells = [
                "person",
                f"Henkilö {number}",
                "",
                f"henkilo{number}@example.com",
                f"040 {number:07d}",
                "00100",
            ]
        lines.append(delimiter.join(cells))
    return "\n".join(lines) + "\n"


# -- import_customers ---------------------------------------------------------------------------


def test_import_creates_customers_in_canonical_form_and_audits_once(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "kind,name,business_id,email,phone,postal_code,city\n"
        "organization,Kivikko Rakennus Oy, 0112038 - 9,Info@KIVIKKO.example,,00510,Helsinki\n"
        "person,Alice Aaltonen,,alice@example.com,040 754 0576,00100,Helsinki\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is None
    assert run.stdout.strip() == "Imported 2 row(s): 2 new, 0 updated."
    company = Customer.objects.get(kind="organization")
    alice = Customer.objects.get(kind="person")
    assert (company.business_id, company.email) == ("0112038-9", "Info@kivikko.example")
    assert alice.phone == "+358407540576"
    assert {c.source for c in (company, alice)} == {DataSource.IMPORT}
    [event] = import_events()
    assert (event.row_count, event.object_type, event.actor_id) == (2, "customers.customer", None)
    assert "phone" in event.changed_fields
    assert "Alice" not in str(event.changed_fields)  # field names, never values


def test_a_thousand_rows_with_one_bad_row_change_nothing_and_name_row_and_column(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    before = snapshot()
    path = write_csv(tmp_path / "big.csv", people_csv(1000, bad_row=537))

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert str(run.error) == "Nothing imported: 1 error(s) in 1000 row(s)."
    assert run.stderr.splitlines() == [
        "Row 537, column business_id: The business ID (Y-tunnus) 0737546-3 has a wrong check digit."
    ]
    assert snapshot() == before
    assert import_events() == []


def test_a_bad_row_also_rolls_back_updates_made_by_earlier_rows(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    before = snapshot()
    path = write_csv(
        tmp_path / "in.csv",
        "public_id,kind,name,business_id\n"
        f"{company.public_id},organization,Renamed Oy,0112038-9\n"
        ",person,New Person,\n"
        ",organization,Bad Oy,1234567-8\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.splitlines() == [
        "Row 3, column business_id: The business ID (Y-tunnus) 1234567-8 has a wrong check digit."
    ]
    assert snapshot() == before
    assert import_events() == []


def test_every_bad_row_is_reported_in_row_order(run_command: Callable, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "kind,name,phone,postal_code,obtained_at\n"
        "person,Ok,,00100,\n"
        "person,Bad phone,123,00100,\n"
        "person,Bad code,,0010,\n"
        "robot,Bad kind,,00100,\n"
        "person,Bad time,,00100,yesterday\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is not None
    lines = run.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Row 2, column phone",
        "Row 3, column postal_code",
        "Row 4, column kind",
        "Row 5, column obtained_at",
    ]
    assert "Enter the time as ISO 8601" in lines[3]
    assert not Customer.objects.exists()


def test_a_duplicate_business_id_names_its_row_and_column(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "kind,name,business_id\norganization,New Oy,2077474-0\norganization,Copy Oy,0112038-9\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.splitlines() == [
        "Row 2, column business_id: A customer with this business ID already exists."
    ]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Kivikko Rakennus Oy"]


def test_a_public_id_that_is_not_a_uuid_is_refused_on_its_column(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", "public_id,kind,name\nnot-a-uuid,person,Maija\n")

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.startswith("Row 1, column public_id: ")
    assert not Customer.objects.exists()


def test_a_dry_run_reports_what_would_happen_and_changes_nothing(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    before = snapshot()
    path = write_csv(tmp_path / "in.csv", people_csv(20))

    run = run_command("import_customers", str(path), "--dry-run")

    assert run.error is None
    assert run.stdout.strip() == "Would import 20 row(s): 20 new, 0 updated."
    assert snapshot() == before
    assert import_events() == []


def test_a_dry_run_of_a_bad_file_reports_the_error_and_changes_nothing(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", people_csv(20, bad_row=7))

    run = run_command("import_customers", str(path), "--dry-run")

    assert run.error is not None
    assert run.stderr.startswith("Row 7, column business_id: ")
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("kind,name,business_id\norganization,Äänekosken Sähkö Oy,0737546-2\n", "utf-8"),
        ("kind,name,business_id\norganization,Äänekosken Sähkö Oy,0737546-2\n", "utf-8-sig"),
        ("kind;name;business_id\norganization;Äänekosken Sähkö Oy;0737546-2\n", "utf-8-sig"),
        ("kind;name;business_id\r\norganization;Äänekosken Sähkö Oy;0737546-2\r\n", "cp1252"),
    ],
    ids=["utf8-comma", "utf8-bom-comma", "utf8-bom-semicolon", "cp1252-semicolon"],
)
def test_import_reads_utf8_with_or_without_bom_and_windows_1252_semicolon_files(
    run_command: Callable, tmp_path: Path, text: str, encoding: str
) -> None:
    path = write_csv(tmp_path / "in.csv", text, encoding=encoding)

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    customer = Customer.objects.get()
    assert customer.name == "Äänekosken Sähkö Oy"
    assert customer.business_id == "0737546-2"


def test_a_semicolon_file_keeps_commas_inside_values(run_command: Callable, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "kind;name;street_address\nperson;Aaltonen, Alice;Mannerheimintie 1, A 2\n",
        encoding="cp1252",
    )

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    customer = Customer.objects.get()
    assert (customer.name, customer.street_address) == ("Aaltonen, Alice", "Mannerheimintie 1, A 2")


def test_unknown_columns_are_refused_with_a_clear_message(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", "kind,name,shoe_size,henkilotunnus\nperson,Maija,38,x\n")

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.startswith(
        "File: Unknown column(s): shoe_size, henkilotunnus. Known columns:"
    )
    assert not Customer.objects.exists()
    assert import_events() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"kind,name\nperson,Maija,extra\n", "Row 1 has 3 cells but the header has 2."),
        (b"kind,name\nperson,\x81\x8d\x8f\n", "neither UTF-8 nor Windows-1252"),
    ],
    ids=["empty", "ragged", "undecodable"],
)
def test_an_unreadable_file_fails_with_a_one_line_reason(
    run_command: Callable, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert message in str(run.error)
    assert "\n" not in str(run.error)
    assert not Customer.objects.exists()


def test_a_missing_file_fails_with_a_one_line_reason(run_command: Callable, tmp_path: Path) -> None:
    run = run_command("import_customers", str(tmp_path / "nope.csv"))
    assert run.error is not None
    assert str(run.error).startswith("Cannot read ")
    assert not Customer.objects.exists()


def test_import_updates_the_customer_named_by_public_id(
    run_command: Callable, tmp_path: Path, company: Customer, charlie: Customer
) -> None:
    charlie_before = Customer.objects.filter(pk=charlie.pk).values().get()
    path = write_csv(
        tmp_path / "in.csv",
        f"public_id,kind,name,business_id,city\n"
        f"{company.public_id},organization,Kivikko Rakennus Oyj,0112038-9,Espoo\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is None
    assert run.stdout.strip() == "Imported 1 row(s): 0 new, 1 updated."
    company.refresh_from_db()
    assert (company.name, company.city) == ("Kivikko Rakennus Oyj", "Espoo")
    assert Customer.objects.filter(pk=charlie.pk).values().get() == charlie_before
    assert [e.row_count for e in import_events()] == [1]


def test_import_drops_exactly_one_leading_apostrophe(run_command: Callable, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "kind,name,phone,notes\nperson,'=1+1,'+358407540576,''quoted\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.notes) == ("=1+1", "+358407540576", "'quoted")


# -- export_register customers --------------------------------------------------------------------


def test_export_writes_the_snake_case_header_and_one_row_per_customer(
    run_command: Callable, tmp_path: Path, alice: Customer, charlie: Customer
) -> None:
    out = tmp_path / "out.csv"

    run = run_command("export_register", "customers", "--output", str(out))

    assert run.error is None
    assert run.stderr.strip() == f"Wrote 3 row(s) to {out}."
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\r\n", 1)[0] == ",".join(HEADER).encode()
    header, rows = read_export(out)
    assert header == HEADER
    by_id = {row["public_id"]: row for row in rows}
    assert set(by_id) == {str(c.public_id) for c in Customer.objects.all()}
    row = by_id[str(alice.public_id)]
    assert (row["name"], row["email"], row["phone"]) == (
        "Alice Aaltonen",
        "alice@example.com",
        "'+358407540576",
    )
    assert (row["kind"], row["country"], row["language"], row["restricted"]) == (
        "person",
        "FI",
        "fi",
        "0",
    )
    [event] = export_events()
    assert (event.row_count, event.object_type) == (3, "customers.customer")


def test_export_writes_times_in_iso_8601_with_the_helsinki_offset(
    run_command: Callable, tmp_path: Path, make_customer: Callable
) -> None:
    winter = make_customer(name="Winter", obtained_at=datetime(2026, 11, 27, 12, 5, tzinfo=UTC))
    summer = make_customer(name="Summer", obtained_at=datetime(2026, 6, 30, 11, 30, tzinfo=UTC))
    out = tmp_path / "out.csv"

    run_command("export_register", "customers", "--output", str(out))

    _, rows = read_export(out)
    by_id = {row["public_id"]: row for row in rows}
    assert by_id[str(winter.public_id)]["obtained_at"] == "2026-11-27T14:05:00+02:00"
    assert by_id[str(summer.public_id)]["obtained_at"] == "2026-06-30T14:30:00+03:00"
    for row in rows:
        for column in ("obtained_at", "created_at", "updated_at"):
            assert ISO_WITH_OFFSET.match(row[column]), (column, row[column])


def test_the_excel_fi_dialect_writes_a_bom_semicolons_and_crlf(
    run_command: Callable, tmp_path: Path, alice: Customer
) -> None:
    out = tmp_path / "out.csv"

    run = run_command("export_register", "customers", "--output", str(out), "--dialect", "excel-fi")

    assert run.error is None
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ";".join(HEADER).encode() + b"\r\n")
    assert raw.count(b"\xef\xbb\xbf") == 1
    header, rows = read_export(out)
    assert header == HEADER
    assert {row["name"] for row in rows} == {"Alice Aaltonen", "Kivikko Rakennus Oy"}


def test_export_to_an_unwritable_path_fails_with_a_one_line_reason(
    run_command: Callable, tmp_path: Path, alice: Customer
) -> None:
    run = run_command("export_register", "customers", "--output", str(tmp_path / "no" / "x.csv"))
    assert run.error is not None
    assert str(run.error).startswith("Cannot write ")
    assert export_events() == []


@pytest.mark.parametrize("value", FORMULA_VALUES)
def test_export_escapes_every_cell_a_spreadsheet_would_run_as_a_formula(
    run_command: Callable, tmp_path: Path, make_customer: Callable, value: str
) -> None:
    customer = make_customer(name="Placeholder")
    # Written past validation: tabs and line breaks are refused in names now (issue 10),
    # but a value stored before that rule must still leave escaped.
    Customer.objects.filter(pk=customer.pk).update(name=value, notes=value, street_address=value)
    out = tmp_path / "out.csv"

    run_command("export_register", "customers", "--output", str(out))

    _, [row] = read_export(out)
    assert row["public_id"] == str(customer.public_id)
    assert row["name"] == row["notes"] == row["street_address"] == "'" + value


def test_export_escapes_a_leading_apostrophe_so_import_can_undo_exactly_one(
    run_command: Callable, tmp_path: Path, make_customer: Callable
) -> None:
    make_customer(name="'quoted", notes="plain")
    out = tmp_path / "out.csv"

    run_command("export_register", "customers", "--output", str(out))

    _, [row] = read_export(out)
    assert (row["name"], row["notes"]) == ("''quoted", "plain")


def test_export_streams_without_building_the_whole_dataset(
    monkeypatch: pytest.MonkeyPatch, alice: Customer
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("export_register must not build an in-memory dataset")

    monkeypatch.setattr(CustomerResource, "export", refuse)
    out = io.StringIO()

    count = register_export(name="customers", out=out, actor=None)

    assert count == 2
    assert out.getvalue().count("\r\n") == 3


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-fi"])
def test_an_export_re_imports_with_no_changes(
    run_command: Callable,
    tmp_path: Path,
    alice: Customer,
    charlie: Customer,
    other_company: Customer,
    make_customer: Callable,
    dialect: str,
) -> None:
    for value in FORMULA_VALUES:
        make_customer(name=value, notes=value, street_address=value)
    before = snapshot()
    out = tmp_path / "out.csv"
    run_command("export_register", "customers", "--output", str(out), "--dialect", dialect)
    assert b"'+358407540576" in out.read_bytes()

    run = run_command("import_customers", str(out))

    assert run.error is None, run.stderr
    total = len(before)
    assert run.stdout.strip() == f"Imported {total} row(s): 0 new, 0 updated."
    assert snapshot() == before
    assert Customer.objects.get(pk=alice.pk).phone == "+358407540576"
    assert [e.row_count for e in import_events()] == [0]


def test_an_edited_export_re_imports_only_the_edit(
    run_command: Callable, tmp_path: Path, alice: Customer, charlie: Customer
) -> None:
    out = tmp_path / "out.csv"
    run_command("export_register", "customers", "--output", str(out))
    text = out.read_text(encoding="utf-8").replace("Charlie Carlsson", "Charlie Karlsson")
    out.write_text(text, encoding="utf-8")
    alice_before = Customer.objects.filter(pk=alice.pk).values().get()

    run = run_command("import_customers", str(out))

    assert run.stdout.strip() == "Imported 3 row(s): 0 new, 1 updated."
    assert Customer.objects.get(pk=charlie.pk).name == "Charlie Karlsson"
    assert Customer.objects.filter(pk=alice.pk).values().get() == alice_before
    assert [e.row_count for e in import_events()] == [1]


# -- The admin's import-export buttons -----------------------------------------------------------

IMPORT_URL = "/admin/customers/customer/import/"
PROCESS_IMPORT_URL = "/admin/customers/customer/process_import/"
EXPORT_URL = "/admin/customers/customer/export/"
REFUSED_ROLES = [
    roles.CUSTOMER_SERVICE,
    roles.SALES,
    roles.MARKETING,
    roles.TECHNICAL_ADMIN,
]


def upload(name: str, text: str, encoding: str = "utf-8") -> io.BytesIO:
    handle = io.BytesIO(text.encode(encoding))
    handle.name = name
    return handle


def export_form_data() -> dict[str, str]:
    data = {"format": "0", "resource": "0"}
    for field in CustomerResource().get_export_order():
        data[f"customerresource_{field}"] = "on"
    return data


@pytest.fixture
def dpo_client(staff_client: Callable, english_client: Callable) -> Client:
    return english_client(staff_client(roles.DPO))


def test_the_dpo_imports_through_the_admin_after_a_dry_run(dpo_client: Client) -> None:
    text = "kind;name;business_id;phone\r\norganization;Äänekosken Sähkö Oy;0737546-2;\r\n"
    text += "person;Alice Aaltonen;;040 754 0576\r\n"

    page = dpo_client.get(IMPORT_URL)
    assert page.status_code == 200
    preview = dpo_client.post(
        IMPORT_URL,
        {"format": "0", "resource": "0", "import_file": upload("in.csv", text, "cp1252")},
    )

    assert preview.status_code == 200
    confirm_form = preview.context["confirm_form"]
    assert not preview.context["result"].has_validation_errors()
    assert not Customer.objects.exists()  # the preview is a dry run
    assert import_events() == []

    done = dpo_client.post(PROCESS_IMPORT_URL, confirm_form.initial)

    assert done.status_code == 302
    assert done["Location"] == "/admin/customers/customer/"
    assert set(Customer.objects.values_list("name", "business_id", "phone")) == {
        ("Äänekosken Sähkö Oy", "0737546-2", ""),
        ("Alice Aaltonen", "", "+358407540576"),
    }
    [event] = import_events()
    assert event.row_count == 2
    assert event.actor_id == int(dpo_client.session["_auth_user_id"])


def test_the_admin_import_shows_row_errors_and_offers_no_confirmation(
    dpo_client: Client, company: Customer
) -> None:
    before = snapshot()
    text = people_csv(30, bad_row=17)

    response = dpo_client.post(
        IMPORT_URL, {"format": "0", "resource": "0", "import_file": upload("in.csv", text)}
    )

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number == 17
    assert "business_id" in invalid.error_dict
    assert "0737546-3 has a wrong check digit" in response.content.decode()
    assert snapshot() == before
    assert import_events() == []


def test_the_admin_import_refuses_unknown_columns(dpo_client: Client) -> None:
    response = dpo_client.post(
        IMPORT_URL,
        {
            "format": "0",
            "resource": "0",
            "import_file": upload("in.csv", "kind,name,shoe_size\nperson,Maija,38\n"),
        },
    )

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "Unknown column(s): shoe_size" in response.content.decode()
    assert not Customer.objects.exists()


def test_the_dpo_exports_through_the_admin_with_formula_escaping_and_an_audit_event(
    dpo_client: Client, alice: Customer, make_customer: Callable
) -> None:
    make_customer(name='=HYPERLINK("x")', notes="@SUM(A1)")

    page = dpo_client.get(EXPORT_URL)
    assert page.status_code == 200
    response = dpo_client.post(EXPORT_URL, export_form_data())

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    by_name = {row[2]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Alice Aaltonen", "Kivikko Rakennus Oy", '\'=HYPERLINK("x")'}
    assert by_name['\'=HYPERLINK("x")']["notes"] == "'@SUM(A1)"
    assert by_name["Alice Aaltonen"]["phone"] == "'+358407540576"
    [event] = export_events()
    assert event.row_count == 3
    assert event.actor_id == int(dpo_client.session["_auth_user_id"])


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_are_refused_the_admin_import(
    staff_client: Callable, tmp_path: Path, role: str
) -> None:
    client = staff_client(role)
    text = "kind,name\nperson,Maija\n"

    assert client.get(IMPORT_URL).status_code == 403
    posted = client.post(
        IMPORT_URL, {"format": "0", "resource": "0", "import_file": upload("in.csv", text)}
    )
    assert posted.status_code == 403
    confirmed = client.post(
        PROCESS_IMPORT_URL,
        {"import_file_name": "x", "original_file_name": "in.csv", "format": "0", "resource": ""},
    )
    assert confirmed.status_code == 403
    assert not Customer.objects.exists()
    assert import_events() == []


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_are_refused_the_admin_export(
    staff_client: Callable, alice: Customer, role: str
) -> None:
    client = staff_client(role)

    assert client.get(EXPORT_URL).status_code == 403
    response = client.post(EXPORT_URL, export_form_data())

    assert response.status_code == 403
    assert b"Alice" not in response.content
    assert export_events() == []


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_see_no_import_or_export_button(
    staff_client: Callable, english_client: Callable, alice: Customer, role: str
) -> None:
    client = english_client(staff_client(role))
    response = client.get("/admin/customers/customer/")
    if response.status_code == 200:
        html = response.content.decode()
        assert IMPORT_URL not in html
        assert EXPORT_URL not in html
    else:
        assert response.status_code == 403


def test_export_without_output_writes_the_csv_to_standard_output(
    run_command: Callable, alice: Customer
) -> None:
    run = run_command("export_register", "customers", "--dialect", "excel-fi")

    assert run.error is None
    assert run.stdout.startswith("\ufeff" + ";".join(HEADER) + "\r\n")
    lines = run.stdout.split("\r\n")
    assert len(lines) == 4 and lines[-1] == ""  # header, two customers, final CRLF
    assert "Alice Aaltonen" in run.stdout
    assert [e.row_count for e in export_events()] == [2]
