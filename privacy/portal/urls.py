"""The self-service portal's URLs (namespace "portal"); names and paths are part of the
contract (DESIGN.md, "External contract"): tests and the browser journey rely on them."""

from django.urls import path

from privacy.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("rectify/", views.rectify, name="rectify"),
    path("organizations/<uuid:public_id>/", views.organization, name="organization"),
    path(
        "organizations/<uuid:public_id>/edit/",
        views.organization_edit,
        name="organization-edit",
    ),
    path(
        "organizations/<uuid:public_id>/billing/",
        views.organization_billing,
        name="organization-billing",
    ),
    path("export/", views.export, name="export"),
    path("export/json/", views.export_json, name="export-json"),
    path("export/zip/", views.export_zip, name="export-zip"),
    path("requests/", views.requests, name="requests"),
    path("requests/erasure/", views.erasure, name="erasure"),
]
