"""The audit log: append-only in code and in the admin, its hash chain catching edits,
deletions and insertions made behind the app's back, and the client address it records."""

import io
import itertools
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from customers import roles
from customers.models import Customer, User
from privacy.http import client_ip
from privacy.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEvent
from privacy.services import audit_event_record, audit_log_verify

TABLE = AuditEvent._meta.db_table


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def events(db: None) -> list[AuditEvent]:
    """Five events, as staff work would leave them (the first one starts the chain)."""
    assert not AuditEvent.objects.exists()
    return [
        audit_event_record(
            action=AuditEvent.Action.VIEW,
            actor=None,
            object_type="customers.customer",
            object_id=n,
            changed_fields=["email", "name"] if n % 2 else [],
            client_ip=f"192.0.2.{n}",
        )
        for n in range(1, 6)
    ]


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_command() -> str:
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def _verify_command_error() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit_log", stdout=io.StringIO())
    return str(caught.value)


# -- Append-only in code -------------------------------------------------------------------


def test_the_chain_starts_at_genesis_and_links_every_event(events: list[AuditEvent]) -> None:
    assert [e.id for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for earlier, later in itertools.pairwise(events):
        assert later.prev_hash == earlier.hash
    head = AuditChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (5, events[-1].hash)


def test_saving_an_existing_event_again_is_refused(events: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(pk=3)
    event.action = AuditEvent.Action.DELETE

    with pytest.raises(AppendOnlyError):
        event.save()

    assert AuditEvent.objects.get(pk=3).action == AuditEvent.Action.VIEW


def test_a_new_instance_naming_an_existing_id_cannot_overwrite_that_event(
    events: list[AuditEvent],
) -> None:
    original = AuditEvent.objects.get(pk=2)
    forged = AuditEvent(
        id=2,
        created_at=original.created_at,
        action=AuditEvent.Action.EXPORT,
        prev_hash=original.prev_hash,
        hash="f" * 64,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()

    stored = AuditEvent.objects.get(pk=2)
    assert (stored.action, stored.hash) == (original.action, original.hash)
    assert audit_log_verify() is None


def test_a_forced_update_of_an_event_is_refused(events: list[AuditEvent]) -> None:
    forged = AuditEvent(id=2, action=AuditEvent.Action.EXPORT)

    with pytest.raises(AppendOnlyError):
        forged.save(force_update=True)
    with pytest.raises(AppendOnlyError):
        forged.save(update_fields=["action"])

    assert AuditEvent.objects.get(pk=2).action == AuditEvent.Action.VIEW


def test_deleting_an_event_is_refused(events: list[AuditEvent]) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.get(pk=3).delete()

    assert AuditEvent.objects.count() == 5


def test_updating_events_through_a_queryset_is_refused(events: list[AuditEvent]) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=3).update(action=AuditEvent.Action.DELETE)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(changed_fields=[])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(client_ip="198.51.100.1")  # only clearing is allowed
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(client_ip=None, action=AuditEvent.Action.DELETE)

    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"view"}
    assert AuditEvent.objects.get(pk=3).client_ip == "192.0.2.3"


def test_bulk_updating_events_is_refused(events: list[AuditEvent]) -> None:
    event = AuditEvent.objects.get(pk=1)
    event.action = AuditEvent.Action.DELETE

    # bulk_update runs inside atomic(savepoint=False): give it a savepoint of its own.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])

    assert AuditEvent.objects.get(pk=1).action == AuditEvent.Action.VIEW


def test_deleting_events_through_a_queryset_is_refused(events: list[AuditEvent]) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=3).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 5


def test_clearing_client_addresses_is_the_one_update_allowed_and_keeps_the_chain_valid(
    events: list[AuditEvent],
) -> None:
    hashes = list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))

    cleared = AuditEvent.objects.filter(pk__lte=3).update(client_ip=None)

    assert cleared == 3
    assert list(AuditEvent.objects.order_by("id").values_list("client_ip", flat=True)) == [
        None,
        None,
        None,
        "192.0.2.4",
        "192.0.2.5",
    ]
    assert list(AuditEvent.objects.order_by("id").values_list("hash", flat=True)) == hashes
    assert audit_log_verify() is None


def test_the_hash_ignores_the_client_address_even_when_it_is_changed_behind_the_apps_back(
    events: list[AuditEvent],
) -> None:
    _sql(f"UPDATE {TABLE} SET client_ip = %s WHERE id = %s", ["203.0.113.9", 2])

    assert audit_log_verify() is None


