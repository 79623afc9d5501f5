"""The public privacy notice: the current version and the earlier ones."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_safe

from privacy.models import LANGUAGE_CODES, NoticeVersion
from privacy.notice import SECTION_TITLES


def _language(request: HttpRequest) -> str:
    """?lang= picks the notice's language (fi, sv, en); otherwise the page's language."""
    requested = request.GET.get("lang", "")
    if requested in LANGUAGE_CODES:
        return requested
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in LANGUAGE_CODES else "fi"


def _render_version(request: HttpRequest, version: NoticeVersion, *, current: bool) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        response = render(
            request,
            "privacy/notice.html",
            {
                "version": version,
                "body": version.rendered.get(language) or version.rendered.get("fi", ""),
                "notice_language": language,
                "is_current": current,
                "current": NoticeVersion.objects.current(),
                "languages": LANGUAGE_CODES,
            },
        )
    response.headers["Content-Language"] = language
    return response


@require_safe
def notice(request: HttpRequest) -> HttpResponse:
    version = NoticeVersion.objects.current()
    if version is None:
        raise Http404("No privacy notice has been published yet.")
    return _render_version(request, version, current=True)


@require_safe
def version_list(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        rows = [
            (
                version,
                version.text("changes", language),
                [str(SECTION_TITLES[s]) for s in version.changed_sections if s in SECTION_TITLES],
            )
            for version in NoticeVersion.objects.published()
        ]
        response = render(
            request,
            "privacy/versions.html",
            {"rows": rows, "notice_language": language, "languages": LANGUAGE_CODES},
        )
    response.headers["Content-Language"] = language
    return response


@require_safe
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    version = get_object_or_404(NoticeVersion.objects.published(), number=number)
    current = NoticeVersion.objects.current()
    return _render_version(
        request, version, current=current is not None and current.pk == version.pk
    )
