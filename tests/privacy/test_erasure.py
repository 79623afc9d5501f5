"""The erasure engine (Art 17 with the Accounting Act hold), restriction (Art 18) and the
erasure journal, asserted in the database, the mail and the audit log."""

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consents import services as consent_services
from consents.models import ConsentEvent, Suppression
from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Purchase,
    SocialMediaProfile,
    User,
)
from privacy import registry
from privacy.erasure import erasure_preview
from privacy.journal import journal_entries, journal_reconcile
from privacy.models import (
    AuditEvent,
    DataSubjectRequest,
    Disclosure,
    ErasureReceipt,
    Recipient,
    RecipientNotice,
)
from privacy.services import audit_log_verify
from privacy.services import erasure as erasure_service
from privacy.services.erasure import SHELL_NAME, customer_erase
from privacy.services.restriction import customer_restrict, customer_restriction_lift
from privacy.subject_data import subject_querysets
from tests.conftest import PASSWORD

# Fields a shell keeps although the registry marks them delete (documented in the service):
# the row's constraints need a kind and a language; the shell is restricted by definition;
# a required time becomes the time of the erasure; the public ID is a fresh random one.
SHELL_EXCEPTIONS = {
    "name",
    "kind",
    "language",
    "restricted",
    "restricted_at",
    "restriction_reason",
    "obtained_at",
    "created_at",
    "updated_at",
    "public_id",
}


@pytest.fixture(autouse=True)
def journal(settings, tmp_path):
    settings.ERASURE_JOURNAL_PATH = tmp_path / "erasure-journal.jsonl"
    return settings.ERASURE_JOURNAL_PATH


@pytest.fixture
def invoiced_alice(alice: Customer, product) -> Customer:
    """Alice with her own 2024 invoice, billing details, social media and a session."""
    Purchase.objects.create(
        customer=alice,
        product=product,
        purchased_by=alice,
        purchased_on=date(2024, 5, 20),
        amount=Decimal("120.00"),
        invoice_number="2024-117",
        source=DataSource.WEB_FORM,
    )
    BillingProfile.objects.create(
        customer=alice,
        invoicing_email="alice.billing@example.com",
        street_address="Mannerheimintie 1",
        postal_code="00100",
        city="Helsinki",
        source=DataSource.WEB_FORM,
    )
    SocialMediaProfile.objects.create(
        customer=alice,
        platform=SocialMediaProfile.Platform.LINKEDIN,
        handle="alice-aaltonen",
        collected_from="Her own message",
        source=DataSource.SOCIAL_MEDIA,
    )
    return alice


@pytest.fixture
def logged_in(alice: Customer) -> Client:
    """Alice signed in to the portal: a Django session and allauth's record of it."""
    client = Client()
    client.force_login(alice.user)
    session_key = client.session.session_key
    UserSession.objects.create(
        user=alice.user, ip="192.0.2.10", session_key=session_key, user_agent="pytest"
    )
    TOTP.activate(alice.user, "JBSWY3DPEHPK3PXP")
    return client


def _erase(customer: Customer, actor: User | None, capture: Callable, **kwargs) -> ErasureReceipt:
    with capture(execute=True):
        return customer_erase(customer=customer, actor=actor, **kwargs)


def _snapshot() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "purchases": Purchase.objects.count(),
        "billing": BillingProfile.objects.count(),
        "social": SocialMediaProfile.objects.count(),
        "authorizations": Authorization.objects.count(),
        "consents": ConsentEvent.objects.count(),
        "receipts": ErasureReceipt.objects.count(),
        "notices": RecipientNotice.objects.count(),
        "audit": AuditEvent.objects.count(),
        "sessions": Session.objects.count(),
        "logentries": LogEntry.objects.count(),
    }


