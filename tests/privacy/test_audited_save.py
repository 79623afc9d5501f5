"""privacy.audit.audited_save: the one write path every service uses (issue 9)."""

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from privacy import audit
from privacy.audit import audit_log_verify, audited_save
from privacy.models import AuditEvent, Recipient


def new_recipient(**values) -> Recipient:
    return Recipient(
        **{"name": "Tuote Oy", "kind": Recipient.Kind.PRODUCT_OWNER, "country": "FI", **values}
    )


def test_a_valid_new_record_is_saved_with_one_create_event_naming_its_fields(dpo):
    recipient = audited_save(instance=new_recipient(), actor=dpo, client_ip="192.0.2.1")

    assert Recipient.objects.filter(pk=recipient.pk, name="Tuote Oy").exists()
    event = AuditEvent.objects.get(object_type="privacy.recipient", object_id=str(recipient.pk))
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor_id == dpo.pk
    assert event.client_ip == "192.0.2.1"
    assert {"name", "kind", "country", "contact"} <= set(event.changed_fields)
    # Field names only: the value never reaches the log.
    assert "Tuote Oy" not in str(event.changed_fields)
    assert audit_log_verify() is None


def test_an_invalid_record_saves_nothing_writes_no_event_and_names_the_field(dpo):
    with pytest.raises(ValidationError) as caught:
        audited_save(instance=new_recipient(country="Finland"), actor=dpo)

    assert "country" in caught.value.message_dict
    assert not Recipient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_callers_own_errors_are_reported_together_with_the_models(dpo):
    with pytest.raises(ValidationError) as caught:
        audited_save(
            instance=new_recipient(name=""),
            actor=dpo,
            errors={"contact": ["Give an address for Art 19 notices."]},
        )

    assert caught.value.message_dict["contact"] == ["Give an address for Art 19 notices."]
    assert "name" in caught.value.message_dict
    assert not Recipient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_callers_own_errors_stop_a_record_the_model_accepts(dpo):
    with pytest.raises(ValidationError) as caught:
        audited_save(instance=new_recipient(), actor=dpo, errors={"name": ["Taken."]})

    assert caught.value.message_dict == {"name": ["Taken."]}
    assert not Recipient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_update_fields_saves_only_those_columns_and_the_event_names_them(alice, dpo):
    before = Customer.objects.get(pk=alice.pk)
    alice.city = "Tampere"
    alice.name = "Not saved"

    audited_save(instance=alice, actor=dpo, update_fields=["city"])

    stored = Customer.objects.get(pk=alice.pk)
    assert stored.city == "Tampere"
    assert stored.name == before.name
    assert stored.updated_at > before.updated_at
    event = AuditEvent.objects.filter(object_type="customers.customer").latest("id")
    assert event.action == AuditEvent.Action.CHANGE
    assert event.changed_fields == ["city"]


def test_a_failing_audit_append_leaves_the_record_unsaved(dpo, monkeypatch):
    def broken_append(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "audit_event_record", broken_append)

    with pytest.raises(RuntimeError):
        audited_save(instance=new_recipient(), actor=dpo)

    assert not Recipient.objects.exists()
