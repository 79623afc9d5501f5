from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.notice, name="notice"),
    path("versions/", views.version_list, name="versions"),
    path("versions/<int:number>/", views.version_detail, name="version"),
]
