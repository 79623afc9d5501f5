"""Reviews of staff access (seed section 9: access ends when duties end)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import CleanTextMixin


class AccessReview(CleanTextMixin, models.Model):
    """The DPO's record that every active role grant was checked."""

    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)
    reviewed_by_id = models.PositiveBigIntegerField(_("reviewed by (user ID)"), null=True)
    note = models.TextField(_("findings and actions"))
    grants = models.JSONField(
        _("grants reviewed"),
        default=list,
        help_text=_("Each grant's user ID, role, reason and end date at the time."),
    )

    class Meta:
        verbose_name = _("staff access review")
        verbose_name_plural = _("staff access reviews")
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.reviewed_at:%Y-%m-%d}"
