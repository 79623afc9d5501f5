"""Recipients of personal data (notice section 7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import CleanTextMixin, CountryField
from privacy.registry import LegalBasis


class Recipient(CleanTextMixin, models.Model):
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


class Disclosure(CleanTextMixin, models.Model):
    """A disclosure of customers' data to a recipient (the log Art 19 and Art 15 need)."""

    # The registry's Art 6(1) points, so a disclosure and a purpose name a basis alike.
    Basis = LegalBasis

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("recipient")
    )
    customers = models.ManyToManyField(
        "customers.Customer", related_name="disclosures", verbose_name=_("customers")
    )
    categories = models.JSONField(
        _("data categories"), default=list, help_text=_("Registry category keys.")
    )
    basis = models.CharField(
        _("legal basis"), max_length=1, choices=[(b.value, b.label) for b in LegalBasis]
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    disclosed_at = models.DateTimeField(_("disclosed at"))
    disclosed_by_id = models.PositiveBigIntegerField(
        _("disclosed by (user ID)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_at"]

    def __str__(self) -> str:
        return f"{self.recipient} {self.disclosed_at:%Y-%m-%d}"


class RecipientNotice(models.Model):
    """Art 19: a recipient told of a rectification, erasure or restriction of data it got."""

    class Kind(models.TextChoices):
        RECTIFICATION = "rectification", _("Rectification")
        ERASURE = "erasure", _("Erasure")
        RESTRICTION = "restriction", _("Restriction")

    class Status(models.TextChoices):
        PENDING = "pending", _("To be sent")
        SENT = "sent", _("Sent")
        NOT_SENT = "not_sent", _("Not sent (reason recorded)")

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="notices", verbose_name=_("recipient")
    )
    customer_public_id = models.UUIDField(_("customer's public ID"), db_index=True)
    request = models.ForeignKey(
        "privacy.DataSubjectRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipient_notices",
        verbose_name=_("request"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    categories = models.JSONField(_("data categories"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reason = models.TextField(_("reason it was not sent"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recipient notice (Art 19)")
        verbose_name_plural = _("recipient notices (Art 19)")
        ordering = ["status", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="privacy_recipientnotice_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_sent") | ~models.Q(reason=""),
                name="privacy_recipientnotice_not_sent_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.get_kind_display()} ({self.get_status_display()})"
