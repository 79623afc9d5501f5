"""Staff: Customer service records what customers said (channel and note required),
Marketing exports only the contactable audience, the DPO exports the whole ledger; a
published consent text never changes."""

import csv
import io
from collections.abc import Callable
from datetime import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from consents import services
from consents.models import ConsentEvent, ConsentText, Purpose
from customers import roles
from customers.models import Customer, User
from privacy.models import AppendOnlyError, AuditEvent
from tests.consents.conftest import ledger

RECORD = "admin:consents_consentevent_add"


def test_customer_service_records_a_consent_received_by_phone(
    staff_client: Callable, alice: Customer, newsletter: Purpose
) -> None:
    client = staff_client(roles.CUSTOMER_SERVICE)

    response = client.post(
        reverse(RECORD),
        {
            "customer": alice.pk,
            "purpose": newsletter.pk,
            "kind": "grant",
            "channel": "phone",
            "note": "Phone call 3.2.2026, the customer asked for the newsletter.",
        },
    )

    assert response.status_code == 302
    event = ConsentEvent.objects.get(customer=alice)
    assert (event.kind, event.channel, event.method) == ("grant", "phone", "staff_phone")
    assert event.note.startswith("Phone call")
    assert event.actor_id == User.objects.get(email="customer-service@herocon.example").pk
    assert AuditEvent.objects.filter(object_type="consents.consentevent", action="create").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"note": ""}, "note"), ({"channel": "email"}, "channel"), ({"channel": ""}, "channel")],
)
def test_a_staff_record_without_a_channel_or_note_is_refused(
    staff_client: Callable, alice: Customer, newsletter: Purpose, changes: dict, field: str
) -> None:
    data = {
        "customer": alice.pk,
        "purpose": newsletter.pk,
        "kind": "withdraw",
        "channel": "letter",
        "note": "Letter received 3.2.2026.",
        **changes,
    }

    response = staff_client(roles.CUSTOMER_SERVICE).post(reverse(RECORD), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert ledger(alice) == []


@pytest.mark.parametrize("role", [roles.MARKETING, roles.SALES, roles.DPO])
def test_other_roles_cannot_record_events(
    role: str, staff_client: Callable, alice: Customer, newsletter: Purpose
) -> None:
    response = staff_client(role).post(
        reverse(RECORD),
        {
            "customer": alice.pk,
            "purpose": newsletter.pk,
            "kind": "grant",
            "channel": "phone",
            "note": "x",
        },
    )

    assert response.status_code == 403
    assert ledger(alice) == []


def _export_audience(client: Client, purpose: Purpose) -> tuple[int, list[dict]]:
    response = client.post(
        reverse("admin:consents_purpose_changelist"),
        {"action": "export_audience", "_selected_action": [purpose.pk]},
    )
    if response.status_code != 200 or "text/csv" not in response["Content-Type"]:
        return response.status_code, []
    text = b"".join(response.streaming_content).decode()
    return response.status_code, list(csv.DictReader(io.StringIO(text)))


def test_marketing_exports_only_the_contactable_with_minimal_columns(
    staff_client: Callable,
    alice: Customer,
    charlie: Customer,
    make_customer: Callable,
    newsletter: Purpose,
    give: Callable,
    settings,
) -> None:
    settings.SITE_URL = "https://rekisteri.herocon.fi"
    give(alice, newsletter)
    give(charlie, newsletter)
    services.consent_withdraw(customer=charlie, purpose=newsletter, actor=None)
    mallory = make_customer(name="=HYPERLINK(1)", email="m@example.com")
    give(mallory, newsletter)
    objector = make_customer(name="Olli", email="olli@example.com")
    give(objector, newsletter)
    services.consent_object(customer=objector, actor=None)
    make_customer(name="Never asked", email="never@example.com")

    status, rows = _export_audience(staff_client(roles.MARKETING), newsletter)

    assert status == 200
    assert [list(row) for row in rows[:1]] == [["name", "email", "language", "unsubscribe_url"]]
    assert [(r["name"], r["email"]) for r in rows] == [
        ("Alice Aaltonen", "alice@example.com"),
        ("'=HYPERLINK(1)", "m@example.com"),
    ]
    token = services.unsubscribe_token(customer=alice, purpose=newsletter)
    assert rows[0]["unsubscribe_url"] == f"https://rekisteri.herocon.fi/unsubscribe/{token}/"
    audit = AuditEvent.objects.get(action="export", object_type="consents.audience")
    assert (audit.object_id, audit.row_count) == ("newsletter", 2)


@pytest.mark.parametrize("role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.DPO])
def test_only_marketing_may_export_an_audience(
    role: str, staff_client: Callable, alice: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)

    _status, rows = _export_audience(staff_client(role), newsletter)

    assert rows == []
    assert not AuditEvent.objects.filter(object_type="consents.audience").exists()


def test_the_consent_register_export_shows_who_which_text_when_and_how(
    alice: Customer, newsletter: Purpose, customer_service: User
) -> None:
    services.consent_record_by_staff(
        customer=alice,
        purpose=newsletter,
        kind="grant",
        channel="meeting",
        note="Met at the fair.",
        actor=customer_service,
    )
    services.consent_withdraw(customer=alice, purpose=newsletter, actor=alice.user)
    out = io.StringIO()

    call_command("export_register", "consents", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["kind"], r["method"], r["channel"]) for r in rows] == [
        ("grant", "staff_meeting", "meeting"),
        ("withdraw", "portal", "web"),
    ]
    first = rows[0]
    assert first["customer_public_id"] == str(alice.public_id)
    assert first["purpose"] == "newsletter"
    assert first["text_version"] == "1"
    assert first["actor_id"] == str(customer_service.pk)
    when = datetime.fromisoformat(first["occurred_at"])
    assert when.utcoffset() is not None
    assert abs(when - timezone.now()).total_seconds() < 60
    audit = AuditEvent.objects.get(action="export", object_type="consents.consentevent")
    assert audit.row_count == 2


# -- Consent texts ------------------------------------------------------------------------


def test_a_published_consent_text_cannot_change(newsletter: Purpose) -> None:
    text = newsletter.current_text()
    text.text_fi = "Jotain muuta"

    with pytest.raises(AppendOnlyError):
        text.save()
    with pytest.raises(AppendOnlyError):
        ConsentText.objects.filter(pk=text.pk).update(text_fi="Muuta")
    with pytest.raises(AppendOnlyError):
        ConsentText.objects.filter(pk=text.pk).delete()
    with pytest.raises(AppendOnlyError):
        text.delete()

    assert ConsentText.objects.get(pk=text.pk).text_fi.startswith("Haluan Herocon")


def test_a_change_is_a_new_version_and_old_consents_keep_theirs(
    alice: Customer, newsletter: Purpose, give: Callable, dpo: User
) -> None:
    first = give(alice, newsletter)
    old = newsletter.current_text()
    draft = ConsentText.objects.create(
        purpose=newsletter,
        title_fi="Uutiskirje",
        title_sv="Nyhetsbrev",
        title_en="Newsletter",
        text_fi="Uusi teksti",
        text_sv="Ny text",
        text_en="New text",
    )

    published = services.consent_text_publish(text=draft, actor=dpo)

    assert published.version == 2
    assert newsletter.current_text() == published
    assert ConsentEvent.objects.get(pk=first.pk).text == old
    with pytest.raises(ValidationError):  # the page showed version 1, now outdated
        services.consent_give(customer=alice, purpose=newsletter, text=old, actor=None)


def test_the_admin_refuses_to_edit_a_published_text_even_for_the_dpo(
    newsletter: Purpose, dpo: User
) -> None:
    request = RequestFactory().get("/admin/")
    request.user = dpo
    text_admin = admin.site._registry[ConsentText]

    assert text_admin.has_change_permission(request) is True  # drafts
    assert text_admin.has_change_permission(request, newsletter.current_text()) is False
    assert text_admin.has_delete_permission(request, newsletter.current_text()) is False


def test_setup_consents_run_twice_changes_nothing(purposes: dict) -> None:
    before = list(ConsentText.objects.values_list("pk", "version", "published_at"))

    call_command("setup_consents", stdout=io.StringIO())

    assert list(ConsentText.objects.values_list("pk", "version", "published_at")) == before
    assert Purpose.objects.count() == 5
