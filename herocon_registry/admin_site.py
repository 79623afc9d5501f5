"""The staff side: Django's admin under the site's name, showing the user's roles."""

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _


class HeroconAdminSite(AdminSite):
    site_header = _("Herocon Registry – staff")
    site_title = _("Herocon Registry")
    index_title = _("Register administration")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # The admin login is allauth's, so its rate limits and MFA step apply here too.
        return secure_admin_login(super().login)(request, extra_context)

    def get_urls(self) -> list:
        from privacy.admin import record_of_processing_view
        from privacy.admin_registers import (
            access_review_view,
            art14_pending_view,
            bundle_download_view,
            register_download_view,
            registers_view,
        )
        from privacy.dashboard import dashboard_view

        return [
            path(
                "privacy/record-of-processing/",
                self.admin_view(record_of_processing_view),
                name="privacy_record_of_processing",
            ),
            path(
                "privacy/dashboard/",
                self.admin_view(dashboard_view),
                name="privacy_dashboard",
            ),
            path(
                "privacy/access-review/",
                self.admin_view(access_review_view),
                name="privacy_access_review",
            ),
            path(
                "privacy/art14-notices/",
                self.admin_view(art14_pending_view),
                name="privacy_art14_pending",
            ),
            path("privacy/exports/", self.admin_view(registers_view), name="privacy_exports"),
            path(
                "privacy/exports/bundle.zip",
                self.admin_view(bundle_download_view),
                name="privacy_export_bundle",
            ),
            path(
                "privacy/exports/<str:name>.csv",
                self.admin_view(register_download_view),
                name="privacy_export_register",
            ),
            *super().get_urls(),
        ]

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        user = request.user
        context["staff_roles"] = (
            user.active_role_names() if user.is_authenticated and user.is_staff else []
        )
        context["can_view_ropa"] = user.is_authenticated and user.has_perm(
            "privacy.view_record_of_processing"
        )
        # The DPO toolkit's own pages (privacy/admin_registers.py decides who may open them).
        context["can_review_access"] = user.is_authenticated and user.has_perm(
            "privacy.add_accessreview"
        )
        context["can_export_registers"] = user.is_authenticated and user.has_perm(
            "customers.export_customer"
        )
        return context