def test_erasing_a_customer_with_a_2024_invoice_keeps_it_restricted_until_2030_12_31(
    invoiced_alice, dpo, django_capture_on_commit_callbacks, mailoutbox, journal
):
    alice = invoiced_alice
    public_id = alice.public_id
    receipt = _erase(alice, dpo, django_capture_on_commit_callbacks)

    shell = Customer.objects.get(pk=alice.pk)
    assert shell.name == SHELL_NAME
    assert shell.erased_at is not None
    assert shell.held_until == date(2030, 12, 31)
    assert shell.restricted and shell.restricted_at
    assert shell.public_id != public_id
    [invoice] = Purchase.objects.filter(customer=shell)
    assert invoice.held_until == date(2030, 12, 31)
    assert invoice.invoice_number == "2024-117"
    assert invoice.amount == Decimal("120.00")
    [billing] = BillingProfile.objects.filter(customer=shell)
    assert billing.held_until == date(2030, 12, 31)
    assert billing.invoicing_email == "alice.billing@example.com"  # held: invoicing data
    assert not SocialMediaProfile.objects.filter(customer=shell).exists()
    assert not Authorization.objects.filter(person=shell).exists()

    # Walk the registry: every delete or anonymise field on what remains is empty.
    for label, queryset in subject_querysets(shell):
        for instance in queryset:
            for decl in registry.personal_fields(label):
                model_field = instance._meta.get_field(decl.name)
                if model_field.many_to_many or decl.erasure in (
                    registry.Erasure.HOLD,
                    registry.Erasure.KEEP,
                ):
                    continue
                if label == "customers.customer" and decl.name in SHELL_EXCEPTIONS:
                    continue
                value = getattr(instance, model_field.attname)
                if decl.erasure == registry.Erasure.ANONYMISE:
                    assert value in ("", None, erasure_service.ANONYMISED), (label, decl.name)
                else:
                    assert value in ("", None, False, []), (label, decl.name, value)
    assert shell.obtained_at == shell.erased_at

    assert receipt.pk is not None
    assert receipt.customer_public_id == public_id
    assert receipt.language == "fi"
    held = {
        (k["category"], k["until"]) for k in receipt.kept if k["reason"] == "Accounting Act 2:10"
    }
    # The invoice, the billing details, and where and when they were obtained.
    assert held == {
        ("purchases", "2030-12-31"),
        ("billing", "2030-12-31"),
        ("origin", "2030-12-31"),
    }
    erased_categories = {e["category"] for e in receipt.erased}
    assert {"identity", "email", "phone", "address", "social_media", "web_service"} <= (
        erased_categories
    )
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert "31.12.2030" in mail.body
    assert ErasureReceipt.objects.get(pk=receipt.pk).mailed_at is not None
    assert [(e.customer, e.receipt) for e in journal_entries()] == [(str(public_id), receipt.pk)]
    assert "Alice" not in journal.read_text() and "alice@" not in journal.read_text()


def test_a_second_erasure_changes_nothing(
    invoiced_alice, dpo, django_capture_on_commit_callbacks, mailoutbox
):
    _erase(invoiced_alice, dpo, django_capture_on_commit_callbacks)
    before = _snapshot()
    shell = Customer.objects.get(pk=invoiced_alice.pk)
    values = Customer.objects.filter(pk=shell.pk).values().get()

    again = _erase(shell, dpo, django_capture_on_commit_callbacks)

    assert again.pk is None
    assert again.erased == [] and again.kept == []
    assert _snapshot() == before
    assert Customer.objects.filter(pk=shell.pk).values().get() == values
    assert len(mailoutbox) == 1
    assert len(journal_entries()) == 1


def test_a_customer_with_nothing_held_is_deleted_entirely(
    charlie, dpo, django_capture_on_commit_callbacks, mailoutbox
):
    receipt = _erase(charlie, dpo, django_capture_on_commit_callbacks)

    assert not Customer.objects.filter(pk=charlie.pk).exists()
    assert not User.objects.filter(email="charlie@example.com").exists()
    assert not [k for k in receipt.kept if k["until"]]
    assert mailoutbox[0].to == ["charlie@example.com"]
    # A later call with the stale object changes nothing either.
    assert _erase(charlie, dpo, django_capture_on_commit_callbacks).pk is None


def test_the_person_who_bought_for_an_organization_stays_named_on_its_invoice_until_the_hold_ends(
    alice, company, purchase, dpo, django_capture_on_commit_callbacks
):
    _erase(alice, dpo, django_capture_on_commit_callbacks)

    purchase.refresh_from_db()
    shell = Customer.objects.get(pk=alice.pk)
    assert purchase.customer == company
    assert purchase.purchased_by == shell
    # The organization's invoice is the organization's, not restricted by her erasure.
    assert purchase.held_until is None
    assert shell.held_until == date(2031, 12, 31)
    assert Customer.objects.get(pk=company.pk).name == "Kivikko Rakennus Oy"


