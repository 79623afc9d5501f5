"""The project's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from herocon_registry.urls import urlpatterns as project_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, on purpose")


urlpatterns = [path("test-failure/", fail), *project_urlpatterns]
