"""Print the current TOTP code for a base32 secret (the demo staff's, by default)."""

import base64
import hashlib
import hmac
import struct
import sys
import time

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


if __name__ == "__main__":
    print(totp(sys.argv[1] if len(sys.argv) > 1 else DEMO_TOTP_SECRET))
