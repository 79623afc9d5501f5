from django.contrib import admin
from django.urls import include, path

from customers import views as customer_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("privacy/", include("privacy.urls")),
    path("healthz", customer_views.healthz, name="healthz"),
    path("", include("customers.urls")),
]
