"""The breach register (GDPR Art 33/34): every breach is documented, notified or not."""

from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import CleanTextMixin

NOTIFY_WITHIN = timedelta(hours=72)


class Breach(CleanTextMixin, models.Model):
    title = models.CharField(_("title"), max_length=200)
    aware_at = models.DateTimeField(
        _("became aware at"), help_text=_("When the company became aware of the breach.")
    )
    nature = models.TextField(_("nature of the breach"))
    data_categories = models.TextField(_("categories of personal data"))
    approx_people = models.PositiveIntegerField(_("approximate number of people"))
    approx_records = models.PositiveIntegerField(_("approximate number of records"))
    consequences = models.TextField(_("likely consequences"))
    measures = models.TextField(_("measures taken or proposed"))
    authority_notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    not_notified_reason = models.TextField(
        _("why the authority was not notified"),
        blank=True,
        help_text=_("Required when the breach is unlikely to result in a risk (Art 33(1))."),
    )
    high_risk = models.BooleanField(
        _("high risk to people"), default=False, help_text=_("Art 34: the people must be told.")
    )
    people_told_at = models.DateTimeField(_("people told at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by_id = models.PositiveBigIntegerField(
        _("recorded by (user ID)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("personal data breach")
        verbose_name_plural = _("personal data breaches")
        ordering = ["closed_at", "-aware_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(authority_notified_at__isnull=False)
                | ~models.Q(not_notified_reason=""),
                name="privacy_breach_closed_was_notified_or_explained",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(high_risk=False)
                | models.Q(people_told_at__isnull=False),
                name="privacy_breach_high_risk_closed_people_told",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def deadline(self) -> datetime:
        """72 elapsed hours from awareness (aware datetimes: right across a DST change)."""
        return self.aware_at + NOTIFY_WITHIN
