"""URLs of citizens' panels (mounted at /panels/): public pages, staff pages below staff/."""

from django.urls import path

from gemeinsam.sortition import views, views_staff

app_name = "sortition"
urlpatterns = [
    # First, so that no panel's short name can hide the staff list (PanelForm reserves it).
    path("staff/", views_staff.panel_list, name="staff_panels"),
    path("staff/new/", views_staff.panel_create, name="staff_panel_create"),
    path("<slug:slug>/", views.transparency, name="panel"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("<slug:slug>/runs/<int:pk>/<str:filename>", views.run_file, name="run_file"),
    path("<slug:slug>/staff/", views_staff.dashboard, name="staff_panel"),
    path("<slug:slug>/staff/quotas/", views_staff.quotas, name="staff_quotas"),
    path("<slug:slug>/staff/invitations/", views_staff.invitations, name="staff_invitations"),
    path("<slug:slug>/staff/invitations/letters.csv", views_staff.letters, name="staff_letters"),
    path("<slug:slug>/staff/volunteers/", views_staff.volunteers, name="staff_volunteers"),
    path(
        "<slug:slug>/staff/volunteers/import/",
        views_staff.volunteers_import,
        name="staff_volunteers_import",
    ),
    path("<slug:slug>/staff/volunteers/paper/", views_staff.paper_reply, name="staff_paper_reply"),
    path(
        "<slug:slug>/staff/volunteers/<int:number>/status/",
        views_staff.volunteer_status,
        name="staff_volunteer_status",
    ),
    path("<slug:slug>/staff/runs/", views_staff.runs, name="staff_runs"),
    path("<slug:slug>/staff/runs/<int:pk>/", views_staff.run_detail, name="staff_run"),
    path("<slug:slug>/staff/draw/", views_staff.draw, name="staff_draw"),
    path("<slug:slug>/staff/panel.csv", views_staff.panel_csv, name="staff_panel_csv"),
    path("<slug:slug>/staff/replacements/", views_staff.replacements, name="staff_replacements"),
    path("<slug:slug>/staff/deletion/", views_staff.deletion, name="staff_deletion"),
]
