"""`import_customers` at scale (issue 11): a file of any length is read, validated and
written in batches inside one transaction, with the same validators and messages as
before, a constant number of queries per batch, and all rows or none."""

import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import CheckConstraint, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from customers import csvio, importing, services
from customers.importing import BatchRules
from customers.models import Customer, DataSource
from privacy.exports import register_export
from privacy.models import AuditEvent
from tests.customers.conftest import valid_business_ids, write_csv

BATCH = 500  # small batches, so that a few thousand rows make several of them
HEADER = "kind,name,business_id,email,phone,postal_code,city"
MOVED_ID, FREE_ID = "0112038-9", "2077474-0"  # the company fixture's Y-tunnus; an unused one


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", BATCH)
    with translation.override("en"):
        yield


def snapshot() -> list[dict]:
    return list(Customer.objects.order_by("pk").values())


def import_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT))


def rows_csv(count: int, *, replace: dict[int, str] | None = None) -> str:
    """`count` new customers, every tenth an organization; `replace` gives some data
    rows (1-based) other text."""
    business_ids = iter(valid_business_ids(count, start=5_000_000))
    lines = [HEADER]
    for number in range(1, count + 1):
        if number % 10 == 0:
            line = f"organization,Yritys {number} Oy,{next(business_ids)},,,00100,Helsinki"
        else:
            line = f"person,Henkilö {number},,h{number}@example.com,040 {number:07d},00100,Oulu"
        lines.append((replace or {}).get(number, line))
    return "\n".join(lines) + "\n"


def import_queries(run_command: Callable, path: Path) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        run = run_command("import_customers", str(path))
    return run, len(queries)


# -- Many rows, few queries ---------------------------------------------------------------------


def test_a_file_of_thousands_of_rows_takes_a_constant_number_of_queries_per_batch(
    run_command: Callable, tmp_path: Path
) -> None:
    small = write_csv(tmp_path / "small.csv", rows_csv(BATCH))
    big = write_csv(tmp_path / "big.csv", rows_csv(6 * BATCH))

    run_small, queries_small = import_queries(run_command, small)
    Customer.objects.all().delete()
    run_big, queries_big = import_queries(run_command, big)

    assert run_small.error is None and run_big.error is None, run_big.stderr
    assert run_big.stdout.strip() == f"Imported {6 * BATCH} row(s): {6 * BATCH} new, 0 updated."
    assert Customer.objects.count() == 6 * BATCH
    # Each further batch of 500 rows adds the same few queries (lookups, the insert, the
    # suppression list), never one per row.
    per_batch = (queries_big - queries_small) / 5
    assert per_batch <= 10, (queries_small, queries_big)
    assert queries_small <= 25
    assert sorted(e.row_count for e in import_events()) == [BATCH, 6 * BATCH]