def test_erasing_a_customer_disclosed_to_a_product_owner_notifies_that_recipient(
    alice, recipient, dpo, django_capture_on_commit_callbacks
):
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        categories=["identity", "email"],
        basis=Disclosure.Basis.CONTRACT,
        purpose="Course enrolment",
        disclosed_at=timezone.now(),
    )
    disclosure.customers.add(alice)
    public_id = alice.public_id
    request = DataSubjectRequest.objects.create(
        customer=alice,
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.PORTAL,
        received_on=date(2026, 1, 5),
        details="Please erase me, Alice Aaltonen",
    )

    receipt = _erase(alice, dpo, django_capture_on_commit_callbacks, request=request)

    [notice] = RecipientNotice.objects.all()
    assert notice.recipient == recipient
    assert notice.kind == RecipientNotice.Kind.ERASURE
    assert notice.customer_public_id == public_id
    assert notice.request == request
    assert sorted(notice.categories) == ["email", "identity"]
    # The disclosure log stays, without her; her request stays, without her words.
    assert Disclosure.objects.filter(pk=disclosure.pk).exists()
    assert not disclosure.customers.exists()
    request.refresh_from_db()
    assert request.details == erasure_service.ANONYMISED
    assert receipt.request == request


def test_the_portal_account_emails_mfa_and_sessions_are_gone_and_login_fails(
    alice, logged_in, dpo, django_capture_on_commit_callbacks
):
    user_pk = alice.user.pk
    session_key = logged_in.session.session_key
    assert Authenticator.objects.filter(user_id=user_pk).exists()

    _erase(alice, dpo, django_capture_on_commit_callbacks)

    assert not User.objects.filter(pk=user_pk).exists()
    assert not EmailAddress.objects.filter(email__iexact="alice@example.com").exists()
    assert not Authenticator.objects.filter(user_id=user_pk).exists()
    assert not UserSession.objects.filter(user_id=user_pk).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not SessionStore(session_key=session_key).exists(session_key)
    assert not Client().login(email="alice@example.com", password=PASSWORD)
    # The old browser session is no longer signed in.
    assert logged_in.get("/portal/").status_code == 302


def test_admin_log_entries_naming_the_customer_are_deleted(
    alice, dpo, django_capture_on_commit_callbacks
):
    customer_type = ContentType.objects.get_for_model(Customer)
    LogEntry.objects.create(
        user=dpo,
        content_type=customer_type,
        object_id=str(alice.pk),
        object_repr="Alice Aaltonen",
        action_flag=CHANGE,
    )
    other = LogEntry.objects.create(
        user=dpo,
        content_type=customer_type,
        object_id="999999",
        object_repr="Someone else",
        action_flag=CHANGE,
    )

    _erase(alice, dpo, django_capture_on_commit_callbacks)

    assert list(LogEntry.objects.all()) == [other]


def test_consent_events_go_and_an_objector_keeps_only_a_suppression(
    alice, charlie, dpo, django_capture_on_commit_callbacks
):
    call_command("setup_consents", stdout=io.StringIO())
    from consents.models import Purpose

    newsletter = Purpose.objects.get(key="newsletter")
    consent_services.consent_give(customer=charlie, purpose=newsletter, actor=None)
    consent_services.consent_object(customer=alice, actor=None)
    assert ConsentEvent.objects.filter(customer=alice).exists()

    _erase(alice, dpo, django_capture_on_commit_callbacks)
    _erase(charlie, dpo, django_capture_on_commit_callbacks)

    assert not ConsentEvent.objects.exists()
    assert Suppression.objects.filter(kind=Suppression.Kind.EMAIL).count() == 1


def test_the_audit_log_still_verifies_and_names_nobody(
    invoiced_alice, dpo, django_capture_on_commit_callbacks
):
    alice = invoiced_alice
    alice_pk = alice.pk
    _erase(alice, dpo, django_capture_on_commit_callbacks)

    assert audit_log_verify() is None
    [event] = AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, object_type="customers.customer", object_id=str(alice_pk)
    )
    assert event.actor_id == dpo.pk
    dumped = json.dumps(list(AuditEvent.objects.values()), default=str)
    for personal in ("Alice", "Aaltonen", "alice@example.com", "+358407540576"):
        assert personal not in dumped


