"""The consent ledger is append-only: no ORM call, admin page or service edits or deletes
an event; only consent_events_erase (the erasure service's path) removes them."""

from collections.abc import Callable

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.test import Client, RequestFactory
from django.urls import reverse

from consents import services
from consents.models import ConsentEvent, Purpose, Suppression, suppression_digest
from customers import roles
from customers.models import Customer, User
from privacy.models import AppendOnlyError, AuditEvent
from privacy.services import audit_log_verify
from tests.conftest import TOTP_SECRET
from tests.consents.conftest import ledger


@pytest.fixture
def event(alice: Customer, newsletter: Purpose, give: Callable) -> ConsentEvent:
    return give(alice, newsletter)


def test_an_event_cannot_be_saved_again_with_changes(event: ConsentEvent) -> None:
    event.kind = ConsentEvent.Kind.WITHDRAW

    with pytest.raises(AppendOnlyError):
        event.save()

    assert ConsentEvent.objects.get(pk=event.pk).kind == ConsentEvent.Kind.GRANT


def test_a_new_instance_naming_an_existing_id_cannot_overwrite_the_event(
    event: ConsentEvent,
) -> None:
    forged = ConsentEvent(
        pk=event.pk,
        customer=event.customer,
        purpose=event.purpose,
        text=event.text,
        kind=ConsentEvent.Kind.WITHDRAW,
        channel="web",
        method="portal",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()  # always an INSERT, which collides with the existing id

    assert ConsentEvent.objects.get(pk=event.pk).kind == ConsentEvent.Kind.GRANT


def test_events_cannot_be_updated_or_deleted_through_querysets(event: ConsentEvent) -> None:
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).update(kind="withdraw")
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.note = "changed"
    with pytest.raises(AppendOnlyError), transaction.atomic():
        ConsentEvent.objects.bulk_update([event], ["note"])

    stored = ConsentEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.note) == ("grant", "")


def test_a_customer_with_consent_events_cannot_be_deleted_directly(
    event: ConsentEvent, alice: Customer
) -> None:
    with pytest.raises(ProtectedError):
        alice.delete()

    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_withdrawal_keeps_earlier_consent_events(
    alice: Customer, newsletter: Purpose, event: ConsentEvent
) -> None:
    services.consent_withdraw(customer=alice, purpose=newsletter, actor=None)
    services.consent_give(customer=alice, purpose=newsletter, actor=None)

    assert ledger(alice) == [
        ("newsletter", "grant"),
        ("newsletter", "withdraw"),
        ("newsletter", "grant"),
    ]
    assert ConsentEvent.objects.get(pk=event.pk).kind == "grant"


@pytest.mark.parametrize("role", [*roles.ROLE_NAMES, "superuser"])
def test_nobody_may_change_or_delete_an_event_in_the_admin(
    role: str, event: ConsentEvent, make_staff: Callable, make_user: Callable
) -> None:
    if role == "superuser":
        user = make_user("root@herocon.example", is_staff=True, is_superuser=True)
    else:
        user = make_staff(role)
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=user.pk)
    model_admin = admin.site._registry[ConsentEvent]

    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False


def test_a_superusers_delete_post_in_the_admin_is_refused_and_changes_nothing(
    event: ConsentEvent, make_user: Callable
) -> None:
    root = make_user("root@herocon.example", is_staff=True, is_superuser=True)
    TOTP.activate(root, TOTP_SECRET)
    client = Client()
    client.force_login(root)

    delete = client.post(
        reverse("admin:consents_consentevent_delete", args=[event.pk]), {"post": "yes"}
    )
    change = client.post(
        reverse("admin:consents_consentevent_change", args=[event.pk]), {"kind": "withdraw"}
    )
    bulk = client.post(
        reverse("admin:consents_consentevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert delete.status_code == 403
    assert change.status_code == 403
    assert bulk.status_code in (200, 302)
    assert ConsentEvent.objects.filter(pk=event.pk, kind="grant").count() == 1


def test_erasure_deletes_the_events_and_keeps_only_a_suppression_for_an_objector(
    alice: Customer, charlie: Customer, newsletter: Purpose, give: Callable, dpo: User
) -> None:
    give(alice, newsletter)
    give(charlie, newsletter)
    services.consent_object(customer=alice, actor=None)

    count = services.consent_events_erase(customer=alice, actor=dpo)

    # Her grant, and the objection recorded for each of the four purposes for people.
    assert count == 5
    assert not ConsentEvent.objects.filter(customer=alice).exists()
    assert ledger(charlie) == [("newsletter", "grant")]
    digest = suppression_digest(Suppression.Kind.EMAIL, "ALICE@example.com ")
    assert Suppression.objects.filter(digest=digest).exists()
    audit = AuditEvent.objects.filter(object_type="consents.consentevent", action="delete")
    assert list(audit.values_list("object_id", "row_count", "actor_id")) == [
        (str(alice.pk), count, dpo.pk)
    ]
    assert audit_log_verify() is None


def test_erasure_of_someone_who_never_objected_leaves_no_suppression(
    alice: Customer, newsletter: Purpose, give: Callable
) -> None:
    give(alice, newsletter)

    services.consent_events_erase(customer=alice, actor=None)

    assert not ConsentEvent.objects.filter(customer=alice).exists()
    assert not Suppression.objects.exists()
