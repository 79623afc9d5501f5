"""Two-factor secrets encrypted at rest: allauth's MFA adapter with Fernet keys from the
environment (MFA_ENCRYPTION_KEYS), and their rotation."""

import base64
import hashlib

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

# Stored values start with this, so a secret written before encryption was switched on
# (plain base32) is still read, and re-encrypted by `rotate_mfa_keys`.
PREFIX = "fernet:"
# The encrypted parts of allauth's authenticator data, by type.
SECRET_FIELDS = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}


def _keys() -> list[bytes]:
    keys = [key.encode() for key in settings.MFA_ENCRYPTION_KEYS]
    if not keys:
        # Development only (the deploy check warns): a key that follows SECRET_KEY.
        digest = hashlib.sha256(b"herocon-mfa:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest)]
    return keys


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise ValueError("No key in MFA_ENCRYPTION_KEYS opens this secret.") from None


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)


@transaction.atomic
def mfa_keys_rotate() -> int:
    """Re-encrypt every stored secret with the first key of MFA_ENCRYPTION_KEYS (plain
    ones too); afterwards the older keys can be dropped. Returns how many were written."""
    fernet = _fernet()
    written = 0
    for authenticator in Authenticator.objects.select_for_update().filter(
        type__in=list(SECRET_FIELDS)
    ):
        field = SECRET_FIELDS[authenticator.type]
        stored = authenticator.data.get(field)
        if not stored:
            continue
        if stored.startswith(PREFIX):
            token = fernet.rotate(stored.removeprefix(PREFIX).encode()).decode()
        else:
            token = fernet.encrypt(stored.encode()).decode()
        authenticator.data = {**authenticator.data, field: PREFIX + token}
        authenticator.save(update_fields=["data"])
        written += 1
    return written