def test_a_failure_midway_changes_nothing(
    invoiced_alice, logged_in, dpo, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    before = _snapshot()
    values = Customer.objects.filter(pk=invoiced_alice.pk).values().get()

    def broken(**kwargs):
        raise RuntimeError("mail server of the recipient register is down")

    monkeypatch.setattr(erasure_service, "recipient_notices_create", broken)
    with pytest.raises(RuntimeError):
        _erase(invoiced_alice, dpo, django_capture_on_commit_callbacks)

    assert _snapshot() == before
    assert Customer.objects.filter(pk=invoiced_alice.pk).values().get() == values
    assert mailoutbox == []
    assert journal_entries() == []


def test_a_failure_late_in_the_erasure_rolls_back_the_deletions_too(
    invoiced_alice, logged_in, dpo, monkeypatch, django_capture_on_commit_callbacks
):
    before = _snapshot()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure_service, "audit_event_record", broken)
    with pytest.raises(RuntimeError):
        _erase(invoiced_alice, dpo, django_capture_on_commit_callbacks)

    assert _snapshot() == before
    assert User.objects.filter(email="alice@example.com").exists()


def test_a_staff_members_customer_record_is_refused(
    make_customer, dpo, django_capture_on_commit_callbacks
):
    colleague = make_customer(name="Dana Dpo", email=dpo.email, user=dpo)

    with pytest.raises(ValidationError):
        _erase(colleague, dpo, django_capture_on_commit_callbacks)

    assert Customer.objects.get(pk=colleague.pk).name == "Dana Dpo"


def test_the_preview_and_the_engine_agree(
    invoiced_alice, company, purchase, dpo, django_capture_on_commit_callbacks
):
    preview = erasure_preview(invoiced_alice)
    preview_erased = {item.category.key for item in preview.erased}
    preview_kept = {(item.category.key, item.until) for item in preview.kept if item.until}

    receipt = _erase(invoiced_alice, dpo, django_capture_on_commit_callbacks)

    assert {e["category"] for e in receipt.erased} == preview_erased
    assert {
        (k["category"], date.fromisoformat(k["until"])) for k in receipt.kept if k["until"]
    } == preview_kept
    shell = Customer.objects.get(pk=invoiced_alice.pk)
    assert shell.held_until == preview.held_until == date(2031, 12, 31)
    held = {p.purchased_on: p.held_until for p in Purchase.objects.filter(customer=shell)}
    assert held == {date(2024, 5, 20): date(2030, 12, 31)}


def test_a_hold_that_already_ended_keeps_nothing(
    alice, product, dpo, django_capture_on_commit_callbacks
):
    Purchase.objects.create(
        customer=alice,
        product=product,
        purchased_on=date(2015, 3, 1),
        amount=Decimal("10.00"),
        source=DataSource.WEB_FORM,
    )
    assert not [k for k in erasure_preview(alice).kept if k.until]

    _erase(alice, dpo, django_capture_on_commit_callbacks)

    assert not Customer.objects.filter(pk=alice.pk).exists()
    assert not Purchase.objects.filter(purchased_on=date(2015, 3, 1)).exists()


def test_a_lost_journal_line_is_written_again_from_the_receipt(
    charlie, dpo, django_capture_on_commit_callbacks, journal
):
    public_id = charlie.public_id
    _erase(charlie, dpo, django_capture_on_commit_callbacks)
    receipt = ErasureReceipt.objects.get()
    # The process died after the commit, halfway through writing the line.
    journal.write_text('{"customer": "' + str(public_id)[:8])

    added = journal_reconcile()

    assert [(e.customer, e.receipt) for e in added] == [(str(public_id), receipt.pk)]
    assert [(e.customer, e.receipt) for e in journal_entries()] == [(str(public_id), receipt.pk)]
    assert journal_reconcile() == []


# -- Restriction (Art 18) ---------------------------------------------------------------------


