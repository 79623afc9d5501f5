"""On PostgreSQL the big registers are written by COPY (privacy.csvcopy); the bytes must be
the ones the Python path writes for the same rows, whatever the values hold."""

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consents.models import ConsentEvent, Purpose
from consents.services import consent_give
from customers.models import Authorization, Customer, Purchase, User
from privacy.exports import REGISTERS, RegisterStream
from privacy.models import AuditEvent, Disclosure, Recipient
from privacy.services import disclosure_record

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite has one path."
)

COPIED = ["customers", "consents", "purchases", "authorizations", "disclosures", "audit"]

# Values a register may hold after years of imports, forms and hand edits: every formula
# trigger, the delimiters and quotes of both dialects, line breaks, empty strings, and
# text that only looks like a number, a date or a NULL.
HOSTILE = [
    '=HYPERLINK("http://evil")',
    "+358 40 123",
    "-5",
    "@SUM(A1)",
    "'already quoted",
    "\ttabbed",
    "\rcarriage",
    'say "hi"; then, go',
    "two\nlines",
    "crlf\r\nline, with comma",
    "trailing space ",
    " leading space",
    "",
    "NULL",
    "\\N",
    "2026-01-01",
    "Åke Öhman – 😀",
]


def _read(stream: RegisterStream) -> bytes:
    # Each export audits itself; rolled back, so the audit register reads the same rows
    # on both paths.
    with transaction.atomic():
        data = b"".join(stream)
        transaction.set_rollback(True)
    return data


def _both(name: str, dialect: str) -> tuple[bytes, bytes]:
    python = _read(RegisterStream(name=name, dialect=dialect, actor=None, python=True))
    copied = RegisterStream(name=name, dialect=dialect, actor=None)
    assert copied.by_copy
    return python, _read(copied)


@pytest.fixture
def hostile(
    alice: Customer,
    charlie: Customer,
    company: Customer,
    purchase: Purchase,
    recipient: Recipient,
    dpo: User,
) -> None:
    call_command("setup_consents", stdout=io.StringIO())
    newsletter = Purpose.objects.get(key="newsletter")
    winter = datetime(2026, 1, 15, 10, 30, 15, 999999, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 21, 59, 59, 123456, tzinfo=UTC)  # next day in Helsinki
    for n, text in enumerate(HOSTILE):
        customer = Customer.objects.create(
            kind=Customer.Kind.PERSON,
            name=f"Henkilö {n}",
            email=f"h{n}@example.com",
            country="FI",
            source="import",
        )
        # Stored as is (update() skips the model's cleaning): the export must cope with
        # whatever is in the table.
        Customer.objects.filter(pk=customer.pk).update(
            name=text or "x",
            notes=text,
            city=text,
            obtained_at=winter if n % 2 else summer,
        )
        event = consent_give(customer=customer, purpose=newsletter, actor=None)
        # The ledger is append-only for the app; the table is changed under it here.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ConsentEvent._meta.db_table} "
                "SET note = %s, occurred_at = %s, client_ip = %s WHERE id = %s",
                [
                    text,
                    summer if n % 2 else winter,
                    "2001:db8::1" if n % 2 else "192.0.2.7",
                    event.pk,
                ],
            )
    Purchase.objects.filter(pk=purchase.pk).update(amount=Decimal("1480.00"), invoice_number="=1+1")
    Authorization.objects.create(
        person=charlie,
        organization=company,
        role=Authorization.Role.PURCHASER,
        granted_by='Kivikko "CEO"; signed',
        evidence="",
        source="phone",
    )
    disclosure = disclosure_record(
        recipient=recipient,
        customers=[alice, charlie],
        categories=["identity"],
        basis=Disclosure.Basis.CONTRACT,
        purpose='-delivery, invoicing; "quoted"',
        disclosed_at=timezone.now() - timedelta(days=1),
        actor=dpo,
    )
    Disclosure.objects.filter(pk=disclosure.pk).update(categories=["identity", "=x", "a; b"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET changed_fields = %s, client_ip = %s "
            "WHERE id = (SELECT min(id) FROM privacy_auditevent)",
            ['["name", "=notes", "a; b"]', "10.0.0.1"],
        )


@pytest.mark.parametrize("name", COPIED)
@pytest.mark.parametrize("dialect", ["rfc4180", "excel-fi"])
def test_copy_writes_the_same_bytes_as_the_python_path(hostile: None, name: str, dialect: str):
    python, copied = _both(name, dialect)
    assert python.count(b"\r\n") > 1  # rows, not just the header
    assert copied == python


def test_copy_writes_the_helsinki_offset_of_each_season(hostile: None):
    _, copied = _both("customers", "rfc4180")
    text = copied.decode()
    assert "T12:30:15+02:00" in text  # winter, truncated to the second as isoformat does
    assert "2026-07-16T00:59:59+03:00" in text  # summer, the next day in Helsinki


def test_copy_escapes_formulas_in_every_text_column(hostile: None):
    _, copied = _both("customers", "rfc4180")
    assert b"'=HYPERLINK" in copied
    assert b",=HYPERLINK" not in copied and b'"=HYPERLINK' not in copied


def test_every_register_of_values_is_written_by_copy_on_postgresql(db: None):
    for name in COPIED:
        assert REGISTERS[name]().copy_select is not None, name


def test_a_download_broken_off_leaves_the_connection_usable_and_no_export_audited(
    make_customer: Callable[..., Customer],
):
    Customer.objects.bulk_create(
        Customer(
            kind=Customer.Kind.PERSON,
            name=f"Henkilö {n} Meikäläinen",
            email=f"p{n}@example.com",
            country="FI",
            notes="x" * 200,
            source="import",
        )
        for n in range(1500)
    )
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    chunks = iter(RegisterStream(name="customers", actor=None))
    first = next(chunks)
    assert first.startswith(b"public_id,")
    chunks.close()  # the client went away
    assert Customer.objects.count() == 1500  # the connection answers again
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == exports


def test_the_admin_download_and_bundle_stream(client: Client, dpo: User, hostile: None):
    client.force_login(dpo)
    response = client.get(reverse("admin:privacy_export_register", args=["customers"]))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    python, _ = _both("customers", "rfc4180")
    assert body == python
    response = client.get(reverse("admin:privacy_export_bundle"))
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.read("customers.csv") == python
    assert archive.testzip() is None
