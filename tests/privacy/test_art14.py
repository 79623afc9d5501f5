"""Art 14: people whose data came from elsewhere are sent the notice link within a month."""

import io
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import roles
from customers.models import Customer, DataSource
from privacy.models import AuditEvent
from privacy.services import art14_notices_send
from privacy.services.art14 import art14_due_on, art14_pending


@pytest.fixture
def imported(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(
        name="Sven Svensson",
        email="sven@example.se",
        language="sv",
        source=DataSource.IMPORT,
        obtained_at=timezone.now() - timedelta(days=40),
    )


def test_people_from_another_source_are_pending_and_self_entered_ones_are_not(
    make_customer: Callable[..., Customer], imported: Customer, alice: Customer, company: Customer
) -> None:
    social = make_customer(name="Sonja", email="s@example.com", source=DataSource.SOCIAL_MEDIA)
    phoned = make_customer(name="Pekka", email="p@example.com", source=DataSource.PHONE)

    pending = set(art14_pending())

    assert pending == {imported, social, phoned}
    assert alice not in pending  # web form: told at collection (Art 13)
    assert company not in pending  # an organization is not a data subject


def test_the_notice_is_mailed_in_the_persons_language_with_the_link_and_recorded(
    imported: Customer, mailoutbox: list, settings
) -> None:
    settings.SITE_URL = "https://rekisteri.herocon.example"
    now = timezone.now()

    report = art14_notices_send(now=now)

    assert report.sent == [imported]
    [mail] = mailoutbox
    assert mail.to == ["sven@example.se"]
    assert "https://rekisteri.herocon.example/privacy/?lang=sv" in mail.body
    imported.refresh_from_db()
    assert imported.notice_sent_at == now
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.object_type, event.object_id, event.changed_fields) == (
        "customers.customer",
        str(imported.pk),
        ["notice_sent_at"],
    )
    assert list(art14_pending()) == []
    assert art14_notices_send(now=now).sent == []  # sent once only
    assert len(mailoutbox) == 1


def test_a_dry_run_sends_nothing_and_changes_nothing(imported: Customer, mailoutbox: list) -> None:
    out = io.StringIO()

    call_command("send_art14_notices", "--dry-run", stdout=out)

    assert f"Would send: {imported.public_id} (sv)" in out.getvalue()
    assert mailoutbox == []
    imported.refresh_from_db()
    assert imported.notice_sent_at is None


def test_the_command_sends_and_reports_people_without_email(
    make_customer: Callable[..., Customer], imported: Customer, mailoutbox: list
) -> None:
    no_email = make_customer(name="Ilman Sähköpostia", source=DataSource.MEETING)
    out = io.StringIO()

    call_command("send_art14_notices", stdout=out)

    assert len(mailoutbox) == 1
    assert f"Needs another channel (no email or restricted): {no_email.public_id}" in (
        out.getvalue()
    )
    assert "Sent 1 notice(s); 1 need another channel; 0 failed." in out.getvalue()
    no_email.refresh_from_db()
    assert no_email.notice_sent_at is None


def test_the_notice_is_due_one_month_after_the_data_was_obtained(
    make_customer: Callable[..., Customer],
) -> None:
    tz = timezone.get_default_timezone()
    customer = make_customer(
        name="X", source=DataSource.IMPORT, obtained_at=datetime(2025, 1, 31, 23, 30, tzinfo=tz)
    )
    assert art14_due_on(customer).isoformat() == "2025-02-28"


def test_the_dpo_sees_who_is_pending_with_the_late_ones_highlighted(
    staff_client: Callable[..., Client], make_customer: Callable[..., Customer], imported: Customer
) -> None:
    no_email = make_customer(name="Ilman Sähköpostia", source=DataSource.MEETING)
    client = staff_client(roles.DPO)

    response = client.get(reverse("admin:privacy_art14_pending"))

    assert response.status_code == 200
    assert [r["customer"] for r in response.context["by_email"]] == [imported]
    assert [r["customer"] for r in response.context["other_channel"]] == [no_email]
    assert response.context["overdue_count"] == 1
    assert 'class="art14-overdue"' in response.content.decode()


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_only_the_dpo_opens_the_art14_list(staff_client: Callable[..., Client], role: str) -> None:
    assert staff_client(role).get(reverse("admin:privacy_art14_pending")).status_code == 403
