"""Staff must have two-factor authentication before any admin page (DESIGN.md, "Roles"),
and sessions end on the server when idle, too old, or without a role."""

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


class StaffMFARequiredMiddleware:
    """Send staff without TOTP to set it up before the admin serves them anything.

    allauth has no setting for this. Because the admin login itself goes through allauth,
    a staff member who has TOTP has also passed its second step to be logged in here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._admin_prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # Checked in process_view, after every middleware's request phase, so the user,
        # the session and the message store are all in place whatever the order.
        if self._admin_prefix is None:
            self._admin_prefix = reverse("admin:index")
        user = request.user
        if (
            request.path.startswith(self._admin_prefix)
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                _("Staff must set up two-factor authentication before using the admin."),
                fail_silently=True,
            )
            target = reverse("mfa_activate_totp")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.path})}")
        return None


# Session keys of the policy below.
LOGIN_AT = "herocon_login_at"
LAST_SEEN = "herocon_last_seen"
HELD_ROLES = "herocon_held_roles"
# The last-seen time is written at most this often, so a busy page does not save the
# session on every request; the idle limit is measured to within this much.
TOUCH_EVERY = 30


class SessionPolicyMiddleware:
    """Sessions end on the server (ASVS 5.0 V7.3): after SESSION_IDLE_TIMEOUT_CUSTOMER or
    SESSION_IDLE_TIMEOUT_STAFF seconds without a request, a staff session also
    STAFF_SESSION_MAX_AGE seconds after its login, whatever the activity, and a staff
    session whose last role grant has ended. The next request is then anonymous and is
    sent to the login page. (Logout, deactivation and erasure end sessions through
    Django's own checks: the session is flushed, or the user no longer loads.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            reason = self._ended(request, user, time.time())
            if reason:
                logout(request)
                messages.info(request, reason, fail_silently=True)
                login_url = reverse("account_login")
                return HttpResponseRedirect(f"{login_url}?{urlencode({'next': request.path})}")
        return self.get_response(request)

    def _ended(self, request: HttpRequest, user: Any, now: float) -> str | None:
        session = request.session
        staff = user.is_staff
        idle = (
            settings.SESSION_IDLE_TIMEOUT_STAFF if staff else settings.SESSION_IDLE_TIMEOUT_CUSTOMER
        )
        last_seen = session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > idle:
            return _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": idle // 60
            }
        login_at = session.setdefault(LOGIN_AT, now)
        if staff and now - login_at > settings.STAFF_SESSION_MAX_AGE:
            return _("Staff sessions end %(hours)d hours after signing in: sign in again.") % {
                "hours": settings.STAFF_SESSION_MAX_AGE // 3600
            }
        if staff and not user.is_superuser:
            holds_roles = user.role_grants.active().exists()
            if session.get(HELD_ROLES) and not holds_roles:
                return _("Your last staff role has ended, so you were signed out.")
            if holds_roles and not session.get(HELD_ROLES):
                session[HELD_ROLES] = True
        if last_seen is None or now - last_seen >= TOUCH_EVERY:
            session[LAST_SEEN] = now
        return None
