"""`manage.py purge_expired`: retention applied, and --dry-run changing nothing."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.models import Customer, DataSource, Purchase, User
from privacy.models import AuditEvent, DataSubjectRequest, ErasureReceipt
from privacy.services import audit_event_record, audit_log_verify
from privacy.services.erasure import customer_erase, relationship_last_sign

LONG_AGO = timezone.now() - timedelta(days=4 * 365)


@pytest.fixture(autouse=True)
def journal(settings, tmp_path):
    settings.ERASURE_JOURNAL_PATH = tmp_path / "erasure-journal.jsonl"
    return settings.ERASURE_JOURNAL_PATH


@pytest.fixture
def expired_shell(alice, product, django_capture_on_commit_callbacks) -> Customer:
    """Alice, erased with a 2024 invoice, on a day after its hold has ended."""
    Purchase.objects.create(
        customer=alice,
        product=product,
        purchased_on=date(2024, 5, 20),
        amount=Decimal("120.00"),
        source=DataSource.WEB_FORM,
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=alice, actor=None)
    yesterday = timezone.localdate() - timedelta(days=1)
    Purchase.objects.filter(customer=alice).update(held_until=yesterday)
    Customer.objects.filter(pk=alice.pk).update(held_until=yesterday)
    return Customer.objects.get(pk=alice.pk)


@pytest.fixture
def dormant(charlie) -> Customer:
    """Charlie: no purchase, authorization or sign-in, untouched for four years."""
    User.objects.filter(pk=charlie.user_id).update(last_login=LONG_AGO)
    Customer.objects.filter(pk=charlie.pk).update(updated_at=LONG_AGO)
    return Customer.objects.get(pk=charlie.pk)


@pytest.fixture
def old_address(monkeypatch) -> AuditEvent:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: LONG_AGO)
        old = audit_event_record(action=AuditEvent.Action.VIEW, actor=None, client_ip="192.0.2.1")
    audit_event_record(action=AuditEvent.Action.VIEW, actor=None, client_ip="192.0.2.2")
    return old


@pytest.fixture
def old_request(company) -> DataSubjectRequest:
    return DataSubjectRequest.objects.create(
        customer=company,
        kind=DataSubjectRequest.Kind.ACCESS,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=date(2019, 1, 2),
        status=DataSubjectRequest.Status.DONE,
        closed_on=date(2019, 1, 20),
    )


def _state() -> dict[str, object]:
    return {
        "customers": sorted(Customer.objects.values_list("pk", "name")),
        "purchases": Purchase.objects.count(),
        "users": User.objects.count(),
        "addresses": AuditEvent.objects.filter(client_ip__isnull=False).count(),
        "audit": AuditEvent.objects.count(),
        "requests": DataSubjectRequest.objects.count(),
        "receipts": ErasureReceipt.objects.count(),
    }


def _purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(
    expired_shell, dormant, old_address, old_request
):
    before = _state()

    out = _purge("--dry-run")

    assert _state() == before
    assert "Dry run" in out
    assert "1 purchase(s), 0 billing profile(s) and 1 erased customer shell(s) would be" in out
    assert f"1 customer(s) would be erased ({dormant.public_id})" in out
    assert "client addresses of 1 event(s) would be cleared" in out
    assert "Closed requests past retention: 1 would be deleted" in out


def test_the_real_run_ends_a_passed_hold_erases_the_dormant_and_trims_addresses(
    expired_shell, dormant, old_address, old_request, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = _purge()

    assert not Customer.objects.filter(pk=expired_shell.pk).exists()
    assert not Purchase.objects.filter(customer_id=expired_shell.pk).exists()
    assert not Customer.objects.filter(pk=dormant.pk).exists()
    assert not User.objects.filter(email="charlie@example.com").exists()
    assert ErasureReceipt.objects.filter(customer_public_id=dormant.public_id).exists()
    assert AuditEvent.objects.get(pk=old_address.pk).client_ip is None
    assert AuditEvent.objects.filter(client_ip="192.0.2.2").exists()
    assert not DataSubjectRequest.objects.filter(pk=old_request.pk).exists()
    # The organization is still an active customer (Alice's authorization ended with her).
    assert Customer.objects.filter(pk=company.pk).exists()
    assert audit_log_verify() is None
    assert "were deleted" in out and "1 customer(s) were erased" in out
    # Run again: nothing left to do.
    assert "0 customer(s) were erased" in _purge()


def test_a_customer_with_a_recent_sign_is_kept(charlie, product):
    Customer.objects.filter(pk=charlie.pk).update(updated_at=LONG_AGO)
    User.objects.filter(pk=charlie.user_id).update(last_login=timezone.now())

    _purge()

    assert Customer.objects.get(pk=charlie.pk).name == "Charlie Carlsson"


def test_a_valid_authorization_keeps_the_relationship_alive(alice):
    Customer.objects.filter(pk=alice.pk).update(updated_at=LONG_AGO)
    User.objects.filter(pk=alice.user_id).update(last_login=LONG_AGO)

    assert relationship_last_sign(Customer.objects.get(pk=alice.pk)) is None
    _purge()

    assert Customer.objects.get(pk=alice.pk).name == "Alice Aaltonen"


def test_a_restricted_customer_past_retention_is_left_alone(dormant):
    Customer.objects.filter(pk=dormant.pk).update(
        restricted=True, restricted_at=LONG_AGO, restriction_reason="Legal claim"
    )

    out = _purge()

    assert Customer.objects.get(pk=dormant.pk).name == "Charlie Carlsson"
    assert "left alone: 1" in out


def test_a_broken_journal_fails_with_one_line(dormant, journal):
    journal.write_text("not json\n")

    with pytest.raises(CommandError) as failed:
        _purge()

    assert "line 1" in str(failed.value)
    assert "\n" not in str(failed.value)
