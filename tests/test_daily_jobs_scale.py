"""The daily jobs at scale (issue 11): `purge_expired`, `verify_audit_log` and
`expire_staff_access` work in set-based statements, so their number of queries does not
grow with the rows they handle (at most a constant per batch), and `verify_audit_log`
still finds tampering anywhere in a chain longer than one fetch.
"""

import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import roles
from customers.models import (
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    StaffRoleGrant,
    User,
    helsinki_today,
)
from customers.services import staff_access_expire
from privacy import audit
from privacy.models import AuditChainHead, AuditEvent, DataSubjectRequest
from privacy.services import audit_event_record, audit_log_verify
from privacy.services import erasure as erasure_service
from privacy.services.erasure import retention_purge

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=4 * 365)
AUDIT_TABLES = ("privacy_auditevent", "privacy_auditchainhead")


def queries_of(job: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        job()
    return [query["sql"] for query in queries.captured_queries]


# -- purge_expired ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def journal(settings, tmp_path):
    settings.ERASURE_JOURNAL_PATH = tmp_path / "erasure-journal.jsonl"


@pytest.fixture
def add_expired(product: Product, monkeypatch) -> Callable[[int], None]:
    """`n` of each thing the purge removes or weighs: purchases and billing profiles whose
    hold ended, erased customers' shells whose hold ended, old closed requests, old client
    addresses in the audit log, and restricted customers past retention (left alone)."""
    yesterday = helsinki_today() - timedelta(days=1)

    def add(n: int) -> None:
        for i in range(n):
            owner = Customer.objects.create(
                kind=Customer.Kind.PERSON, name=f"Owner {i}", source=DataSource.WEB_FORM
            )
            Purchase.objects.create(
                customer=owner,
                product=product,
                purchased_on=date(2018, 1, 1),
                amount=Decimal("10.00"),
                held_until=yesterday,
                source=DataSource.WEB_FORM,
            )
            BillingProfile.objects.create(
                customer=owner,
                invoicing_email="laskut@example.fi",
                held_until=yesterday,
                source=DataSource.WEB_FORM,
            )
            Customer.objects.create(
                kind=Customer.Kind.PERSON,
                name="Erased customer",
                source=DataSource.WEB_FORM,
                restricted=True,
                restricted_at=LONG_AGO,
                erased_at=LONG_AGO,
                held_until=yesterday,
            )
            DataSubjectRequest.objects.create(
                customer=owner,
                kind=DataSubjectRequest.Kind.ACCESS,
                channel=DataSubjectRequest.Channel.EMAIL,
                received_on=date(2015, 1, 2),
                status=DataSubjectRequest.Status.DONE,
                closed_on=date(2015, 1, 20),
            )
            dormant = Customer.objects.create(
                kind=Customer.Kind.PERSON,
                name=f"Dormant {i}",
                source=DataSource.WEB_FORM,
                restricted=True,
                restricted_at=LONG_AGO,
            )
            Customer.objects.filter(pk=dormant.pk).update(updated_at=LONG_AGO)
        # The time is inside the hash: old events are written old.
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: LONG_AGO)
            for _ in range(n):
                audit_event_record(action=AuditEvent.Action.VIEW, actor=None, client_ip="192.0.2.1")

    return add


def test_the_purge_costs_the_same_queries_for_ten_or_a_hundred_expired_records(
    add_expired: Callable[[int], None],
) -> None:
    add_expired(10)
    few = queries_of(retention_purge)
    add_expired(100)
    many = queries_of(retention_purge)

    # The second run found the new hundred of each (and the 110 restricted customers).
    assert Purchase.objects.count() == 0
    assert not Customer.objects.filter(erased_at__isnull=False).exists()
    assert not DataSubjectRequest.objects.exists()
    assert not AuditEvent.objects.filter(client_ip__isnull=False).exists()
    assert len(many) == len(few)
    assert audit_log_verify() is None


def test_the_purge_deletes_in_batches_and_misses_nothing(
    add_expired: Callable[[int], None], monkeypatch
) -> None:
    add_expired(25)
    monkeypatch.setattr(erasure_service, "PURGE_BATCH_SIZE", 10)

    report = retention_purge()

    assert (report.held_purchases, report.held_billing_profiles, report.shells) == (25, 25, 25)
    assert (report.requests_deleted, report.addresses_cleared) == (25, 25)
    assert report.restricted_skipped == 25
    assert report.relationships_ended == []
    assert not Purchase.objects.exists()
    assert not BillingProfile.objects.exists()
    assert Customer.objects.filter(name__startswith="Dormant").count() == 25


def test_the_dry_run_counts_without_a_query_per_record(add_expired: Callable[[int], None]) -> None:
    add_expired(10)
    few = queries_of(lambda: retention_purge(dry_run=True))
    add_expired(100)
    many = queries_of(lambda: retention_purge(dry_run=True))

    assert len(many) == len(few)
    assert retention_purge(dry_run=True).held_purchases == 110


# -- verify_audit_log -------------------------------------------------------------------------


