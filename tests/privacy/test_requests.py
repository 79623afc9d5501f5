"""Data subject requests: the Art 12(3) clock (LEGAL.md month arithmetic) and recording."""

from datetime import date

import pytest
from django.db import IntegrityError
from django.utils import timezone

from privacy.models import AuditEvent, DataSubjectRequest, add_months
from privacy.services import request_create


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2025, 3, 15), 1, date(2025, 4, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_number_clamped_to_the_month_end(received, months, due):
    assert add_months(received, months) == due


def _request(**values) -> DataSubjectRequest:
    values.setdefault("kind", DataSubjectRequest.Kind.ACCESS)
    values.setdefault("channel", DataSubjectRequest.Channel.EMAIL)
    values.setdefault("received_on", date(2025, 1, 31))
    return DataSubjectRequest(**values)


def test_a_request_is_due_one_month_after_receipt():
    assert _request().due_on == date(2025, 2, 28)


def test_an_extended_request_is_due_three_months_after_receipt():
    request = _request(
        status=DataSubjectRequest.Status.EXTENDED,
        extension_reason="Many registers to search",
        person_told_of_extension_on=date(2025, 2, 10),
    )
    assert request.due_on == date(2025, 4, 30)


def test_an_extension_without_a_reason_does_not_move_the_due_date():
    request = _request(extension_reason="", person_told_of_extension_on=date(2025, 2, 10))
    assert request.due_on == date(2025, 2, 28)


@pytest.mark.django_db
def test_the_database_refuses_an_extension_the_person_was_not_told_of():
    with pytest.raises(IntegrityError):
        _request(status=DataSubjectRequest.Status.EXTENDED, extension_reason="Complex").save()


@pytest.mark.django_db
def test_the_database_refuses_a_refusal_without_reasons():
    with pytest.raises(IntegrityError):
        _request(status=DataSubjectRequest.Status.REFUSED, closed_on=date(2025, 2, 1)).save()


@pytest.mark.django_db
def test_request_create_starts_the_clock_today_and_audits_field_names_only(alice, settings):
    request = request_create(
        customer=alice,
        kind=DataSubjectRequest.Kind.RECTIFICATION,
        channel=DataSubjectRequest.Channel.PORTAL,
        details="My phone number is 040 111 2222, not the one you have.",
        data_concerned=["phone"],
        identity_method=DataSubjectRequest.IdentityMethod.PORTAL_LOGIN,
        actor=alice.user,
    )

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.customer == alice
    assert stored.status == DataSubjectRequest.Status.RECEIVED
    assert stored.received_on == timezone.localdate()
    assert stored.data_concerned == ["phone"]
    event = AuditEvent.objects.get(object_type="privacy.datasubjectrequest")
    assert event.object_id == str(stored.pk)
    assert event.actor_id == alice.user.pk
    assert "040 111 2222" not in str(event.changed_fields)
    assert "phone" in event.changed_fields


@pytest.mark.django_db
def test_request_create_refuses_an_unknown_kind_and_saves_nothing(alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        request_create(customer=alice, kind="delete_everything", channel="portal", actor=None)
    assert "kind" in caught.value.error_dict
    assert DataSubjectRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="privacy.datasubjectrequest").exists()
