"""The register's shared vocabulary: where a record's data came from (notice section 6),
the languages we serve, and the Helsinki calendar date that rights are decided by. The
apps above the register use these without importing its models."""

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def helsinki_today() -> date:
    """Rights are decided by Helsinki calendar dates (DESIGN.md, "Times")."""
    return timezone.localdate()


class DataSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SOCIAL_MEDIA = "social_media", _("Social media")
    CONTRACT = "contract", _("Contract")
    MEETING = "meeting", _("Meeting")
    SELF_SERVICE = "self_service", _("Self-service")
    IMPORT = "import", pgettext_lazy("data source", "Import")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")
