"""The append-only, hash-chained audit log."""

import hashlib
import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.models.base import AppendOnlyError

GENESIS_HASH = "0" * 64


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        # The only change allowed is clearing client addresses after their retention:
        # they are outside the hash, so the chain stays verifiable.
        if set(kwargs) == {"client_ip"} and kwargs["client_ip"] is None:
            return super().update(**kwargs)
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing that happened, naming people only by ids and fields only by name."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        GRANT = "grant", _("Role granted")
        REVOKE = "revoke", _("Role revoked")
        APPROVE = "approve", _("Role approved")
        REFUSE = "refuse", _("Role refused")
        EXPIRE = "expire", _("Role expired")
        PUBLISH = "publish", _("Published")

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.PositiveBigIntegerField(_("actor user ID"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="privacy_audit_object"),
            # A person's own activity (what they did in the portal) and an erasure's count.
            models.Index(fields=["actor_id"], name="privacy_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            not self._state.adding
            or kwargs.get("force_update")
            or kwargs.get("update_fields") is not None
        ):
            raise AppendOnlyError("Audit events cannot be changed.")
        # A new instance that names an existing id would otherwise be saved as an UPDATE
        # of that event (Django tries UPDATE first when a pk is set): always INSERT.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def compute_hash(self) -> str:
        """SHA-256 over every field but the client address, chained to the previous event."""
        payload = {
            "id": self.pk,
            "created_at": self.created_at.isoformat(),
            "actor_id": self.actor_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "changed_fields": list(self.changed_fields or []),
            "row_count": self.row_count,
            "prev_hash": self.prev_hash,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


class AuditChainHead(models.Model):
    """The newest event's id and hash: one row, locked while an event is appended so
    concurrent writers chain one after another instead of forking."""

    last_id = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="privacy_auditchainhead_single")
        ]

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"
