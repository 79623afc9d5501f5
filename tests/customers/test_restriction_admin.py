"""Restriction of processing (GDPR Art 18) from the customer admin: the DPO restricts with a
reason (and the request that asked for it) and lifts with the day the person was told, both
through the services; every other role is refused and nothing changes."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from customers import roles
from customers.models import Customer, User, helsinki_today
from privacy.models import AuditEvent, DataSubjectRequest, Disclosure, Recipient, RecipientNotice
from privacy.services.restriction import customer_restrict

CHANGELIST = "/admin/customers/customer/"


def _restrict_url(customer: Customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/restrict/"


def _lift_url(customer: Customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/lift-restriction/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _restriction_state(customer: Customer) -> tuple[bool, object, str]:
    fresh = Customer.objects.get(pk=customer.pk)
    return fresh.restricted, fresh.restricted_at, fresh.restriction_reason


@pytest.fixture
def dpo_client(dpo: User) -> Client:
    return _client(dpo)


@pytest.fixture
def disclosed_alice(alice: Customer, recipient: Recipient) -> Customer:
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        categories=["identity"],
        basis=Disclosure.Basis.CONTRACT,
        purpose="Course enrolment",
        disclosed_at=timezone.now(),
    )
    disclosure.customers.add(alice)
    return alice


@pytest.fixture
def restriction_request(alice: Customer) -> DataSubjectRequest:
    return DataSubjectRequest.objects.create(
        customer=alice,
        kind=DataSubjectRequest.Kind.RESTRICTION,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=helsinki_today(),
        details="I contest my phone number.",
    )


@pytest.fixture
def restricted_alice(alice: Customer, dpo: User) -> Customer:
    return customer_restrict(customer=alice, reason="Accuracy contested", actor=dpo)


# -- Restricting -------------------------------------------------------------------------------


def test_the_restrict_action_asks_the_dpo_for_a_reason_and_offers_the_customers_request(
    alice, charlie, restriction_request, dpo_client
):
    DataSubjectRequest.objects.create(
        customer=charlie,
        kind=DataSubjectRequest.Kind.RESTRICTION,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=helsinki_today(),
    )

    response = dpo_client.post(
        CHANGELIST, {"action": "restrict_customers", "_selected_action": [alice.pk]}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["reason"].required
    assert list(form.fields["data_subject_request"].queryset) == [restriction_request]
    page = response.content.decode()
    assert '<label for="id_reason"' in page
    assert _restrict_url(alice) in page
    assert not Customer.objects.get(pk=alice.pk).restricted


def test_the_dpo_restricts_a_disclosed_customer_with_a_reason_and_the_recipient_is_told(
    disclosed_alice, recipient, restriction_request, dpo, dpo_client
):
    response = dpo_client.post(
        _restrict_url(disclosed_alice),
        {"reason": "Accuracy contested", "data_subject_request": restriction_request.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/customers/customer/{disclosed_alice.pk}/change/"
    restricted, restricted_at, reason = _restriction_state(disclosed_alice)
    assert restricted and restricted_at is not None
    assert reason == "Accuracy contested"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE,
        object_type="customers.customer",
        object_id=str(disclosed_alice.pk),
        actor_id=dpo.pk,
    ).exists()
    [notice] = RecipientNotice.objects.all()
    assert notice.kind == RecipientNotice.Kind.RESTRICTION
    assert notice.recipient == recipient
    assert notice.customer_public_id == disclosed_alice.public_id
    assert notice.request == restriction_request


def test_after_restricting_the_change_page_shows_the_banner_and_the_lift_button(alice, dpo_client):
    dpo_client.post(_restrict_url(alice), {"reason": "Accuracy contested"})

    page = dpo_client.get(f"/admin/customers/customer/{alice.pk}/change/").content.decode()

    assert "Processing restricted since" in page
    assert "Accuracy contested" in page
    assert _lift_url(alice) in page
    assert _restrict_url(alice) not in page


def test_an_unrestricted_customers_change_page_offers_the_dpo_the_restrict_button(
    alice, dpo_client
):
    page = dpo_client.get(f"/admin/customers/customer/{alice.pk}/change/").content.decode()

    assert _restrict_url(alice) in page
    assert "Processing restricted since" not in page


@pytest.mark.parametrize("reason", ["", "   "])
def test_restricting_without_a_reason_changes_nothing_and_the_error_is_on_the_reason_field(
    disclosed_alice, dpo_client, reason
):
    before = _restriction_state(disclosed_alice)
    events = AuditEvent.objects.count()

    response = dpo_client.post(_restrict_url(disclosed_alice), {"reason": reason})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reason"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert _restriction_state(disclosed_alice) == before
    assert AuditEvent.objects.count() == events
    assert not RecipientNotice.objects.exists()


def test_another_customers_request_cannot_be_linked_to_the_restriction(alice, charlie, dpo_client):
    charlies_request = DataSubjectRequest.objects.create(
        customer=charlie,
        kind=DataSubjectRequest.Kind.RESTRICTION,
        channel=DataSubjectRequest.Channel.EMAIL,
        received_on=helsinki_today(),
    )

    response = dpo_client.post(
        _restrict_url(alice),
        {"reason": "Accuracy contested", "data_subject_request": charlies_request.pk},
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["data_subject_request"]
    assert not Customer.objects.get(pk=alice.pk).restricted


def test_an_already_restricted_customer_is_not_restricted_again(restricted_alice, dpo_client):
    before = _restriction_state(restricted_alice)

    response = dpo_client.post(_restrict_url(restricted_alice), {"reason": "Another reason"})

    assert response.status_code == 302
    assert _restriction_state(restricted_alice) == before


def test_the_actions_take_one_customer_at_a_time(alice, charlie, dpo_client):
    response = dpo_client.post(
        CHANGELIST,
        {"action": "restrict_customers", "_selected_action": [alice.pk, charlie.pk]},
        follow=True,
    )

    assert "Select one customer at a time" in response.content.decode()
    assert not Customer.objects.filter(restricted=True).exists()


# -- Lifting ----------------------------------------------------------------------------------


def test_the_lift_action_asks_the_dpo_for_the_day_the_person_was_told(restricted_alice, dpo_client):
    response = dpo_client.post(
        CHANGELIST,
        {"action": "lift_customer_restrictions", "_selected_action": [restricted_alice.pk]},
    )

    assert response.status_code == 200
    assert response.context["form"].fields["person_told_on"].required
    page = response.content.decode()
    assert '<label for="id_person_told_on"' in page
    assert _lift_url(restricted_alice) in page
    assert Customer.objects.get(pk=restricted_alice.pk).restricted


def test_lifting_without_a_date_is_refused_and_changes_nothing(restricted_alice, dpo_client):
    before = _restriction_state(restricted_alice)
    events = AuditEvent.objects.count()

    response = dpo_client.post(_lift_url(restricted_alice), {"person_told_on": ""})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["person_told_on"]
    assert _restriction_state(restricted_alice) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("days_from_today", [1, -10])
def test_a_day_in_the_future_or_before_the_restriction_began_is_refused_on_the_date_field(
    restricted_alice, dpo_client, days_from_today
):
    Customer.objects.filter(pk=restricted_alice.pk).update(
        restricted_at=timezone.now() - timedelta(days=3)
    )
    before = _restriction_state(restricted_alice)
    events = AuditEvent.objects.count()
    told_on = helsinki_today() + timedelta(days=days_from_today)

    response = dpo_client.post(_lift_url(restricted_alice), {"person_told_on": told_on})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["person_told_on"]
    assert "before it is lifted" in response.content.decode()
    assert _restriction_state(restricted_alice) == before
    assert AuditEvent.objects.count() == events


def test_lifting_with_a_valid_date_lifts_the_restriction_and_is_audited(
    restricted_alice, dpo, dpo_client
):
    Customer.objects.filter(pk=restricted_alice.pk).update(
        restricted_at=timezone.now() - timedelta(days=3)
    )
    told_on = helsinki_today() - timedelta(days=1)

    response = dpo_client.post(_lift_url(restricted_alice), {"person_told_on": told_on})

    assert response.status_code == 302
    restricted, restricted_at, reason = _restriction_state(restricted_alice)
    assert not restricted and restricted_at is None
    assert told_on.isoformat() in reason
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CHANGE,
            object_id=str(restricted_alice.pk),
            actor_id=dpo.pk,
        ).count()
        == 2
    )
    page = dpo_client.get(f"/admin/customers/customer/{restricted_alice.pk}/change/")
    assert "Processing restricted since" not in page.content.decode()


def test_an_erased_customer_offers_neither_button_and_cannot_be_lifted(
    restricted_alice, dpo_client
):
    Customer.objects.filter(pk=restricted_alice.pk).update(erased_at=timezone.now())
    before = _restriction_state(restricted_alice)

    response = dpo_client.post(_lift_url(restricted_alice), {"person_told_on": helsinki_today()})

    assert response.status_code == 302
    assert _restriction_state(restricted_alice) == before
    page = dpo_client.get(f"/admin/customers/customer/{restricted_alice.pk}/change/")
    assert _lift_url(restricted_alice) not in page.content.decode()


# -- Other roles -------------------------------------------------------------------------------

OTHER_ROLES = [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused_restricting_and_nothing_changes(
    role: str, disclosed_alice: Customer, make_staff: Callable[..., User]
):
    alice = disclosed_alice
    client = _client(make_staff(role))
    before = _restriction_state(alice)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()

    action = client.post(
        CHANGELIST, {"action": "restrict_customers", "_selected_action": [alice.pk]}
    )
    page = client.get(_restrict_url(alice))
    post = client.post(_restrict_url(alice), {"reason": "Accuracy contested"})

    assert (action.status_code, page.status_code, post.status_code) == (403, 403, 403)
    assert _restriction_state(alice) == before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count() == events
    assert not RecipientNotice.objects.exists()


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused_lifting_and_nothing_changes(
    role: str, restricted_alice: Customer, make_staff: Callable[..., User]
):
    client = _client(make_staff(role))
    before = _restriction_state(restricted_alice)

    action = client.post(
        CHANGELIST,
        {"action": "lift_customer_restrictions", "_selected_action": [restricted_alice.pk]},
    )
    page = client.get(_lift_url(restricted_alice))
    post = client.post(_lift_url(restricted_alice), {"person_told_on": helsinki_today()})

    assert (action.status_code, page.status_code, post.status_code) == (403, 403, 403)
    assert _restriction_state(restricted_alice) == before


def test_only_the_dpo_sees_the_restriction_actions_and_buttons(
    alice, dpo_client, make_staff: Callable[..., User]
):
    customer_service = _client(make_staff(roles.CUSTOMER_SERVICE))

    dpo_list = dpo_client.get(CHANGELIST).content.decode()
    cs_list = customer_service.get(CHANGELIST).content.decode()
    cs_page = customer_service.get(f"/admin/customers/customer/{alice.pk}/change/")

    assert 'value="restrict_customers"' in dpo_list
    assert 'value="lift_customer_restrictions"' in dpo_list
    assert 'value="restrict_customers"' not in cs_list
    assert _restrict_url(alice) not in cs_page.content.decode()


def test_the_restrict_permission_is_the_dpos_alone() -> None:
    holders = [
        role
        for role, permissions in roles.ROLE_PERMISSIONS.items()
        if "customers.restrict_customer" in permissions
    ]

    assert holders == [roles.DPO]
