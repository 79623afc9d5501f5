"""Recipients of personal data and the append-only, hash-chained audit log."""

import calendar
import hashlib
import json
import uuid
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import CountryField

GENESIS_HASH = "0" * 64


class Recipient(models.Model):
    """Someone who receives personal data from the register (notice section 7)."""

    class Kind(models.TextChoices):
        PRODUCT_OWNER = "product_owner", _("Product owner (independent controller)")
        PROCESSOR = "processor", _("Processor / system provider")
        AUTHORITY = "authority", _("Authority")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"), help_text=_("Two-letter ISO 3166 code."))
    contact = models.CharField(
        _("contact"),
        max_length=300,
        blank=True,
        help_text=_("A shared (not personal) address or office contact."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an append-only record."""


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
        indexes = [models.Index(fields=["object_type", "object_id"], name="privacy_audit_object")]

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


LANGUAGE_CODES = ("fi", "sv", "en")


class NoticeVersionQuerySet(models.QuerySet):
    def published(self) -> "NoticeVersionQuerySet":
        return self.filter(status=NoticeVersion.Status.PUBLISHED).order_by("-number")

    def current(self) -> "NoticeVersion | None":
        return self.published().first()

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=NoticeVersion.Status.PUBLISHED).exists():
            raise AppendOnlyError("A published privacy notice cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=NoticeVersion.Status.PUBLISHED).exists():
            raise AppendOnlyError("A published privacy notice cannot be deleted.")
        return super().delete()


class NoticeVersion(models.Model):
    """One version of the privacy notice. A draft is edited by the DPO; publishing freezes
    the whole rendered notice in every language, so a published version never changes
    (it is what a consent given under it referred to)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    number = models.PositiveIntegerField(
        _("version"), null=True, blank=True, unique=True, editable=False
    )
    intro_fi = models.TextField(_("introduction (Finnish)"))
    intro_sv = models.TextField(_("introduction (Swedish)"))
    intro_en = models.TextField(_("introduction (English)"))
    security_fi = models.TextField(_("security measures (Finnish)"))
    security_sv = models.TextField(_("security measures (Swedish)"))
    security_en = models.TextField(_("security measures (English)"))
    changes_fi = models.TextField(_("what changed (Finnish)"), blank=True)
    changes_sv = models.TextField(_("what changed (Swedish)"), blank=True)
    changes_en = models.TextField(_("what changed (English)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by_id = models.PositiveBigIntegerField(
        _("published by (user ID)"), null=True, blank=True, editable=False
    )
    # Frozen at publication: {"fi": "<html>", ...} and {"fi": {"section": "text"}, ...}.
    rendered = models.JSONField(_("rendered notice"), default=dict, blank=True, editable=False)
    sections = models.JSONField(_("section texts"), default=dict, blank=True, editable=False)
    changed_sections = models.JSONField(
        _("changed sections"), default=list, blank=True, editable=False
    )

    objects = NoticeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-number", "-id"]
        permissions = [
            ("publish_noticeversion", "Can publish the privacy notice"),
            ("view_record_of_processing", "Can view the record of processing"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="draft"),
                name="privacy_noticeversion_one_draft",
                violation_error_message=_("There is already a draft; edit that one."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True, published_at__isnull=True)
                | models.Q(status="published", number__isnull=False, published_at__isnull=False),
                name="privacy_noticeversion_published_has_number_and_date",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"v{self.number} ({self.published_at:%Y-%m-%d})"
        return str(_("Draft"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and NoticeVersion.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()
        ):
            raise AppendOnlyError("A published privacy notice cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # Ask the database: a stale in-memory copy of a draft may since have been published.
        if (
            self.is_published
            or NoticeVersion.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()
        ):
            raise AppendOnlyError("A published privacy notice cannot be deleted.")
        return super().delete(*args, **kwargs)

    def text(self, field: str, language: str) -> str:
        language = language if language in LANGUAGE_CODES else "fi"
        return getattr(self, f"{field}_{language}")

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


def add_months(day: date, months: int) -> date:
    """Same day number `months` later, clamped to the month's end (Art 12(3) arithmetic):
    2025-01-31 + 1 -> 2025-02-28; 2025-01-31 + 3 -> 2025-04-30."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class DataSubjectRequest(models.Model):
    """A request from a data subject (GDPR Art 15-22), answered on the Art 12(3) clock."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (Art 15)")
        RECTIFICATION = "rectification", _("Rectification (Art 16)")
        ERASURE = "erasure", _("Erasure (Art 17)")
        RESTRICTION = "restriction", _("Restriction of processing (Art 18)")
        PORTABILITY = "portability", _("Data portability (Art 20)")
        OBJECTION = "objection", _("Objection (Art 21)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_CHECK = "identity_check", _("Checking identity")
        IN_PROGRESS = "in_progress", _("In progress")
        EXTENDED = "extended", _("Extended")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Web service")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")

    class IdentityMethod(models.TextChoices):
        PORTAL_LOGIN = "portal_login", _("Signed in to the web service")
        EMAIL_CODE = "email_code", _("Code sent to the registered email")
        DOCUMENT = "document", _("Identity document seen by staff")

    OPEN_STATUSES = (Status.RECEIVED, Status.IDENTITY_CHECK, Status.IN_PROGRESS, Status.EXTENDED)

    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privacy_requests",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    details = models.TextField(_("details"), blank=True)
    data_concerned = models.JSONField(
        _("data concerned"), default=list, blank=True, help_text=_("Field names, never values.")
    )
    identity_method = models.CharField(
        _("identity verified by"), max_length=20, choices=IdentityMethod.choices, blank=True
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    person_told_of_extension_on = models.DateField(
        _("person told of the extension on"), null=True, blank=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome / reasons"), blank=True)
    created_by_id = models.PositiveBigIntegerField(_("entered by (user ID)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="extended")
                | (
                    ~models.Q(extension_reason="")
                    & models.Q(person_told_of_extension_on__isnull=False)
                ),
                name="privacy_datasubjectrequest_extension_explained",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(outcome=""),
                name="privacy_datasubjectrequest_refusal_has_reasons",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["done", "refused"])
                | models.Q(closed_on__isnull=False),
                name="privacy_datasubjectrequest_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on:%Y-%m-%d}"

    @property
    def due_on(self) -> date:
        """One month from receipt; three months when extended (Art 12(3))."""
        return add_months(self.received_on, 3 if self.is_extended else 1)

    @property
    def is_extended(self) -> bool:
        return bool(self.extension_reason and self.person_told_of_extension_on)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
