"""The record of processing (GDPR Art 30): derived from the registry, the recipients and the
controller settings; `manage.py export_register ropa` as CSV with every column filled, and
the admin page for the DPO only."""

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customers import roles
from customers.models import Customer, User
from privacy import registry
from privacy.models import AuditEvent, Recipient

ART_30_COLUMNS = [
    "controller",
    "controller_contact",
    "purpose",
    "legal_basis",
    "legitimate_interest",
    "data_subjects",
    "data_categories",
    "recipients",
    "transfers_outside_eea",
    "erasure_time_limits",
    "security_measures",
]
ROPA_URL = "/admin/privacy/record-of-processing/"


@pytest.fixture
def controller_settings(settings) -> None:
    settings.CONTROLLER_NAME = "Herocon Oy"
    settings.CONTROLLER_BUSINESS_ID = "2077474-0"
    settings.CONTROLLER_ADDRESS = "Esimerkkikatu 1, 00100 Helsinki"
    settings.CONTROLLER_PRIVACY_EMAIL = "tietosuoja@herocon.example"


def export(tmp_path: Path, *args: str) -> tuple[bytes, str]:
    """Run the export to a file; its bytes and what the command told on stderr."""
    out = tmp_path / "ropa.csv"
    stderr = io.StringIO()
    call_command("export_register", "ropa", "--output", str(out), *args, stderr=stderr)
    return out.read_bytes(), stderr.getvalue()


def read_rows(raw: bytes, delimiter: str = ",") -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    header, *body = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in body]


def english(text: object) -> str:
    with translation.override("en"):
        return str(text)


# -- export_register ropa ------------------------------------------------------------------


