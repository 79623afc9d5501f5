"""Deployment checks for the register app."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def mfa_encryption_keys_set(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without keys of their own, two-factor secrets are encrypted with a key derived from
    SECRET_KEY: a copy of the database and the settings file would open them together."""
    if settings.MFA_ENCRYPTION_KEYS:
        return []
    return [
        Warning(
            "MFA_ENCRYPTION_KEYS is not set, so TOTP secrets are encrypted with a key "
            "derived from SECRET_KEY.",
            hint="Set MFA_ENCRYPTION_KEYS to a Fernet key (Fernet.generate_key()).",
            id="customers.W001",
        )
    ]
