"""The privacy app's admin: importing the submodules registers every ModelAdmin and page."""

from django.contrib import admin

from privacy.admin import (  # noqa: F401  (each registers its ModelAdmins)
    breaches,
    disclosures,
    requests,
)
from privacy.admin.notice import record_of_processing_view
from privacy.admin.pages import (
    access_review_view,
    art14_pending_view,
    bundle_download_view,
    register_download_view,
    registers_view,
)
from privacy.dashboard import dashboard_view

for route, view, name in [
    ("privacy/record-of-processing/", record_of_processing_view, "privacy_record_of_processing"),
    ("privacy/dashboard/", dashboard_view, "privacy_dashboard"),
    ("privacy/access-review/", access_review_view, "privacy_access_review"),
    ("privacy/art14-notices/", art14_pending_view, "privacy_art14_pending"),
    ("privacy/exports/", registers_view, "privacy_exports"),
    ("privacy/exports/bundle.zip", bundle_download_view, "privacy_export_bundle"),
    ("privacy/exports/<str:name>.csv", register_download_view, "privacy_export_register"),
]:
    admin.site.register_page(route, view, name)