def _append_events(n: int) -> list[AuditEvent]:
    return [
        audit_event_record(
            action=AuditEvent.Action.CHANGE,
            actor=None,
            object_type="customers.customer",
            object_id=i,
            changed_fields=["email", "name"],
        )
        for i in range(n)
    ]


def test_verifying_the_chain_costs_the_same_queries_for_ten_or_a_hundred_events(
    db: None,
) -> None:
    _append_events(10)
    few = queries_of(audit_log_verify)
    _append_events(90)
    many = queries_of(audit_log_verify)

    assert len(many) == len(few)


@pytest.fixture
def long_chain(monkeypatch) -> list[AuditEvent]:
    """A chain five fetches long."""
    monkeypatch.setattr(audit, "VERIFY_CHUNK", 20)
    return _append_events(100)


def test_an_event_edited_in_the_middle_of_a_long_chain_is_found(
    long_chain: list[AuditEvent],
) -> None:
    assert audit_log_verify() is None
    middle = long_chain[57]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_id = %s WHERE id = %s",
            ["forged", middle.pk],
        )

    problem = audit_log_verify()

    assert problem is not None
    assert (problem.event_id, problem.reason.split(":")[0]) == (middle.pk, "edited")


def test_an_event_deleted_from_the_middle_of_a_long_chain_is_found(
    long_chain: list[AuditEvent],
) -> None:
    middle = long_chain[61]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [middle.pk])

    problem = audit_log_verify()

    assert problem is not None
    assert (problem.event_id, problem.reason.split(":")[0]) == (middle.pk, "missing")


def _append_raw(**values: object) -> AuditEvent:
    """An event with values `audit_event_record` would not write (microseconds, numbers
    in changed_fields), hashed and chained as it would be."""
    head = AuditChainHead.objects.select_for_update().get_or_create(pk=1)[0]
    event = AuditEvent(
        id=head.last_id + 1,
        created_at=values.pop("created_at", timezone.now().replace(microsecond=0)),
        prev_hash=head.last_hash,
        **values,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    head.last_id, head.last_hash = event.id, event.hash
    head.save()
    return event


def test_awkward_values_verify_alike_in_python_and_in_the_database(db: None) -> None:
    _append_events(3)
    plain = _append_raw(
        action="change",
        actor_id=2**40,
        object_type="customers.customer",
        object_id="Ä €",
        # A quote and a comma inside a name must not be taken for the list's separator.
        changed_fields=['a", "b', "ü", "x\\y"],
        row_count=7,
        created_at=timezone.now().replace(microsecond=123456),
    )
    escaped = _append_raw(
        action="view", object_type="", object_id='"quoted" \\ new\nline\t\x01', changed_fields=[]
    )
    numbers = _append_raw(action="view", object_type="x", object_id="1", changed_fields=[3, "a"])
    _append_events(3)

    queries = queries_of(audit_log_verify)

    assert audit_log_verify() is None
    if connection.vendor == "postgresql":
        # The database hashed the rest itself; these two went to Python's compute_hash().
        fetched = {sql for sql in queries if 'WHERE "privacy_auditevent"."id" = ' in sql}
        assert {sql.split(" = ")[-1] for sql in fetched} == {
            f"{escaped.pk} LIMIT 21",
            f"{numbers.pk} LIMIT 21",
        }
    for event in (plain, escaped, numbers):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditEvent._meta.db_table} SET row_count = 8 WHERE id = %s", [event.pk]
            )
        problem = audit_log_verify()
        assert problem is not None
        assert problem.event_id == event.pk
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditEvent._meta.db_table} SET row_count = %s WHERE id = %s",
                [event.row_count, event.pk],
            )


def test_the_command_reports_an_intact_chain(db: None) -> None:
    _append_events(5)
    out = io.StringIO()

    call_command("verify_audit_log", stdout=out)

    assert "Audit log intact: 5 events verified." in out.getvalue()


# -- expire_staff_access ----------------------------------------------------------------------


@pytest.fixture
def add_ended_grants(make_staff: Callable[..., User]) -> Callable[[int], None]:
    yesterday = helsinki_today() - timedelta(days=1)
    made = {"count": 0}

    def add(n: int) -> None:
        for _ in range(n):
            made["count"] += 1
            make_staff(
                roles.SALES,
                email=f"ended{made['count']}@herocon.example",
                mfa=False,
                valid_until=yesterday,
            )

    return add


def test_expiring_grants_costs_the_same_queries_for_two_or_ten_besides_their_audit_events(
    add_ended_grants: Callable[[int], None],
) -> None:
    add_ended_grants(2)
    few = queries_of(staff_access_expire)
    add_ended_grants(10)
    many = queries_of(staff_access_expire)

    def outside_the_audit_log(queries: list[str]) -> list[str]:
        # Each event is appended on its own (a savepoint, the head, the event, the head).
        return [
            sql
            for sql in queries
            if not any(table in sql for table in AUDIT_TABLES) and "SAVEPOINT" not in sql
        ]

    assert len(outside_the_audit_log(many)) == len(outside_the_audit_log(few))
    assert not StaffRoleGrant.objects.exists()
    assert not Group.objects.get(name=roles.SALES).user_set.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPIRE).count() == 12
    assert audit_log_verify() is None