def test_restricting_a_disclosed_customer_notifies_recipients_and_is_audited(alice, recipient, dpo):
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        categories=["identity"],
        basis=Disclosure.Basis.CONTRACT,
        purpose="Course enrolment",
        disclosed_at=timezone.now(),
    )
    disclosure.customers.add(alice)

    customer_restrict(customer=alice, reason="Accuracy contested", actor=dpo)

    alice.refresh_from_db()
    assert alice.restricted and alice.restricted_at
    assert alice.restriction_reason == "Accuracy contested"
    [notice] = RecipientNotice.objects.all()
    assert notice.kind == RecipientNotice.Kind.RESTRICTION
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_id=str(alice.pk), actor_id=dpo.pk
    ).exists()
    call_command("setup_consents", stdout=io.StringIO())
    assert not Customer.objects.contactable("newsletter").filter(pk=alice.pk).exists()


def test_a_restriction_needs_a_reason(alice, dpo):
    with pytest.raises(ValidationError):
        customer_restrict(customer=alice, reason="  ", actor=dpo)

    alice.refresh_from_db()
    assert not alice.restricted


def test_lifting_a_restriction_is_refused_without_the_day_the_person_was_told(alice, dpo):
    customer_restrict(customer=alice, reason="Accuracy contested", actor=dpo)
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        customer_restriction_lift(customer=alice, person_told_on=None, actor=dpo)
    assert "person_told_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        customer_restriction_lift(
            customer=alice, person_told_on=timezone.localdate() + timedelta(days=1), actor=dpo
        )

    alice.refresh_from_db()
    assert alice.restricted
    assert AuditEvent.objects.count() == events


def test_lifting_a_restriction_records_when_the_person_was_told(alice, dpo):
    customer_restrict(customer=alice, reason="Accuracy contested", actor=dpo)
    today = timezone.localdate()

    customer_restriction_lift(customer=alice, person_told_on=today, actor=dpo)

    alice.refresh_from_db()
    assert not alice.restricted and alice.restricted_at is None
    assert today.isoformat() in alice.restriction_reason


def test_an_erased_shell_cannot_be_unrestricted(
    invoiced_alice, dpo, django_capture_on_commit_callbacks
):
    _erase(invoiced_alice, dpo, django_capture_on_commit_callbacks)
    shell = Customer.objects.get(pk=invoiced_alice.pk)

    with pytest.raises(ValidationError):
        customer_restriction_lift(customer=shell, person_told_on=timezone.localdate(), actor=dpo)

    assert Customer.objects.get(pk=shell.pk).restricted


def test_the_customer_page_shows_the_restriction_banner(alice, dpo, staff_client):
    customer_restrict(customer=alice, reason="Accuracy contested", actor=dpo)
    client = staff_client("Customer service")
    client.cookies["django_language"] = "en"

    response = client.get(f"/admin/customers/customer/{alice.pk}/change/")

    assert response.status_code == 200
    assert "Processing restricted since" in response.content.decode()
    assert "Accuracy contested" in response.content.decode()


def test_only_the_dpo_can_erase_from_the_admin(
    alice, staff_client, django_capture_on_commit_callbacks
):
    url = "/admin/customers/customer/"
    data = {"action": "erase_customers", "_selected_action": [alice.pk], "confirm": "yes"}

    refused = staff_client("Customer service").post(url, data)
    assert refused.status_code in (200, 302, 403)
    assert Customer.objects.get(pk=alice.pk).name == "Alice Aaltonen"

    client = staff_client("DPO")
    confirm = client.post(url, {k: v for k, v in data.items() if k != "confirm"})
    assert confirm.status_code == 200
    assert "Alice Aaltonen" in confirm.content.decode()
    assert Customer.objects.filter(pk=alice.pk, erased_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, data)
    assert done.status_code == 302
    assert not Customer.objects.filter(pk=alice.pk, name="Alice Aaltonen").exists()
    assert ErasureReceipt.objects.count() == 1


def test_nothing_in_the_receipt_or_the_notices_names_the_person(
    alice, recipient, dpo, django_capture_on_commit_callbacks
):
    Recipient.objects.create(name="Other", kind=Recipient.Kind.OTHER, country="FI")
    receipt = _erase(alice, dpo, django_capture_on_commit_callbacks)

    dumped = json.dumps([receipt.erased, receipt.kept])
    assert "Alice" not in dumped and "alice@" not in dumped
