"""Deployment checks for the consents app."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def suppression_key_set(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without its own key the suppression hashes hang on SECRET_KEY: rotating that would
    let re-imported objectors become contactable again (Art 21)."""
    if settings.CONSENT_SUPPRESSION_KEY:
        return []
    return [
        Warning(
            "CONSENT_SUPPRESSION_KEY is not set, so objection suppressions are keyed with "
            "SECRET_KEY and would stop matching if it were rotated.",
            hint="Set CONSENT_SUPPRESSION_KEY to a long random value and never change it.",
            id="consents.W001",
        )
    ]
