"""The security headers every response carries, and no caching of personal data."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control

# Pages that can show personal data although no one is signed in yet: allauth's own
# (login with the address typed, password reset, email confirmation) and the admin's.
PRIVATE_PREFIXES = ("/accounts/", "/admin/", "/portal/", "/unsubscribe/")


class SecurityHeadersMiddleware:
    """Outermost middleware: whatever produced the response (a view, an error page, a 400
    for a disallowed Host raised before SecurityMiddleware could add its headers), it
    leaves with the page policy, and a response that can hold personal data is never
    stored by a browser or a proxy (`Cache-Control: no-store`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            # Django's 405 has no body: give it the site's page, keeping its Allow header.
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        headers = response.headers
        headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = _fallback_policy()
        user = getattr(request, "user", None)
        private = request.path.startswith(PRIVATE_PREFIXES) or (
            user is not None and user.is_authenticated
        )
        if private or response.status_code >= 400:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


def _fallback_policy() -> str:
    """The site's policy, for the rare response the CSP middleware did not see."""
    return "; ".join(
        f"{directive} {' '.join(values)}" for directive, values in settings.SECURE_CSP.items()
    )
