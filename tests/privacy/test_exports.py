"""Every register exports as CSV (DESIGN.md, "CSV contract"), from the command and the
admin, and the DPO bundle holds them all with a manifest of hashes."""

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consents.models import ConsentEvent, Purpose
from consents.services import consent_give
from customers import roles
from customers.models import Authorization, Customer, Purchase, User
from privacy import ropa
from privacy.exports import REGISTERS, disclosure_row_count
from privacy.models import AuditEvent, Breach, DataSubjectRequest, Disclosure, Recipient
from privacy.services import breach_record, disclosure_record, request_create

EXPECTED_HEADERS = {
    "customers": "public_id",
    "consents": "id",
    "purchases": "id",
    "authorizations": "id",
    "requests": "public_id",
    "disclosures": "disclosure_id",
    "audit": "id",
    "breaches": "id",
    "ropa": "controller",
}


@pytest.fixture
def filled(
    alice: Customer, charlie: Customer, purchase: Purchase, recipient: Recipient, dpo: User
) -> None:
    """Some rows in every register."""
    call_command("setup_consents", stdout=io.StringIO())
    consent_give(customer=alice, purpose=Purpose.objects.get(key="newsletter"), actor=None)
    disclosure_record(
        recipient=recipient,
        customers=[alice, charlie],
        categories=["identity"],
        basis=Disclosure.Basis.CONTRACT,
        purpose='=HYPERLINK("http://evil")',
        disclosed_at=timezone.now() - timedelta(days=1),
        actor=dpo,
    )
    request_create(customer=alice, kind="access", channel="portal", actor=None)
    breach_record(
        actor=dpo,
        title="Lost laptop",
        aware_at=timezone.now() - timedelta(hours=2),
        nature="n",
        data_categories="c",
        approx_people=1,
        approx_records=1,
        consequences="c",
        measures="m",
    )


def _db_count(name: str) -> int:
    counts: dict[str, Callable[[], int]] = {
        "customers": Customer.objects.count,
        "consents": ConsentEvent.objects.count,
        "purchases": Purchase.objects.count,
        "authorizations": Authorization.objects.count,
        "requests": DataSubjectRequest.objects.count,
        "disclosures": disclosure_row_count,
        "breaches": Breach.objects.count,
        "ropa": lambda: len(list(ropa.rows())),
    }
    return counts[name]()


def _export(name: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("export_register", name, *extra, stdout=out)
    return out.getvalue()


def test_the_command_offers_every_register_of_the_design() -> None:
    assert set(REGISTERS) == set(EXPECTED_HEADERS)


@pytest.mark.parametrize("dialect", ["rfc4180", "excel-fi"])
@pytest.mark.parametrize("name", list(EXPECTED_HEADERS))
def test_every_register_exports_with_a_header_row_and_the_row_count_the_database_holds(
    filled: None, name: str, dialect: str
) -> None:
    audit_before = AuditEvent.objects.count()

    text = _export(name, "--dialect", dialect)

    if dialect == "excel-fi":
        assert text.startswith("\ufeff")
        text = text[1:]
    delimiter = ";" if dialect == "excel-fi" else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    assert header[0] == EXPECTED_HEADERS[name]
    assert all(column == column.lower() and " " not in column for column in header)
    assert all(len(row) == len(header) for row in body)
    # The audit register counts the events up to the export, not the export's own one.
    expected = audit_before if name == "audit" else _db_count(name)
    assert expected > 0
    assert len(body) == expected
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.row_count) == ("export", len(body))


def test_times_are_iso_8601_with_the_helsinki_offset_and_formulas_are_escaped(
    filled: None,
) -> None:
    rows = list(csv.DictReader(io.StringIO(_export("disclosures"))))
    assert len(rows) == 2
    assert rows[0]["purpose"].startswith("'=HYPERLINK")
    assert rows[0]["disclosed_at"][-6:] in ("+02:00", "+03:00")
    [breach] = list(csv.DictReader(io.StringIO(_export("breaches"))))
    assert breach["deadline"][-6:] in ("+02:00", "+03:00")


def test_the_bundle_holds_every_register_and_the_manifest_hashes_match_the_files(
    filled: None, tmp_path: Path
) -> None:
    target = tmp_path / "bundle.zip"
    out = io.StringIO()

    call_command("export_bundle", "--output", str(target), stdout=out)

    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = {f["name"] for f in manifest["files"]}
        assert names == {
            "customers.csv",
            "consents.csv",
            "purchases.csv",
            "authorizations.csv",
            "requests.csv",
            "disclosures.csv",
            "audit.csv",
            "breaches.csv",
            "record_of_processing.csv",
        }
        for entry in manifest["files"]:
            data = archive.read(entry["name"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
            assert len(lines) - 1 == entry["rows"]
    by_name = {f["name"]: f["rows"] for f in manifest["files"]}
    assert by_name["customers.csv"] == Customer.objects.count()
    assert by_name["disclosures.csv"] == 2
    assert AuditEvent.objects.filter(object_type="privacy.bundle").count() == 1
    assert "Wrote 9 register(s)" in out.getvalue()


def test_the_bundle_command_fails_with_one_line_when_it_cannot_write(
    db: None, tmp_path: Path
) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_bundle", "--output", str(tmp_path / "missing" / "b.zip"))


def test_the_dpo_downloads_a_register_streamed_and_audited(
    staff_client: Callable[..., Client], filled: None
) -> None:
    client = staff_client(roles.DPO, email="dpo2@herocon.example")
    assert client.get(reverse("admin:privacy_exports")).status_code == 200

    response = client.get(
        reverse("admin:privacy_export_register", args=["purchases"]) + "?dialect=excel-fi"
    )

    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffid;customer_public_id;")
    assert len(text.strip().splitlines()) - 1 == Purchase.objects.count()
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.object_type, event.row_count) == (
        "export",
        "customers.purchase",
        Purchase.objects.count(),
    )


def test_the_dpo_downloads_the_bundle_from_the_admin(
    staff_client: Callable[..., Client], filled: None
) -> None:
    client = staff_client(roles.DPO, email="dpo2@herocon.example")

    response = client.get(reverse("admin:privacy_export_bundle"))

    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "manifest.json" in archive.namelist()


def test_an_unknown_register_is_a_404(staff_client: Callable[..., Client]) -> None:
    client = staff_client(roles.DPO)
    assert client.get(reverse("admin:privacy_export_register", args=["nope"])).status_code == 404


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_only_the_dpo_exports_registers(staff_client: Callable[..., Client], role: str) -> None:
    client = staff_client(role)
    before = AuditEvent.objects.filter(action="export").count()
    assert client.get(reverse("admin:privacy_exports")).status_code == 403
    for name in REGISTERS:
        url = reverse("admin:privacy_export_register", args=[name])
        assert client.get(url).status_code == 403
    assert client.get(reverse("admin:privacy_export_bundle")).status_code == 403
    assert AuditEvent.objects.filter(action="export").count() == before
