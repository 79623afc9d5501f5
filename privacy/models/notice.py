"""Versions of the privacy notice."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.models.base import LANGUAGE_CODES, AppendOnlyError


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
