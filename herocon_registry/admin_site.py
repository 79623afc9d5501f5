"""The staff side: Django's admin under the site's name, showing the user's roles."""

from collections.abc import Callable
from typing import Any

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib.admin import AdminSite, ModelAdmin
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from herocon_registry.paginator import RegisterPaginator

# The range of the primary keys (BigAutoField): a longer number is no id of ours, and
# PostgreSQL would refuse to compare it (a 500) rather than find nothing.
_PK_RANGE = range(-(2**63), 2**63)


class StrictLookupMixin:
    """The admin's object pages answer 404 for an id that names nothing: not there, not a
    number, out of range, or outside what the user's queryset holds (Django's own admin
    redirects to the list instead, and a 20-digit id reaches the database)."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        field = (
            self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        )
        if field.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField"):
            text = str(object_id)
            if not text.lstrip("-").isdigit() or int(text) not in _PK_RANGE:
                return None
        return super().get_object(request, object_id, from_field)  # type: ignore[misc]

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        raise Http404(_("No such record."))


# Dates and times as the browser's own inputs (keyboard and screen-reader friendly, and
# in the page's language), instead of the admin's calendar script, whose shortcut links
# are named in English whatever the page's language (axe: label-content-name-mismatch).
NATIVE_DATE_INPUTS = {
    models.DateTimeField: {
        "widget": forms.SplitDateTimeWidget(
            date_format="%Y-%m-%d",
            time_format="%H:%M:%S",
            date_attrs={"type": "date", "aria-label": _("Date")},
            time_attrs={"type": "time", "step": "1", "aria-label": _("Time")},
        )
    },
    models.DateField: {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})},
}


class HeroconAdminSite(AdminSite):
    site_header = _("Herocon Registry – staff")
    site_title = _("Herocon Registry")
    index_title = _("Register administration")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # The admin login is allauth's, so its rate limits and MFA step apply here too.
        return secure_admin_login(super().login)(request, extra_context)

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._pages: list[tuple[str, Callable[..., HttpResponse], str]] = []

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every ModelAdmin of the project gets the strict lookups of StrictLookupMixin,
        the native date inputs of NATIVE_DATE_INPUTS and the counts of RegisterPaginator."""
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, StrictLookupMixin):
            overrides = {**NATIVE_DATE_INPUTS}
            overrides.update(getattr(admin_class, "formfield_overrides", {}))
            attrs: dict[str, Any] = {"formfield_overrides": overrides}
            if admin_class.paginator is Paginator:
                # Lists that stay fast at a million rows: no exact COUNT(*) of a big table
                # on every page, nor a second one for the "N total" beside the search.
                attrs.update(paginator=RegisterPaginator, show_full_result_count=False)
            admin_class = type(admin_class.__name__, (StrictLookupMixin, admin_class), attrs)
        super().register(model_or_iterable, admin_class, **options)

    def register_page(self, route: str, view: Callable[..., HttpResponse], name: str) -> None:
        """Serve an app's own admin page (the DPO's toolkit) behind the admin's login and
        MFA, as `admin:<name>`. Apps register their pages from their admin module, as they
        register their ModelAdmins, so the site imports none of them."""
        self._pages.append((route, view, name))

    def get_urls(self) -> list:
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return [*pages, *super().get_urls()]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        user = request.user
        context["staff_roles"] = (
            user.active_role_names() if user.is_authenticated and user.is_staff else []
        )
        context["can_view_ropa"] = user.is_authenticated and user.has_perm(
            "privacy.view_record_of_processing"
        )
        # The DPO toolkit's own pages (privacy/admin/pages.py decides who may open them).
        context["can_review_access"] = user.is_authenticated and user.has_perm(
            "privacy.add_accessreview"
        )
        context["can_export_registers"] = user.is_authenticated and user.has_perm(
            "customers.export_customer"
        )
        return context
