"""URLs of the staff area (mounted at /staff/processes/): processes and the audit log."""

from django.urls import path

from gemeinsam.participation import views_staff

app_name = "participation_staff"
urlpatterns = [
    path("", views_staff.process_list, name="processes"),
    path("new/", views_staff.process_create, name="process_create"),
    path("log/", views_staff.audit_log, name="audit_log"),
    path("<slug:slug>/edit/", views_staff.process_edit, name="process_edit"),
    path("<slug:slug>/moderators/", views_staff.moderator_add, name="moderator_add"),
    path(
        "<slug:slug>/moderators/<int:user_pk>/remove/",
        views_staff.moderator_remove,
        name="moderator_remove",
    ),
]