def test_the_imported_rows_are_stored_as_one_by_one_validation_stores_them(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", rows_csv(2 * BATCH))

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    person = Customer.objects.get(name="Henkilö 7")
    company = Customer.objects.get(name="Yritys 10 Oy")
    assert (person.phone, person.email, person.source) == (
        "+358400000007",
        "h7@example.com",
        DataSource.IMPORT,
    )
    first_business_id = valid_business_ids(1, start=5_000_000)[0]
    assert (company.kind, company.business_id, company.country) == (
        "organization",
        first_business_id,
        "FI",
    )
    for customer in (person, company):
        assert customer.created_at and customer.updated_at and customer.obtained_at
        customer.full_clean()  # what was stored passes the model's own validation


def test_one_bad_row_deep_in_a_big_file_names_its_row_and_column_and_changes_nothing(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    before = snapshot()
    bad = "organization,Väärä Oy,0737546-3,,,00100,Turku"
    path = write_csv(tmp_path / "big.csv", rows_csv(6 * BATCH, replace={2_777: bad}))

    run = run_command("import_customers", str(path))

    assert str(run.error) == f"Nothing imported: 1 error(s) in {6 * BATCH} row(s)."
    assert run.stderr.splitlines() == [
        "Row 2777, column business_id: The business ID (Y-tunnus) 0737546-3 has a wrong "
        "check digit."
    ]
    assert snapshot() == before
    assert import_events() == []


def test_a_ragged_row_far_down_the_file_rolls_back_the_batches_before_it(
    run_command: Callable, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "big.csv", rows_csv(4 * BATCH, replace={1_801: "person,Liian"}))

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert "Row 1801 has 2 cells but the header has 7." in str(run.error)
    assert not Customer.objects.exists()
    assert import_events() == []


def test_the_command_streams_the_file_without_building_a_dataset(
    run_command: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("import_customers must not read the whole file into a dataset")

    monkeypatch.setattr(csvio, "read_dataset", refuse)
    path = write_csv(tmp_path / "in.csv", rows_csv(BATCH + 1))

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    assert Customer.objects.count() == BATCH + 1


def test_a_file_full_of_errors_lists_the_first_thousand_and_counts_them_all(
    run_command: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "IMPORT_MAX_LISTED_ERRORS", 30)
    bad = {n: f"person,Henkilö {n},,,123,00100,Oulu" for n in range(1, 51)}
    path = write_csv(tmp_path / "in.csv", rows_csv(50, replace=bad))

    run = run_command("import_customers", str(path))

    assert str(run.error) == "Nothing imported: 50 error(s) in 50 row(s)."
    lines = run.stderr.splitlines()
    assert len(lines) == 31
    assert lines[0].startswith("Row 1, column phone: Enter a valid phone number")
    assert lines[29].startswith("Row 30, column phone: ")
    assert lines[30] == "… and 20 more error(s)."


def test_a_database_refusal_is_reported_and_rolls_back_every_row(
    run_command: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserts = itertools.count(1)
    real_insert = importing._customers_insert

    def second_batch_refused(instances: list[Customer]) -> None:
        if next(inserts) == 2:
            raise IntegrityError('duplicate key value violates "customers_customer_pkey"')
        real_insert(instances)

    monkeypatch.setattr(importing, "_customers_insert", second_batch_refused)
    path = write_csv(tmp_path / "in.csv", rows_csv(3 * BATCH))

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.splitlines() == [
        f"File: Rows {BATCH + 1}–{2 * BATCH}: the database refused them: duplicate key value "
        'violates "customers_customer_pkey"'
    ]
    assert not Customer.objects.exists()
    assert import_events() == []


# -- Duplicates inside the file ---------------------------------------------------------------


@pytest.mark.parametrize("second", [7, BATCH + 7], ids=["same-batch", "later-batch"])
def test_two_rows_with_one_business_id_are_refused_naming_both_rows(
    run_command: Callable, tmp_path: Path, second: int
) -> None:
    twin = f"organization,Kaksonen Oy,{FREE_ID},,,00100,Vaasa"
    path = write_csv(tmp_path / "in.csv", rows_csv(2 * BATCH, replace={3: twin, second: twin}))

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.splitlines() == [
        f"Row {second}, column business_id: Row 3 of the file has the same business ID (Y-tunnus)."
    ]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("second", [2, BATCH + 2], ids=["same-batch", "later-batch"])
def test_two_rows_naming_one_customer_are_refused_naming_both_rows(
    run_command: Callable, tmp_path: Path, charlie: Customer, second: int
) -> None:
    before = snapshot()
    header = "public_id,kind,name,business_id,city"
    lines = [header] + [f",person,Henkilö {n},,Oulu" for n in range(1, BATCH + 3)]
    lines[1] = f"{charlie.public_id},person,Charlie Karlsson,,Espoo"
    lines[second] = f"{charlie.public_id},person,Charles Carlsson,,Espoo"
    path = write_csv(tmp_path / "in.csv", "\n".join(lines) + "\n")

    run = run_command("import_customers", str(path))

    assert run.error is not None
    assert run.stderr.splitlines() == [
        f"Row {second}, column public_id: Row 1 of the file has the same public ID."
    ]
    assert snapshot() == before


def test_an_unchanged_row_and_a_changed_row_naming_one_customer_are_refused(
    run_command: Callable, tmp_path: Path, charlie: Customer
) -> None:
    before = snapshot()
    unchanged = f"{charlie.public_id},person,{charlie.name},,{charlie.city}"
    path = write_csv(
        tmp_path / "in.csv",
        "public_id,kind,name,business_id,city\n"
        f"{unchanged}\n{charlie.public_id},person,Charles Carlsson,,Espoo\n",
    )

    run = run_command("import_customers", str(path))

    assert run.stderr.splitlines() == [
        "Row 2, column public_id: Row 1 of the file has the same public ID."
    ]
    assert snapshot() == before


def test_a_business_id_another_customer_holds_is_refused_in_a_big_file(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    taken = f"organization,Kopio Oy,{MOVED_ID},,,00100,Lahti"
    path = write_csv(tmp_path / "in.csv", rows_csv(3 * BATCH, replace={1_234: taken}))

    run = run_command("import_customers", str(path))

    assert run.stderr.splitlines() == [
        "Row 1234, column business_id: A customer with this business ID already exists."
    ]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Kivikko Rakennus Oy"]


def test_a_business_id_moved_to_a_new_customer_imports_when_an_earlier_row_frees_it(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "public_id,kind,name,business_id\n"
        f"{company.public_id},organization,Kivikko Rakennus Oy,{FREE_ID}\n"
        f",organization,Kivikko Uusi Oy,{MOVED_ID}\n",
    )

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    assert run.stdout.strip() == "Imported 2 row(s): 1 new, 1 updated."
    assert set(Customer.objects.values_list("name", "business_id")) == {
        ("Kivikko Rakennus Oy", FREE_ID),
        ("Kivikko Uusi Oy", MOVED_ID),
    }


def test_a_business_id_taken_before_the_row_that_frees_it_is_refused(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "public_id,kind,name,business_id\n"
        f",organization,Kivikko Uusi Oy,{MOVED_ID}\n"
        f"{company.public_id},organization,Kivikko Rakennus Oy,{FREE_ID}\n",
    )

    run = run_command("import_customers", str(path))

    # Row by row, as the import has always read a file: row 1 comes first.
    assert run.stderr.splitlines() == [
        "Row 1, column business_id: A customer with this business ID already exists."
    ]
    assert Customer.objects.get().business_id == MOVED_ID


# -- Updates and unchanged rows in bulk -------------------------------------------------------


def test_an_edited_export_of_many_customers_updates_only_the_edited_rows(
    run_command: Callable, tmp_path: Path, make_customer: Callable[..., Customer]
) -> None:
    path = write_csv(tmp_path / "first.csv", rows_csv(3 * BATCH))
    assert run_command("import_customers", str(path)).error is None
    before = {row["public_id"]: row for row in Customer.objects.values()}
    out = io.StringIO()
    register_export(name="customers", out=out, actor=None)
    edited = out.getvalue().replace("Oulu", "Kuopio", 200)
    export = write_csv(tmp_path / "export.csv", edited)

    with CaptureQueriesContext(connection) as queries:
        run = run_command("import_customers", str(export))

    assert run.error is None, run.stderr
    moved = {c.public_id for c in Customer.objects.filter(city="Kuopio")}
    assert run.stdout.strip() == (f"Imported {3 * BATCH} row(s): 0 new, {len(moved)} updated.")
    assert len(moved) == 200
    assert len(queries) <= 3 * 15
    for customer in Customer.objects.all():
        stored = before[customer.public_id]
        if customer.public_id in moved:
            assert customer.updated_at > stored["updated_at"]
        else:
            assert customer.updated_at == stored["updated_at"]  # unchanged: not written
            assert Customer.objects.filter(pk=customer.pk).values().get() == stored
    assert sorted(e.row_count for e in import_events()) == [len(moved), 3 * BATCH]


def test_a_dry_run_of_a_big_file_reports_what_would_happen_and_changes_nothing(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    before = snapshot()
    path = write_csv(tmp_path / "in.csv", rows_csv(3 * BATCH))

    run = run_command("import_customers", str(path), "--dry-run")

    assert run.error is None, run.stderr
    assert run.stdout.strip() == f"Would import {3 * BATCH} row(s): {3 * BATCH} new, 0 updated."
    assert snapshot() == before
    assert import_events() == []


# -- The model's rules, checked a batch at a time -------------------------------------------


def test_every_customer_constraint_is_checked_without_a_query_per_row() -> None:
    assert BatchRules(Customer).slow_constraints == []


NOW = timezone.now()
CONSTRAINT_CASES = [
    {"kind": kind, "business_id": business_id, "country": country, "language": language}
    | restriction
    for kind in ("person", "organization", "robot")
    for business_id in ("", "0112038-9")
    for country in ("FI", "SE")
    for language in ("fi", "de")
    for restriction in ({}, {"restricted": True}, {"restricted": True, "restricted_at": NOW})
]


@pytest.mark.django_db
@pytest.mark.parametrize("values", CONSTRAINT_CASES)
def test_each_check_constraint_is_decided_in_python_as_the_database_decides_it(
    values: dict,
) -> None:
    customer = Customer(name="Testi", source=DataSource.IMPORT, **values)
    for constraint in Customer._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue  # the unique constraint is looked up, not evaluated
        try:
            constraint.validate(Customer, customer)
            by_database = True
        except ValidationError:
            by_database = False
        in_python = importing.compile_condition(Customer, Q(constraint.condition))(customer, set())
        assert (in_python is not False) is by_database, (constraint.name, values)


def test_an_update_stores_times_and_text_exactly_as_given(
    run_command: Callable, tmp_path: Path, company: Customer
) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        "public_id,kind,name,business_id,obtained_at,notes,language\n"
        f"{company.public_id},organization,Kivikko Oy,{MOVED_ID},2026-11-27T14:05:00+02:00,"
        '"Rivi 1\nRivi 2, ""lainattu""",sv\n',
    )

    run = run_command("import_customers", str(path))

    assert run.error is None, run.stderr
    company.refresh_from_db()
    assert company.obtained_at.isoformat() == "2026-11-27T12:05:00+00:00"
    assert (company.name, company.notes, company.language) == (
        "Kivikko Oy",
        'Rivi 1\nRivi 2, "lainattu"',
        "sv",
    )