def test_the_export_header_is_the_art_30_columns_and_no_cell_is_empty(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    raw, stderr = export(tmp_path)

    header, rows = read_rows(raw)
    assert header == ART_30_COLUMNS
    assert raw.split(b"\r\n", 1)[0] == ",".join(ART_30_COLUMNS).encode()
    assert not raw.startswith(b"\xef\xbb\xbf")
    empty = [
        (n, column) for n, row in enumerate(rows, 1) for column, v in row.items() if not v.strip()
    ]
    assert empty == []
    assert stderr.strip().endswith(f"Wrote {len(rows)} row(s) to {tmp_path / 'ropa.csv'}.")


def test_the_export_has_one_row_per_purpose_in_use(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    purposes = registry.purposes_in_use()
    assert len(rows) == len(purposes)
    for row, purpose in zip(rows, purposes, strict=True):
        assert row["purpose"].startswith(english(purpose.name))
        assert row["legal_basis"] == english(purpose.basis.label)
        if purpose.legitimate_interest is not None:
            assert row["legitimate_interest"] == english(purpose.legitimate_interest)
        else:
            assert row["legitimate_interest"].startswith("Not applicable")
        for subject in purpose.data_subjects:
            assert english(registry.DATA_SUBJECTS[subject]) in row["data_subjects"]


def test_every_category_of_a_purpose_has_its_erasure_time_limit(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    by_purpose = dict(zip([p.key for p in registry.purposes_in_use()], rows, strict=True))
    with translation.override("en"):
        for summary in registry.categories_in_use():
            for purpose in summary.purposes:
                row = by_purpose[purpose.key]
                assert str(summary.category.name) in row["data_categories"]
                for rule in summary.retention:
                    assert rule.description in row["erasure_time_limits"]


def test_the_export_names_the_controller_and_its_contact(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    assert {row["controller"] for row in rows} == {"Herocon Oy (2077474-0)"}
    contact = rows[0]["controller_contact"]
    assert "Esimerkkikatu 1, 00100 Helsinki" in contact
    assert "tietosuoja@herocon.example" in contact


def test_the_security_measures_follow_the_settings(
    tmp_path: Path, settings, controller_settings: None, db: None
) -> None:
    settings.RETENTION = {**settings.RETENTION, "backup_days": 14}

    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    measures = rows[0]["security_measures"]
    assert "two-factor authentication" in measures
    assert "audit log" in measures
    assert "backups kept 14 days" in measures


def test_an_unset_controller_fact_is_a_marked_placeholder(
    tmp_path: Path, settings, db: None
) -> None:
    settings.CONTROLLER_BUSINESS_ID = ""

    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    assert "[not set: CONTROLLER_BUSINESS_ID]" in rows[0]["controller"]


def test_with_only_eea_recipients_there_are_no_transfers(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    Recipient.objects.create(name="Nordic Host AB", kind=Recipient.Kind.PROCESSOR, country="SE")
    Recipient.objects.create(
        name="Koulutustalo Oy", kind=Recipient.Kind.PRODUCT_OWNER, country="FI"
    )

    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    assert {row["transfers_outside_eea"] for row in rows} == {"No transfers outside the EEA"}
    assert "Nordic Host AB (Processor / system provider, SE)" in rows[0]["recipients"]
    assert "Koulutustalo Oy (Product owner (independent controller), FI)" in rows[0]["recipients"]


def test_a_us_recipient_appears_in_transfers_outside_the_eea(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    Recipient.objects.create(name="Nordic Host AB", kind=Recipient.Kind.PROCESSOR, country="SE")
    raw_before, _ = export(tmp_path)
    Recipient.objects.create(name="Cloudmail Inc.", kind=Recipient.Kind.PROCESSOR, country="US")

    raw, _ = export(tmp_path)

    _, before = read_rows(raw_before)
    _, rows = read_rows(raw)
    assert "Cloudmail Inc." not in before[0]["transfers_outside_eea"]
    for row in rows:
        assert "Cloudmail Inc. (US)" in row["transfers_outside_eea"]
        assert "Nordic Host AB" not in row["transfers_outside_eea"]
        assert "Cloudmail Inc." in row["recipients"]


def test_the_excel_fi_dialect_writes_a_bom_and_semicolons(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    raw, _ = export(tmp_path, "--dialect", "excel-fi")

    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].split(b"\r\n", 1)[0] == ";".join(ART_30_COLUMNS).encode()
    header, rows = read_rows(raw, delimiter=";")
    assert header == ART_30_COLUMNS
    assert len(rows) == len(registry.purposes_in_use())
    assert all(value.strip() for row in rows for value in row.values())


def test_a_recipient_name_that_looks_like_a_formula_is_escaped(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    Recipient.objects.create(
        name='=HYPERLINK("http://x.example")', kind=Recipient.Kind.PROCESSOR, country="US"
    )

    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    assert rows[0]["recipients"].startswith("'=HYPERLINK")
    assert rows[0]["transfers_outside_eea"].startswith("'=HYPERLINK")


def test_the_export_goes_to_standard_output_without_output(
    controller_settings: None, db: None
) -> None:
    stdout = io.StringIO()

    call_command("export_register", "ropa", stdout=stdout)

    header, rows = read_rows(stdout.getvalue().encode())
    assert header == ART_30_COLUMNS
    assert len(rows) == len(registry.purposes_in_use())


def test_the_export_is_audited(tmp_path: Path, controller_settings: None, db: None) -> None:
    raw, _ = export(tmp_path)

    _, rows = read_rows(raw)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.object_type == "privacy.ropa"
    assert event.row_count == len(rows)
    assert event.actor_id is None


def test_an_unwritable_output_fails_with_a_reason_and_audits_nothing(
    tmp_path: Path, controller_settings: None, db: None
) -> None:
    target = tmp_path / "missing-dir" / "ropa.csv"

    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_register", "ropa", "--output", str(target))

    assert not target.exists()
    assert not AuditEvent.objects.exists()


def test_an_unknown_dialect_is_refused(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError):
        call_command(
            "export_register", "ropa", "--output", str(tmp_path / "x.csv"), "--dialect", "tsv"
        )

    assert not AuditEvent.objects.exists()


# -- The admin page ------------------------------------------------------------------------


def test_the_dpo_sees_the_record_of_processing_in_the_admin(
    dpo: User, controller_settings: None
) -> None:
    Recipient.objects.create(name="Cloudmail Inc.", kind=Recipient.Kind.PROCESSOR, country="US")
    client = Client()
    client.force_login(dpo)

    response = client.get(ROPA_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert reverse("admin:privacy_record_of_processing") == ROPA_URL
    content = response.content.decode()
    for column in ART_30_COLUMNS:
        assert f'<th scope="col">{column}</th>' in content
    assert content.count("<tr><td>") == len(registry.purposes_in_use())
    assert "Cloudmail Inc. (US)" in content
    assert "2077474-0" in content
    # The admin index links the page for those who may see it.
    assert ROPA_URL in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_other_roles_are_refused_the_record_of_processing(
    staff_client: Callable[..., Client], role: str
) -> None:
    client = staff_client(role)

    response = client.get(ROPA_URL)

    assert response.status_code == 403
    assert ROPA_URL not in client.get(reverse("admin:index")).content.decode()


def test_a_customer_is_sent_to_the_login_instead_of_the_record(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)

    response = client.get(ROPA_URL)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_visitor_is_sent_to_the_login_instead_of_the_record(client: Client, db: None) -> None:
    response = client.get(ROPA_URL)

    assert response.status_code == 302
    assert "login" in response["Location"]
