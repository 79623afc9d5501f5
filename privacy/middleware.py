"""Tell a signed-in customer once that the privacy notice has a newer version."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from customers.models import User
from privacy.models import NoticeVersion

# The banner's class in templates/base.html: its presence in a page means it was shown.
BANNER_MARKER = b'class="message message-info notice-update"'


def _banner_shown(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and BANNER_MARKER in response.content
    )


class NoticeUpdateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.notice_update = None
        user = request.user
        if user.is_authenticated and not user.is_staff and request.method == "GET":
            current = NoticeVersion.objects.published().values_list("number", flat=True).first()
            if current is not None and user.notice_version_seen != current:
                request.notice_update = current
        response = self.get_response(request)
        # Remembered as told only once a page really showed the banner: a redirect, a
        # download or an error page would otherwise use up the one time it is shown.
        if request.notice_update is not None and _banner_shown(response):
            User.objects.filter(pk=user.pk).update(notice_version_seen=request.notice_update)
            user.notice_version_seen = request.notice_update
        return response