def test_an_event_records_field_names_never_values(db: None, alice: Customer) -> None:
    event = audit_event_record(
        action=AuditEvent.Action.CHANGE, actor=None, obj=alice, changed_fields=["phone", "email"]
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changed_fields == ["email", "phone"]
    assert (stored.object_type, stored.object_id) == ("customers.customer", str(alice.pk))
    assert "+358" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


# -- verify_audit_log ----------------------------------------------------------------------


def test_verify_audit_log_passes_on_an_intact_chain(events: list[AuditEvent]) -> None:
    assert audit_log_verify() is None
    assert _verify_command() == "Audit log intact: 5 events verified.\n"


def test_verify_audit_log_passes_on_an_empty_log(db: None) -> None:
    assert audit_log_verify() is None
    assert "0 events verified" in _verify_command()


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "export"), ("changed_fields", '["notes"]'), ("object_id", "99")],
)
def test_verify_audit_log_names_the_event_edited_with_raw_sql(
    events: list[AuditEvent], column: str, value: str
) -> None:
    _sql(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, 3])

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 3
    assert "edited" in problem.reason
    assert _verify_command_error().startswith("Audit log broken at event 3: edited")


def test_verify_audit_log_names_an_edited_event_even_when_its_hash_was_recomputed(
    events: list[AuditEvent],
) -> None:
    event = AuditEvent.objects.get(pk=2)
    event.action = AuditEvent.Action.EXPORT
    _sql(
        f"UPDATE {TABLE} SET action = %s, hash = %s WHERE id = %s",
        ["export", event.compute_hash(), 2],
    )

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 2
    assert "Audit log broken at event 2:" in _verify_command_error()


def test_verify_audit_log_names_the_newest_event_edited_with_a_recomputed_hash(
    events: list[AuditEvent],
) -> None:
    event = AuditEvent.objects.get(pk=5)
    event.row_count = 1000
    _sql(
        f"UPDATE {TABLE} SET row_count = %s, hash = %s WHERE id = %s",
        [1000, event.compute_hash(), 5],
    )

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 5


def test_verify_audit_log_names_a_middle_event_deleted_with_raw_sql(
    events: list[AuditEvent],
) -> None:
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [3])

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 3
    assert "missing" in problem.reason
    assert _verify_command_error().startswith("Audit log broken at event 3: missing")


def test_verify_audit_log_names_the_first_event_deleted(events: list[AuditEvent]) -> None:
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [1])

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 1


def test_verify_audit_log_names_the_newest_event_deleted(events: list[AuditEvent]) -> None:
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [5])

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 5
    assert "missing" in problem.reason
    assert _verify_command_error().startswith("Audit log broken at event 5: missing")


def test_verify_audit_log_notices_when_every_event_was_deleted(
    events: list[AuditEvent],
) -> None:
    _sql(f"DELETE FROM {TABLE}", [])

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 1


def _forge(event_id: int, prev_hash: str, *, rehash: bool) -> AuditEvent:
    """An event written straight into the table, by someone who knows the algorithm."""
    forged = AuditEvent(
        id=event_id,
        created_at=AuditEvent.objects.get(pk=1).created_at,
        actor_id=None,
        action="view",
        object_type="customers.customer",
        object_id="42",
        changed_fields=[],
        prev_hash=prev_hash,
    )
    forged.hash = forged.compute_hash() if rehash else "e" * 64
    _sql(
        f"INSERT INTO {TABLE} (id, created_at, actor_id, action, object_type, object_id,"
        " changed_fields, row_count, client_ip, prev_hash, hash)"
        " VALUES (%s, %s, NULL, %s, %s, %s, %s, NULL, NULL, %s, %s)",
        [
            forged.id,
            forged.created_at,
            forged.action,
            forged.object_type,
            forged.object_id,
            "[]",
            forged.prev_hash,
            forged.hash,
        ],
    )
    return forged


@pytest.mark.parametrize("rehash", [True, False], ids=["correct-hash", "made-up-hash"])
def test_verify_audit_log_names_a_forged_event_inserted_with_raw_sql(
    events: list[AuditEvent], rehash: bool
) -> None:
    _forge(6, events[-1].hash, rehash=rehash)

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 6
    assert _verify_command_error().startswith("Audit log broken at event 6:")


def test_verify_audit_log_names_a_forged_event_inserted_beyond_a_gap(
    events: list[AuditEvent],
) -> None:
    _forge(9, events[-1].hash, rehash=True)

    problem = audit_log_verify()

    assert problem is not None
    assert problem.event_id == 9


def test_events_appended_by_the_service_after_verification_keep_the_chain_valid(
    events: list[AuditEvent],
) -> None:
    AuditEvent.objects.update(client_ip=None)
    audit_event_record(action=AuditEvent.Action.EXPORT, actor=None, row_count=3)

    assert audit_log_verify() is None
    assert AuditChainHead.objects.get().last_id == 6


