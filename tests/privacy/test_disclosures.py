"""Disclosures (who received whose data) and the Art 19 notices that follow a
rectification, erasure or restriction."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import roles
from customers.models import Customer, User
from privacy.models import AuditEvent, Disclosure, Recipient, RecipientNotice
from privacy.services import (
    audit_log_verify,
    disclosure_record,
    recipient_notice_send,
    recipient_notice_skip,
    recipient_notices_create,
)
from privacy.subject_data import subject_data

WHEN = datetime(2025, 5, 2, 10, 0, tzinfo=timezone.get_default_timezone())


def _disclose(customer: Customer, recipient: Recipient, actor: User | None) -> Disclosure:
    return disclosure_record(
        recipient=recipient,
        customers=[customer],
        categories=["identity", "email"],
        basis=Disclosure.Basis.CONTRACT,
        purpose="Course enrolment",
        disclosed_at=WHEN,
        actor=actor,
    )


def test_a_disclosure_is_logged_with_its_customers_and_the_actor_and_audited(
    alice: Customer, recipient: Recipient, dpo: User
) -> None:
    disclosure = _disclose(alice, recipient, dpo)

    assert list(disclosure.customers.all()) == [alice]
    assert disclosure.categories == ["email", "identity"]
    assert disclosure.disclosed_by_id == dpo.pk
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "create",
        "privacy.disclosure",
        str(disclosure.pk),
        dpo.pk,
    )
    assert audit_log_verify() is None


def test_a_disclosure_of_a_restricted_customer_is_refused_naming_the_customers_field(
    alice: Customer, charlie: Customer, recipient: Recipient, dpo: User
) -> None:
    Customer.objects.filter(pk=charlie.pk).update(
        restricted=True, restricted_at=timezone.now(), restriction_reason="Disputed"
    )
    charlie.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        disclosure_record(
            recipient=recipient,
            customers=[alice, charlie],
            categories=["identity"],
            basis=Disclosure.Basis.CONTRACT,
            purpose="Course enrolment",
            disclosed_at=WHEN,
            actor=dpo,
        )

    assert "customers" in caught.value.message_dict
    assert "Charlie Carlsson" in caught.value.message_dict["customers"][0]
    assert "18" in caught.value.message_dict["customers"][0]
    assert Disclosure.objects.count() == 0


def test_unknown_categories_are_refused(alice: Customer, recipient: Recipient, dpo: User) -> None:
    with pytest.raises(ValidationError) as caught:
        disclosure_record(
            recipient=recipient,
            customers=[alice],
            categories=["shoe_size"],
            basis=Disclosure.Basis.CONTRACT,
            purpose="x",
            disclosed_at=WHEN,
            actor=dpo,
        )
    assert "categories" in caught.value.message_dict


def test_the_dpo_logs_a_disclosure_in_the_admin_and_a_restricted_customer_is_a_form_error(
    staff_client: Callable[..., Client], alice: Customer, charlie: Customer, recipient: Recipient
) -> None:
    client = staff_client(roles.DPO)
    url = reverse("admin:privacy_disclosure_add")
    data = {
        "recipient": recipient.pk,
        "customers": [alice.pk],
        "categories": ["identity", "phone"],
        "basis": "b",
        "purpose": "Course enrolment",
        "disclosed_at_0": "2025-05-02",
        "disclosed_at_1": "10:00:00",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert list(disclosure.customers.all()) == [alice]
    assert disclosure.categories == ["identity", "phone"]

    Customer.objects.filter(pk=charlie.pk).update(restricted=True, restricted_at=timezone.now())
    response = client.post(url, {**data, "customers": [charlie.pk]})

    assert response.status_code == 200
    assert "18" in str(response.context["adminform"].form.errors["customers"])
    assert Disclosure.objects.count() == 1


def test_erasing_a_disclosed_customer_creates_a_pending_notice_for_each_recipient(
    alice: Customer, recipient: Recipient, dpo: User
) -> None:
    other = Recipient.objects.create(name="Kirjanpito Oy", kind="processor", country="FI")
    _disclose(alice, recipient, dpo)
    _disclose(alice, other, dpo)

    notices = recipient_notices_create(customer=alice, kind=RecipientNotice.Kind.ERASURE, actor=dpo)

    assert {n.recipient for n in notices} == {recipient, other}
    assert all(n.status == "pending" and n.customer_public_id == alice.public_id for n in notices)
    assert all(n.categories == ["email", "identity"] for n in notices)


def test_rectifying_an_undisclosed_customer_creates_no_notice(charlie: Customer, dpo: User) -> None:
    assert recipient_notices_create(customer=charlie, kind="rectification", actor=dpo) == []


def test_a_notice_to_a_recipient_with_an_email_contact_is_mailed_and_marked_sent(
    alice: Customer, recipient: Recipient, dpo: User, mailoutbox: list
) -> None:
    recipient.contact = "Tietosuoja <tietosuoja@koulutustalo.example>"
    recipient.save()
    _disclose(alice, recipient, dpo)
    [notice] = recipient_notices_create(customer=alice, kind="rectification", actor=dpo)

    recipient_notice_send(notice=notice, actor=dpo)

    notice.refresh_from_db()
    assert notice.status == "sent" and notice.sent_at is not None
    [mail] = mailoutbox
    assert mail.to == ["tietosuoja@koulutustalo.example"]
    assert "Alice Aaltonen" in mail.body
    assert str(alice.public_id) in mail.body
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.changed_fields) == (
        "privacy.recipientnotice",
        ["sent_at", "status"],
    )


def test_a_notice_to_a_recipient_without_an_email_needs_how_it_was_sent(
    alice: Customer, recipient: Recipient, dpo: User, mailoutbox: list
) -> None:
    recipient.contact = "PL 12, 00100 Helsinki"
    recipient.save()
    _disclose(alice, recipient, dpo)
    [notice] = recipient_notices_create(customer=alice, kind="erasure", actor=dpo)

    with pytest.raises(ValidationError) as caught:
        recipient_notice_send(notice=notice, actor=dpo)
    assert "reason" in caught.value.message_dict
    notice.refresh_from_db()
    assert notice.status == "pending"

    recipient_notice_send(notice=notice, actor=dpo, how="Registered letter")

    notice.refresh_from_db()
    assert notice.status == "sent"
    assert "Registered letter" in notice.reason
    assert mailoutbox == []


def test_a_notice_is_skipped_only_with_a_reason_and_is_then_closed(
    alice: Customer, recipient: Recipient, dpo: User
) -> None:
    _disclose(alice, recipient, dpo)
    [notice] = recipient_notices_create(customer=alice, kind="restriction", actor=dpo)

    with pytest.raises(ValidationError) as caught:
        recipient_notice_skip(notice=notice, reason="  ", actor=dpo)
    assert "reason" in caught.value.message_dict

    recipient_notice_skip(notice=notice, reason="The recipient has ceased trading.", actor=dpo)
    notice.refresh_from_db()
    assert (notice.status, notice.reason) == ("not_sent", "The recipient has ceased trading.")

    with pytest.raises(ValidationError):
        recipient_notice_send(notice=notice, actor=dpo, how="Letter")


def test_the_dpo_marks_a_notice_sent_another_way_in_the_admin(
    staff_client: Callable[..., Client], alice: Customer, recipient: Recipient, dpo: User
) -> None:
    _disclose(alice, recipient, dpo)
    [notice] = recipient_notices_create(customer=alice, kind="erasure", actor=dpo)
    client = staff_client(roles.DPO, email="dpo2@herocon.example")
    url = reverse("admin:privacy_recipientnotice_change", args=[notice.pk])

    refused = client.post(url, {"outcome": "other", "how": ""})
    assert refused.status_code == 200
    assert "how" in refused.context["adminform"].form.errors

    response = client.post(url, {"outcome": "other", "how": "Their supplier portal"})

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_the_person_sees_who_received_their_data(
    alice: Customer, recipient: Recipient, dpo: User
) -> None:
    _disclose(alice, recipient, dpo)

    shown = [
        (record.model, field.name, field.display)
        for block in subject_data(alice)
        for record in block.records
        for field in record.fields
    ]

    assert ("privacy.disclosure", "recipient", "Koulutustalo Oy") in shown


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_only_the_dpo_opens_disclosures_and_notices(
    staff_client: Callable[..., Client], role: str
) -> None:
    client = staff_client(role)
    for name in ("privacy_disclosure_changelist", "privacy_recipientnotice_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 403
    assert client.get(reverse("admin:privacy_disclosure_add")).status_code == 403


def test_disclosures_before_now_only(alice: Customer, recipient: Recipient, dpo: User) -> None:
    with pytest.raises(ValidationError) as caught:
        disclosure_record(
            recipient=recipient,
            customers=[alice],
            categories=["identity"],
            basis="b",
            purpose="x",
            disclosed_at=timezone.now() + timedelta(days=1),
            actor=dpo,
        )
    assert "disclosed_at" in caught.value.message_dict
