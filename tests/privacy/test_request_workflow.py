"""Data subject requests on the Art 12(3) clock (LEGAL.md, "Data subjects' rights"): the
services' steps, the mail the person gets in their language, the DPO's queue in the admin,
Customer service's entry form, and the daily digest of `remind_requests`."""

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import roles
from customers.models import Customer, User
from privacy.models import (
    AuditEvent,
    DataSubjectRequest,
    ErasureReceipt,
    Recipient,
    RecipientNotice,
)
from privacy.services import (
    audit_log_verify,
    request_complete,
    request_create,
    request_extend,
    request_identity_verify,
    request_refuse,
    request_start,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
Status = DataSubjectRequest.Status
COMPLAINT_FACTS = ("PL 800", "00531", "tietosuoja@om.fi", "029 566 6700", "tietosuoja.fi")


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Make `day` today in Helsinki (noon), for the services, the admin and the commands."""

    def set_day(day: date) -> None:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=HELSINKI).astimezone(UTC)
        monkeypatch.setattr(timezone, "now", lambda: noon)

    return set_day


@pytest.fixture
def english(alice: Customer) -> Customer:
    Customer.objects.filter(pk=alice.pk).update(language="en")
    alice.refresh_from_db()
    return alice


@pytest.fixture
def swedish(charlie: Customer) -> Customer:
    Customer.objects.filter(pk=charlie.pk).update(language="sv")
    charlie.refresh_from_db()
    return charlie


def _received(
    customer: Customer | None,
    received_on: date,
    *,
    kind: str = DataSubjectRequest.Kind.ACCESS,
    identity: str = DataSubjectRequest.IdentityMethod.PORTAL_LOGIN,
    actor: User | None = None,
) -> DataSubjectRequest:
    request = request_create(
        customer=customer,
        kind=kind,
        channel=DataSubjectRequest.Channel.EMAIL,
        identity_method=identity,
        received_on=received_on,
        actor=actor,
    )
    mail.outbox.clear()
    return request


def _events(request: DataSubjectRequest) -> list[tuple[str, list[str]]]:
    return list(
        AuditEvent.objects.filter(
            object_type="privacy.datasubjectrequest", object_id=str(request.pk)
        )
        .order_by("id")
        .values_list("action", "changed_fields")
    )


def _snapshot(request: DataSubjectRequest) -> dict:
    values = DataSubjectRequest.objects.filter(pk=request.pk).values().get()
    values.pop("updated_at")
    return values


# -- Due dates ---------------------------------------------------------------------------


def test_a_request_received_on_31_january_is_due_on_28_february_and_extended_on_30_april(
    english: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 2, 3))
    request = _received(english, date(2025, 1, 31))
    assert request.due_on == date(2025, 2, 28)

    request_extend(request=request, reason="Five registers to search", actor=dpo)

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.due_on == date(2025, 4, 30)


def test_a_request_received_on_15_march_is_due_on_15_april(
    english: Customer, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = request_create(
        customer=english, kind="access", channel="portal", identity_method="", actor=None
    )

    assert DataSubjectRequest.objects.get(pk=request.pk).received_on == date(2025, 3, 15)
    assert request.due_on == date(2025, 4, 15)


# -- Receipt -----------------------------------------------------------------------------


def test_a_new_request_mails_the_person_a_receipt_with_the_due_date(
    english: Customer, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 1, 31))

    request = request_create(customer=english, kind="erasure", channel="portal", actor=english.user)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "We received your data protection request: Erasure (Art 17)"
    assert "Feb. 28, 2025" in message.body  # the due date, in the person's language
    assert str(request.public_id) in message.body
    assert "/portal/requests/" in message.body


def test_a_swedish_customer_gets_the_receipt_in_swedish(
    swedish: Customer, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 1, 31))

    request_create(customer=swedish, kind="access", channel="email", actor=None)

    assert mailoutbox[0].to == ["charlie@example.com"]
    assert "28 februari 2025" in mailoutbox[0].body
    assert "Tillgång (artikel 15)" in mailoutbox[0].subject


def test_a_request_from_someone_without_an_email_is_recorded_without_a_receipt(
    make_customer: Callable[..., Customer], mailoutbox: list
) -> None:
    person = make_customer(name="Letter Writer", postal_code="00100", city="Helsinki")

    request = request_create(customer=person, kind="access", channel="letter", actor=None)

    assert DataSubjectRequest.objects.filter(pk=request.pk).exists()
    assert mailoutbox == []


def test_a_request_cannot_be_received_in_the_future(
    english: Customer, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 3, 15))

    with pytest.raises(ValidationError) as caught:
        request_create(
            customer=english,
            kind="access",
            channel="letter",
            received_on=date(2025, 3, 16),
            actor=None,
        )

    assert "received_on" in caught.value.error_dict
    assert not DataSubjectRequest.objects.exists()
    assert mailoutbox == []


# -- Identity and start --------------------------------------------------------------------


def test_a_request_started_without_a_known_identity_waits_for_the_identity_check(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15), identity="")

    request_start(request=request, actor=dpo)
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.IDENTITY_CHECK

    request_identity_verify(
        request=request, method="document", note="Passport seen at the office", actor=dpo
    )

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.status == Status.IN_PROGRESS
    assert stored.identity_method == "document"
    assert stored.identity_note == "Passport seen at the office"
    assert "Passport" not in stored.details
    assert _events(request)[-1] == ("change", ["identity_method", "identity_note", "status"])


def test_a_request_with_a_known_identity_starts_straight_in_progress(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))

    request_start(request=request, actor=dpo)

    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.IN_PROGRESS


def test_an_identity_note_with_a_personal_identity_code_is_refused(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15), identity="")
    before = _snapshot(request)

    with pytest.raises(ValidationError) as caught:
        request_identity_verify(
            request=request, method="document", note="Passport, hetu 131052-308T", actor=dpo
        )

    assert "note" in caught.value.error_dict
    assert _snapshot(request) == before


# -- Extension -------------------------------------------------------------------------------


def test_an_extension_before_the_first_due_date_records_why_and_when_the_person_was_told(
    swedish: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 1, 31))
    request = _received(swedish, date(2025, 1, 31))
    on_day(date(2025, 2, 27))

    request_extend(request=request, reason="Data in five systems", actor=dpo)

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.status == Status.EXTENDED
    assert stored.extension_reason == "Data in five systems"
    assert stored.person_told_of_extension_on == date(2025, 2, 27)
    assert stored.due_on == date(2025, 4, 30)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["charlie@example.com"]
    assert "Data in five systems" in message.body
    assert "30 april 2025" in message.body  # the new date, in Swedish
    assert "28 februari 2025" in message.body  # the first one
    assert _events(request)[-1] == (
        "change",
        ["extension_reason", "person_told_of_extension_on", "status"],
    )


@pytest.mark.parametrize("today", [date(2025, 2, 28), date(2025, 3, 1)], ids=["on", "after"])
def test_an_extension_on_or_after_the_first_due_date_is_refused_and_changes_nothing(
    today: date,
    english: Customer,
    dpo: User,
    on_day: Callable[[date], None],
    mailoutbox: list,
) -> None:
    on_day(date(2025, 1, 31))
    request = _received(english, date(2025, 1, 31))
    before, events_before = _snapshot(request), AuditEvent.objects.count()
    on_day(today)

    with pytest.raises(ValidationError) as caught:
        request_extend(request=request, reason="Complex", actor=dpo)

    assert "person_told_of_extension_on" in caught.value.error_dict
    assert "2025-02-28" in str(caught.value)
    assert _snapshot(request) == before
    assert AuditEvent.objects.count() == events_before
    assert mailoutbox == []


def test_an_extension_without_a_reason_is_refused(
    english: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))

    with pytest.raises(ValidationError) as caught:
        request_extend(request=request, reason="   ", actor=dpo)

    assert "extension_reason" in caught.value.error_dict
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED
    assert mailoutbox == []


def test_a_request_is_extended_only_once(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))
    request_extend(request=request, reason="Complex", actor=dpo)

    with pytest.raises(ValidationError) as caught:
        request_extend(request=request, reason="Even more complex", actor=dpo)

    assert "status" in caught.value.error_dict
    assert DataSubjectRequest.objects.get(pk=request.pk).extension_reason == "Complex"


def test_an_extension_the_person_cannot_be_mailed_about_is_refused(
    make_customer: Callable[..., Customer], dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    person = make_customer(name="No Email", postal_code="00100", city="Helsinki")
    request = _received(person, date(2025, 3, 15))

    with pytest.raises(ValidationError) as caught:
        request_extend(request=request, reason="Complex", actor=dpo)

    assert "customer" in caught.value.error_dict
    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.extension_reason) == (Status.RECEIVED, "")
    assert stored.person_told_of_extension_on is None


# -- Refusal ----------------------------------------------------------------------------------


def test_a_refusal_without_reasons_is_refused_and_changes_nothing(
    english: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))
    before = _snapshot(request)

    with pytest.raises(ValidationError) as caught:
        request_refuse(request=request, reasons="", actor=dpo)

    assert "outcome" in caught.value.error_dict
    assert _snapshot(request) == before
    assert mailoutbox == []


def test_a_refusal_stores_and_mails_the_reasons_and_the_right_to_complain(
    english: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 3, 20))
    request = _received(english, date(2025, 3, 15))

    request_refuse(request=request, reasons="The request is manifestly unfounded.", actor=dpo)

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.status == Status.REFUSED
    assert stored.closed_on == date(2025, 3, 20)
    assert stored.outcome.startswith("The request is manifestly unfounded.")
    assert "Tietosuojavaltuutetun toimisto" in stored.outcome
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert "The request is manifestly unfounded." in message.body
    assert "Tietosuojavaltuutetun toimisto" in message.body
    for fact in ("00531", "tietosuoja@om.fi", "029 566 6700", "tietosuoja.fi"):
        assert fact in stored.outcome
        assert fact in message.body
    assert _events(request)[-1] == ("change", ["closed_on", "outcome", "status"])


def test_a_finnish_refusal_names_the_authority_and_its_finnish_address(
    alice: Customer, dpo: User, on_day: Callable[[date], None], mailoutbox: list
) -> None:
    on_day(date(2025, 3, 20))
    request = _received(alice, date(2025, 3, 15))

    request_refuse(request=request, reasons="Perusteeton.", actor=dpo)

    outcome = DataSubjectRequest.objects.get(pk=request.pk).outcome
    for fact in ("Tietosuojavaltuutetun toimisto", *COMPLAINT_FACTS):
        assert fact in outcome
        assert fact in mailoutbox[0].body


# -- Completion ---------------------------------------------------------------------------


@pytest.fixture
def erasure_in_progress(
    english: Customer, dpo: User, on_day: Callable[[date], None], recipient: Recipient
) -> tuple[DataSubjectRequest, RecipientNotice]:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15), kind="erasure")
    request_start(request=request, actor=dpo)
    notice = RecipientNotice.objects.create(
        recipient=recipient,
        customer_public_id=english.public_id,
        request=request,
        kind=RecipientNotice.Kind.ERASURE,
    )
    return request, notice


def test_completion_is_refused_while_a_recipient_notice_is_pending(
    erasure_in_progress: tuple[DataSubjectRequest, RecipientNotice],
    dpo: User,
    mailoutbox: list,
) -> None:
    request, _notice = erasure_in_progress
    before = _snapshot(request)

    with pytest.raises(ValidationError) as caught:
        request_complete(request=request, outcome="Erased.", actor=dpo)

    assert "recipient_notices" in caught.value.error_dict
    assert _snapshot(request) == before
    assert mailoutbox == []


@pytest.mark.parametrize("how", ["sent", "not_sent"])
def test_completion_is_allowed_once_each_notice_is_sent_or_has_a_reason(
    how: str,
    erasure_in_progress: tuple[DataSubjectRequest, RecipientNotice],
    dpo: User,
    mailoutbox: list,
) -> None:
    request, notice = erasure_in_progress
    if how == "sent":
        RecipientNotice.objects.filter(pk=notice.pk).update(status="sent", sent_at=timezone.now())
    else:
        RecipientNotice.objects.filter(pk=notice.pk).update(
            status="not_sent", reason="The recipient no longer exists."
        )

    request_complete(request=request, outcome="Your data was erased.", actor=dpo)

    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.closed_on) == (Status.DONE, date(2025, 3, 15))
    assert stored.outcome == "Your data was erased."
    assert mailoutbox[0].to == ["alice@example.com"]
    assert "Your data was erased." in mailoutbox[0].body
    assert _events(request)[-1] == ("change", ["closed_on", "outcome", "status"])


def test_a_request_must_be_started_before_it_is_completed(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))

    with pytest.raises(ValidationError) as caught:
        request_complete(request=request, outcome="Done.", actor=dpo)

    assert "status" in caught.value.error_dict
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_a_closed_request_takes_no_more_steps(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))
    request_refuse(request=request, reasons="Unfounded.", actor=dpo)

    for step in (
        lambda: request_start(request=request, actor=dpo),
        lambda: request_extend(request=request, reason="x", actor=dpo),
        lambda: request_refuse(request=request, reasons="x", actor=dpo),
        lambda: request_identity_verify(request=request, method="document", actor=dpo),
    ):
        with pytest.raises(ValidationError):
            step()
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.REFUSED


def test_every_step_is_audited_by_field_name_with_its_actor_and_no_values(
    english: Customer, dpo: User, on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    request = request_create(
        customer=english,
        kind="access",
        channel="email",
        details="Please send my data",
        actor=dpo,
    )
    request_start(request=request, actor=dpo)
    request_identity_verify(request=request, method="email_code", note="Code 4711", actor=dpo)
    request_extend(request=request, reason="Secret reason", actor=dpo)
    request_complete(request=request, outcome="Sent the copy", actor=dpo)

    events = AuditEvent.objects.filter(
        object_type="privacy.datasubjectrequest", object_id=str(request.pk)
    ).order_by("id")
    assert [(e.action, e.changed_fields) for e in events] == [
        ("create", ["channel", "kind"]),
        ("change", ["status"]),
        ("change", ["identity_method", "identity_note", "status"]),
        ("change", ["extension_reason", "person_told_of_extension_on", "status"]),
        ("change", ["closed_on", "outcome", "status"]),
    ]
    assert {e.actor_id for e in events} == {dpo.pk}
    everything = str([(e.changed_fields, e.object_type, e.object_id) for e in events])
    for value in ("Please send", "4711", "Secret reason", "Sent the copy"):
        assert value not in everything
    assert audit_log_verify() is None


# -- The portal ------------------------------------------------------------------------


def test_a_request_sent_from_the_portal_gets_a_receipt_mail(
    english: Customer, mailoutbox: list
) -> None:
    client = Client()
    client.force_login(english.user)

    response = client.post(
        reverse("portal:requests"),
        {"kind": "objection", "objection-details": "Stop the marketing calls."},
    )

    assert response.status_code == 302
    request = DataSubjectRequest.objects.get(customer=english)
    assert request.channel == DataSubjectRequest.Channel.PORTAL
    assert len(mailoutbox) == 1
    assert "Objection (Art 21)" in mailoutbox[0].subject
    assert mailoutbox[0].to == ["alice@example.com"]


# -- The DPO's queue in the admin ---------------------------------------------------------

QUEUE_URL = "/admin/privacy/datasubjectrequest/"


def test_the_queue_orders_by_due_date_with_extensions_and_flags_overdue_and_due_soon(
    english: Customer, make_staff: Callable[..., User], on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 1, 31))
    dpo = make_staff(roles.DPO)
    extended = _received(english, date(2025, 1, 31))  # due 2025-04-30 once extended
    request_extend(request=extended, reason="Complex", actor=dpo)
    on_day(date(2025, 3, 10))
    later = _received(english, date(2025, 3, 10))  # due 2025-04-10
    overdue = _received(english, date(2025, 2, 1))  # due 2025-03-01
    soon = _received(english, date(2025, 2, 15))  # due 2025-03-15
    done = _received(english, date(2025, 1, 2))  # closed: last, whatever its date
    request_refuse(request=done, reasons="Unfounded.", actor=dpo)
    client = Client()
    client.force_login(dpo)

    response = client.get(QUEUE_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [overdue.pk, soon.pk, later.pk, extended.pk, done.pk]
    content = response.content.decode()
    assert content.count('class="dsr-flag dsr-flag-overdue"') == 1
    assert content.count('class="dsr-flag dsr-flag-soon"') == 1
    assert "css/dpo-admin.css" in content
    assert ' style="' not in content.split('id="result_list"')[1]

    overdue_only = client.get(QUEUE_URL, {"due": "overdue"})
    assert [r.pk for r in overdue_only.context["cl"].result_list] == [overdue.pk]
    soon_only = client.get(QUEUE_URL, {"due": "due_soon"})
    assert [r.pk for r in soon_only.context["cl"].result_list] == [soon.pk]


def test_the_dpo_extends_a_request_from_its_change_page(
    swedish: Customer,
    make_staff: Callable[..., User],
    on_day: Callable[[date], None],
    mailoutbox: list,
) -> None:
    on_day(date(2025, 3, 15))
    dpo = make_staff(roles.DPO)
    request = _received(swedish, date(2025, 3, 15))
    client = Client()
    client.force_login(dpo)
    change_url = reverse("admin:privacy_datasubjectrequest_change", args=[request.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    content = page.content.decode()
    for step in ("verify-identity", "start", "extend", "refuse"):
        assert f'id="dsr-step-{step}"' in content
    assert 'id="dsr-step-complete"' not in content  # not started yet
    assert 'name="_save"' not in content  # no plain edits

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "extend"]),
        {"extend-reason": "Many systems to search"},
    )

    assert response.status_code == 302
    assert response["Location"] == change_url
    stored = DataSubjectRequest.objects.get(pk=request.pk)
    assert stored.status == Status.EXTENDED
    assert stored.person_told_of_extension_on == date(2025, 3, 15)
    assert mailoutbox[0].to == ["charlie@example.com"]
    assert _events(request)[-1][0] == "change"
    assert AuditEvent.objects.filter(
        action="view", object_type="privacy.datasubjectrequest", actor_id=dpo.pk
    ).exists()


def test_a_step_refused_by_the_service_shows_the_error_and_changes_nothing(
    english: Customer,
    make_staff: Callable[..., User],
    on_day: Callable[[date], None],
    mailoutbox: list,
) -> None:
    on_day(date(2025, 1, 31))
    dpo = make_staff(roles.DPO)
    request = _received(english, date(2025, 1, 31))
    before = _snapshot(request)
    on_day(date(2025, 3, 1))
    client = Client()
    client.force_login(dpo)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "extend"]),
        {"extend-reason": "Complex"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Too late to extend" in response.content.decode()
    assert _snapshot(request) == before
    assert mailoutbox == []


def test_a_refusal_without_reasons_from_the_admin_is_shown_on_its_field(
    english: Customer, make_staff: Callable[..., User], on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    dpo = make_staff(roles.DPO)
    request = _received(english, date(2025, 3, 15))
    client = Client()
    client.force_login(dpo)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "refuse"]),
        {"refuse-reasons": ""},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reasons"]
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_a_step_answers_only_post(english: Customer, dpo: User) -> None:
    request = _received(english, timezone.localdate())
    client = Client()
    client.force_login(dpo)

    url = reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "start"])

    assert client.get(url).status_code == 405
    assert client.post(url.replace("/start/", "/delete/")).status_code == 404
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_customer_service_logs_a_phone_request_through_the_add_form(
    english: Customer,
    make_staff: Callable[..., User],
    on_day: Callable[[date], None],
    mailoutbox: list,
) -> None:
    on_day(date(2025, 3, 15))
    customer_service = make_staff(roles.CUSTOMER_SERVICE)
    client = Client()
    client.force_login(customer_service)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_add"),
        {
            "customer": english.pk,
            "kind": "access",
            "channel": "phone",
            "received_on": "2025-03-14",
            "details": "Called and asked for a copy of her data.",
            "identity_method": "",
        },
    )

    assert response.status_code == 302
    request = DataSubjectRequest.objects.get()
    assert (request.customer, request.channel, request.received_on) == (
        english,
        "phone",
        date(2025, 3, 14),
    )
    assert request.created_by_id == customer_service.pk
    assert request.status == Status.RECEIVED
    assert request.due_on == date(2025, 4, 14)
    assert mailoutbox[0].to == ["alice@example.com"]
    event = AuditEvent.objects.get(object_type="privacy.datasubjectrequest", action="create")
    assert event.actor_id == customer_service.pk


def test_the_staff_entry_form_refuses_the_portal_channel_and_a_future_date(
    english: Customer, make_staff: Callable[..., User], on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    customer_service = make_staff(roles.CUSTOMER_SERVICE)
    client = Client()
    client.force_login(customer_service)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_add"),
        {
            "customer": english.pk,
            "kind": "access",
            "channel": "portal",
            "received_on": "2025-03-16",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"channel", "received_on"}
    assert not DataSubjectRequest.objects.exists()


def test_customer_service_sees_the_queue_but_cannot_change_a_request(
    english: Customer, make_staff: Callable[..., User], on_day: Callable[[date], None]
) -> None:
    on_day(date(2025, 3, 15))
    customer_service = make_staff(roles.CUSTOMER_SERVICE)
    request = _received(english, date(2025, 3, 15))
    client = Client()
    client.force_login(customer_service)

    assert client.get(QUEUE_URL).status_code == 200
    page = client.get(reverse("admin:privacy_datasubjectrequest_change", args=[request.pk]))
    assert page.status_code == 200
    assert "dsr-step" not in page.content.decode()
    response = client.post(
        reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "refuse"]),
        {"refuse-reasons": "No."},
    )

    assert response.status_code == 403
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED


@pytest.mark.parametrize("role", [roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN])
def test_other_roles_are_refused_the_queue_the_entry_form_and_the_steps(
    role: str,
    english: Customer,
    staff_client: Callable[..., Client],
    on_day: Callable[[date], None],
) -> None:
    on_day(date(2025, 3, 15))
    request = _received(english, date(2025, 3, 15))
    client = staff_client(role)

    assert client.get(QUEUE_URL).status_code == 403
    assert client.get(reverse("admin:privacy_datasubjectrequest_add")).status_code == 403
    step = reverse("admin:privacy_datasubjectrequest_step", args=[request.pk, "start"])
    assert client.post(step).status_code == 403
    assert DataSubjectRequest.objects.get(pk=request.pk).status == Status.RECEIVED


def test_the_dpo_only_views_erasure_receipts(
    dpo: User, customer_service: User, english: Customer
) -> None:
    receipt = ErasureReceipt.objects.create(
        customer_public_id=english.public_id, erased=["name"], kept=[]
    )
    client = Client()
    client.force_login(dpo)

    assert client.get(reverse("admin:privacy_erasurereceipt_changelist")).status_code == 200
    assert client.get(reverse("admin:privacy_erasurereceipt_add")).status_code == 403
    page = client.get(reverse("admin:privacy_erasurereceipt_change", args=[receipt.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    client.force_login(customer_service)
    assert client.get(reverse("admin:privacy_erasurereceipt_changelist")).status_code == 403


# -- remind_requests -----------------------------------------------------------------------


def test_remind_requests_mails_the_dpo_the_overdue_and_the_soon_due_with_admin_links(
    english: Customer,
    dpo: User,
    on_day: Callable[[date], None],
    settings,
    mailoutbox: list,
) -> None:
    settings.DPO_EMAIL = "dpo@herocon.example"
    settings.SITE_URL = "https://registry.herocon.example"
    settings.LANGUAGE_CODE = "en"
    on_day(date(2025, 3, 10))
    overdue = _received(english, date(2025, 2, 1), kind="erasure")  # due 2025-03-01
    soon = _received(english, date(2025, 2, 15), kind="portability")  # due 2025-03-15
    later = _received(english, date(2025, 3, 10), kind="objection")  # due 2025-04-10
    closed = _received(english, date(2025, 1, 5), kind="restriction")
    request_refuse(request=closed, reasons="Unfounded.", actor=dpo)
    mailoutbox.clear()
    out = io.StringIO()

    call_command("remind_requests", stdout=out)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["dpo@herocon.example"]
    assert message.subject == "Data subject requests: 1 overdue, 1 due within 7 days"
    base = "https://registry.herocon.example/admin/privacy/datasubjectrequest"
    assert f"{base}/{overdue.pk}/change/" in message.body
    assert f"{base}/{soon.pk}/change/" in message.body
    assert f"{base}/{later.pk}/change/" not in message.body
    assert f"{base}/{closed.pk}/change/" not in message.body
    assert "Erasure (Art 17)" in message.body
    assert "(9 days ago)" in message.body
    assert "(in 5 days)" in message.body
    assert "alice" not in message.body.lower()  # links, not names
    printed = out.getvalue()
    assert "Sent the digest to dpo@herocon.example: 1 overdue, 1 due within 7 days." in printed
    assert f"2025-03-01 erasure #{overdue.pk}" in printed


def test_remind_requests_with_nothing_due_sends_no_mail(
    english: Customer, on_day: Callable[[date], None], settings, mailoutbox: list
) -> None:
    settings.DPO_EMAIL = "dpo@herocon.example"
    on_day(date(2025, 3, 1))
    _received(english, date(2025, 3, 1))  # due 2025-04-01
    out = io.StringIO()

    call_command("remind_requests", stdout=out)

    assert out.getvalue().strip() == "nothing due"
    assert mailoutbox == []


def test_remind_requests_without_a_dpo_email_fails_with_a_reason(
    db: None, settings, mailoutbox: list
) -> None:
    settings.DPO_EMAIL = ""

    with pytest.raises(CommandError) as caught:
        call_command("remind_requests", stdout=io.StringIO())

    assert str(caught.value) == "DPO_EMAIL is not set: there is nowhere to send the digest."
    assert mailoutbox == []


def test_the_roles_keep_their_request_permissions(setup_roles: None) -> None:
    # The queue's split of work depends on these exact grants (customers/roles.py).
    cs = set(
        Group.objects.get(name=roles.CUSTOMER_SERVICE)
        .permissions.filter(content_type__model="datasubjectrequest")
        .values_list("codename", flat=True)
    )
    assert cs == {"view_datasubjectrequest", "add_datasubjectrequest"}
