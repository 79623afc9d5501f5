from django.urls import path

from consents import views

app_name = "consents"

urlpatterns = [
    path("portal/consents/", views.preferences, name="preferences"),
    path("portal/consents/object/", views.object_to_marketing, name="object"),
    path("portal/consents/<slug:key>/give/", views.give, name="give"),
    path("portal/consents/<slug:key>/withdraw/", views.withdraw, name="withdraw"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
