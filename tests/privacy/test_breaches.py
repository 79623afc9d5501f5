"""The breach register (GDPR Art 33/34): the 72-hour clock, closing rules, the admin."""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import roles
from customers.models import User
from privacy.admin.breaches import breach_state
from privacy.models import AuditEvent, Breach
from privacy.services import (
    audit_log_verify,
    breach_close,
    breach_notify_authority,
    breach_record,
)

HELSINKI = ZoneInfo("Europe/Helsinki")


def _breach(actor: User | None, *, aware_at: datetime, **extra: object) -> Breach:
    values: dict[str, object] = {
        "title": "Lost laptop",
        "aware_at": aware_at,
        "nature": "A laptop with an export was lost.",
        "data_categories": "Names, emails",
        "approx_people": 120,
        "approx_records": 150,
        "consequences": "Phishing risk",
        "measures": "Disk encryption checked; passwords rotated.",
    }
    values.update(extra)
    return breach_record(actor=actor, **values)


def test_a_breach_aware_at_2025_06_30_14_30_in_helsinki_is_due_2025_07_03_14_30_there(
    dpo: User,
) -> None:
    breach = _breach(dpo, aware_at=datetime(2025, 6, 30, 14, 30, tzinfo=HELSINKI))

    breach.refresh_from_db()
    assert timezone.localtime(breach.deadline, HELSINKI) == datetime(
        2025, 7, 3, 14, 30, tzinfo=HELSINKI
    )


def test_the_deadline_across_the_october_dst_change_is_72_elapsed_hours(dpo: User) -> None:
    aware = datetime(2025, 10, 24, 12, 0, tzinfo=HELSINKI)
    breach = _breach(dpo, aware_at=aware)

    breach.refresh_from_db()
    local = timezone.localtime(breach.deadline, HELSINKI)
    # Clocks go back an hour on 26 October: 72 elapsed hours end at 11:00 local time.
    assert (local.date().isoformat(), local.hour, local.minute) == ("2025-10-27", 11, 0)
    assert breach.deadline - breach.aware_at == timedelta(hours=72)


def test_recording_a_breach_documents_it_and_audits_it(dpo: User) -> None:
    breach = _breach(dpo, aware_at=timezone.now() - timedelta(hours=1))

    assert breach.created_by_id == dpo.pk
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "privacy.breach",
        str(breach.pk),
    )
    assert audit_log_verify() is None


def test_a_breach_cannot_be_closed_before_it_is_notified_or_explained(dpo: User) -> None:
    breach = _breach(dpo, aware_at=timezone.now() - timedelta(hours=5))

    with pytest.raises(ValidationError) as caught:
        breach_close(breach=breach, actor=dpo)

    assert "not_notified_reason" in caught.value.message_dict
    breach.refresh_from_db()
    assert breach.closed_at is None


def test_a_breach_closes_with_a_recorded_reason_not_to_notify(dpo: User) -> None:
    breach = _breach(dpo, aware_at=timezone.now() - timedelta(hours=5))

    breach_close(breach=breach, not_notified_reason="Encrypted; no risk.", actor=dpo)

    breach.refresh_from_db()
    assert breach.closed_at is not None
    assert breach.not_notified_reason == "Encrypted; no risk."


def test_a_high_risk_breach_closes_only_after_the_people_were_told(dpo: User) -> None:
    breach = _breach(dpo, aware_at=timezone.now() - timedelta(hours=5), high_risk=True)
    breach_notify_authority(breach=breach, actor=dpo)

    with pytest.raises(ValidationError) as caught:
        breach_close(breach=breach, actor=dpo)
    assert "people_told_at" in caught.value.message_dict

    breach_close(breach=breach, people_told_at=timezone.now(), actor=dpo)
    breach.refresh_from_db()
    assert breach.closed_at is not None and breach.people_told_at is not None


def test_open_breaches_past_or_near_the_deadline_stand_out() -> None:
    now = datetime(2025, 7, 3, 12, 0, tzinfo=HELSINKI)
    due_soon = Breach(aware_at=datetime(2025, 6, 30, 14, 30, tzinfo=HELSINKI))
    overdue = Breach(aware_at=datetime(2025, 6, 30, 11, 0, tzinfo=HELSINKI))
    fresh = Breach(aware_at=datetime(2025, 7, 3, 9, 0, tzinfo=HELSINKI))
    notified = Breach(aware_at=overdue.aware_at, authority_notified_at=now)

    assert breach_state(due_soon, now)[0] == "breach-due-soon"
    assert breach_state(overdue, now)[0] == "breach-overdue"
    assert breach_state(fresh, now)[0] == "breach-open"
    assert breach_state(notified, now)[0] == "breach-notified"


def _form(**values: str) -> dict[str, str]:
    data = {
        "title": "Misdirected email",
        "aware_at_0": "2025-06-30",
        "aware_at_1": "14:30:00",
        "nature": "An invoice went to the wrong customer.",
        "data_categories": "Billing details",
        "approx_people": "1",
        "approx_records": "1",
        "consequences": "Low",
        "measures": "Recipient asked to delete it.",
        "authority_notified_at_0": "",
        "authority_notified_at_1": "",
        "not_notified_reason": "",
        "people_told_at_0": "",
        "people_told_at_1": "",
    }
    data.update(values)
    return data


def test_the_dpo_records_a_breach_in_the_admin_and_sees_its_deadline_in_helsinki_time(
    staff_client: Callable[..., Client],
) -> None:
    client = staff_client(roles.DPO)

    response = client.post(reverse("admin:privacy_breach_add"), _form())

    assert response.status_code == 302
    breach = Breach.objects.get()
    assert timezone.localtime(breach.aware_at, HELSINKI).hour == 14
    listing = client.get(reverse("admin:privacy_breach_changelist"))
    assert "2025-07-03 14:30" in listing.content.decode()
    assert "breach-overdue" in listing.content.decode()
    assert "css/registers.css" in listing.content.decode()


def test_closing_in_the_admin_without_notification_is_a_form_error_on_the_reason_field(
    staff_client: Callable[..., Client], dpo: User
) -> None:
    breach = _breach(dpo, aware_at=timezone.now() - timedelta(hours=3))
    client = staff_client(roles.DPO, email="dpo2@herocon.example")
    url = reverse("admin:privacy_breach_change", args=[breach.pk])
    local = timezone.localtime(breach.aware_at)
    data = _form(
        title=breach.title,
        aware_at_0=local.strftime("%Y-%m-%d"),
        aware_at_1=local.strftime("%H:%M:%S"),
        close="on",
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "not_notified_reason" in response.context["adminform"].form.errors
    breach.refresh_from_db()
    assert breach.closed_at is None

    response = client.post(url, {**data, "not_notified_reason": "One record, no risk."})

    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.closed_at is not None
    assert breach.not_notified_reason == "One record, no risk."


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_only_the_dpo_opens_the_breach_register(
    staff_client: Callable[..., Client], role: str
) -> None:
    client = staff_client(role)
    assert client.get(reverse("admin:privacy_breach_changelist")).status_code == 403
    assert client.get(reverse("admin:privacy_breach_add")).status_code == 403
