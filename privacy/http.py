"""What the app may believe about a request's origin."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # A zone id ("fe80::1%eth0") is not an address a database inet column accepts.
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None
    return str(address)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address, trusting X-Forwarded-For only as far as our own proxies.

    Each of the TRUSTED_PROXY_COUNT proxies appends the address it saw, so the client is
    the entry that many places from the right; anything to its left is the client's own
    claim and is ignored. With no trusted proxies the header is ignored entirely.
    """
    if request is None:
        return None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [part.strip() for part in forwarded if part.strip()]
        if len(forwarded) >= hops:
            return _valid_ip(forwarded[-hops])
        return None
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))
