"""URLs of core pages."""

from django.urls import path

from gemeinsam.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/my-data.json", views.download_data, name="download_data"),
    path("profile/delete/", views.delete_account, name="delete_account"),
    path("language/", views.set_language, name="set_language"),
    path("staff/audit/", views.audit_log, name="audit_log"),
]
