"""Staff must have two-factor authentication before any admin page (DESIGN.md, "Roles")."""

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
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
