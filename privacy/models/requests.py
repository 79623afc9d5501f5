"""Data subject requests on the Art 12(3) clock."""

import calendar
import uuid
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import CleanTextMixin
from customers.validators import validate_no_personal_identity_code


def add_months(day: date, months: int) -> date:
    """Same day number `months` later, clamped to the month's end (Art 12(3) arithmetic):
    2025-01-31 + 1 -> 2025-02-28; 2025-01-31 + 3 -> 2025-04-30."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class DataSubjectRequest(CleanTextMixin, models.Model):
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
    identity_note = models.TextField(
        _("how the identity was checked"),
        blank=True,
        validators=[validate_no_personal_identity_code],
        help_text=_("E.g. which document was seen. Never a personal identity code."),
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


class ErasureReceipt(models.Model):
    """What an erasure removed and what it had to keep, why and until when (Art 17(3)).
    Holds no personal values: the customer only by the public ID the person was told."""

    customer_public_id = models.UUIDField(_("customer's public ID"), db_index=True)
    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasure_receipts",
        verbose_name=_("request"),
    )
    erased = models.JSONField(_("erased"), default=list, blank=True)
    kept = models.JSONField(_("kept"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=2, default="fi")
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    created_by_id = models.PositiveBigIntegerField(_("erased by (user ID)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer_public_id} {self.created_at:%Y-%m-%d}"
