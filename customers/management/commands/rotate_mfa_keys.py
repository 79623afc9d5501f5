"""Re-encrypt every two-factor secret with the first key of MFA_ENCRYPTION_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from customers.mfa import mfa_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored TOTP secrets and recovery-code seeds with the first key of "
        "MFA_ENCRYPTION_KEYS; then the older keys can be removed from it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = mfa_keys_rotate()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{written} two-factor secret(s) re-encrypted with the first key.")
