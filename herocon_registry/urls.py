from django.contrib import admin
from django.urls import include, path

from customers import views as customer_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Before Django's own: the switch also saves a signed-in customer's language.
    path("i18n/setlang/", customer_views.language_set, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("privacy/", include("privacy.urls")),
    # /portal/consents/ (preference centre) and /unsubscribe/<token>/.
    path("", include("consents.urls")),
    path("portal/", include("privacy.portal.urls")),
    path("healthz", customer_views.healthz, name="healthz"),
    path("", include("customers.urls")),
]
