"""Tell a signed-in customer once that the privacy notice has a newer version."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from customers.models import User
from privacy.models import NoticeVersion


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
                # Shown once: remembered as told before the page is even rendered.
                User.objects.filter(pk=user.pk).update(notice_version_seen=current)
                user.notice_version_seen = current
        return self.get_response(request)