# -- client_ip -----------------------------------------------------------------------------


def _request(remote: str = "192.0.2.10", forwarded: str | None = None) -> object:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("192.0.2.10", "203.0.113.66")) == "192.0.2.10"
    assert client_ip(_request("192.0.2.10")) == "192.0.2.10"


def test_with_one_trusted_proxy_the_last_forwarded_entry_is_the_client(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"
    # Whatever the client wrote itself stands to the left of what our proxy appended.
    assert client_ip(_request("10.0.0.2", "203.0.113.66, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.2", "not-an-ip,  198.51.100.7 ")) == "198.51.100.7"


def test_with_two_trusted_proxies_the_second_entry_from_the_right_is_the_client(
    settings,
) -> None:
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request("10.0.0.3", "203.0.113.66, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.3", "10.0.0.2")) is None


@pytest.mark.parametrize(
    ("count", "remote", "forwarded"),
    [
        (0, "", None),
        (0, "not-an-address", None),
        (0, "192.0.2.300", None),
        (0, "fe80::1%eth0", None),
        (1, "10.0.0.2", "bogus"),
        (1, "10.0.0.2", "198.51.100.7, bogus"),
        (1, "10.0.0.2", "198.51.100.7:4711"),
        (1, "10.0.0.2", ""),
        (1, "10.0.0.2", None),
    ],
)
def test_an_invalid_or_missing_address_gives_none(
    settings, count: int, remote: str, forwarded: str | None
) -> None:
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(_request(remote, forwarded)) is None


def test_an_ipv6_address_is_given_in_its_canonical_form(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("2001:DB8:0:0::1")) == "2001:db8::1"
    assert client_ip(None) is None


def test_the_audited_address_of_an_admin_view_is_not_chosen_by_the_client(
    settings, staff_client: Callable[..., Client], alice: Customer
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    client = staff_client(roles.CUSTOMER_SERVICE)

    client.get(
        reverse("admin:customers_customer_change", args=[alice.pk]),
        REMOTE_ADDR="192.0.2.44",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )

    event = AuditEvent.objects.filter(action="view").latest("id")
    assert event.client_ip == "192.0.2.44"


# -- The audit log in the admin --------------------------------------------------------------


def test_the_dpo_browses_the_audit_log(
    events: list[AuditEvent], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(roles.DPO)

    changelist = client.get(reverse("admin:privacy_auditevent_changelist"))
    detail = client.get(reverse("admin:privacy_auditevent_change", args=[3]))

    assert changelist.status_code == 200
    assert {e.pk for e in changelist.context["cl"].result_list} >= {1, 2, 3, 4, 5}
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert detail.context["has_delete_permission"] is False


@pytest.mark.parametrize(
    "role", [roles.CUSTOMER_SERVICE, roles.SALES, roles.MARKETING, roles.TECHNICAL_ADMIN]
)
def test_other_roles_cannot_browse_the_audit_log(
    role: str, events: list[AuditEvent], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(role)

    assert client.get(reverse("admin:privacy_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:privacy_auditevent_change", args=[3])).status_code == 403


def test_the_dpo_cannot_change_or_delete_an_event_in_the_admin(
    events: list[AuditEvent], dpo: User
) -> None:
    client = Client()
    client.force_login(dpo)
    before = list(AuditEvent.objects.order_by("id").values())

    change = client.post(
        reverse("admin:privacy_auditevent_change", args=[3]),
        {"action": "export", "object_id": "99"},
    )
    delete_page = client.get(reverse("admin:privacy_auditevent_delete", args=[3]))
    delete = client.post(reverse("admin:privacy_auditevent_delete", args=[3]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:privacy_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": ["1", "2"], "post": "yes"},
    )
    add = client.post(reverse("admin:privacy_auditevent_add"), {"action": "view"})

    assert change.status_code == 403
    assert delete_page.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert add.status_code == 403
    assert list(AuditEvent.objects.order_by("id").values())[: len(before)] == before
    assert not AuditEvent.objects.filter(action__in=["delete", "export"]).exists()
    assert audit_log_verify() is None


def test_the_dpo_can_list_the_audit_log_from_the_admin_index(
    events: list[AuditEvent], staff_client: Callable[..., Client]
) -> None:
    response = staff_client(roles.DPO).get(reverse("admin:index"))

    assert response.status_code == 200
    assert reverse("admin:privacy_auditevent_changelist") in response.content.decode()
    assert reverse("admin:privacy_auditevent_add") not in response.content.decode()
