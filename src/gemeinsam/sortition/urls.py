"""URLs of citizens' panels (mounted at /panels/): public pages, staff pages below staff/."""

from django.urls import path

from gemeinsam.sortition.views import public, staff, staff_draw

app_name = "sortition"
urlpatterns = [
    # First, so that no panel's short name can hide the staff list (PanelForm reserves it).
    path("staff/", staff.panel_list, name="staff_panels"),
    path("staff/new/", staff.panel_create, name="staff_panel_create"),
    path("<slug:slug>/", public.transparency, name="panel"),
    path("<slug:slug>/register/", public.register, name="register"),
    path("<slug:slug>/register/done/", public.register_done, name="register_done"),
    path("<slug:slug>/runs/<int:pk>/<str:filename>", public.run_file, name="run_file"),
    path("<slug:slug>/staff/", staff.dashboard, name="staff_panel"),
    path("<slug:slug>/staff/quotas/", staff.quotas, name="staff_quotas"),
    path("<slug:slug>/staff/invitations/", staff.invitations, name="staff_invitations"),
    path("<slug:slug>/staff/invitations/letters.csv", staff.letters, name="staff_letters"),
    path("<slug:slug>/staff/volunteers/", staff.volunteers, name="staff_volunteers"),
    path(
        "<slug:slug>/staff/volunteers/import/",
        staff.volunteers_import,
        name="staff_volunteers_import",
    ),
    path("<slug:slug>/staff/volunteers/paper/", staff.paper_reply, name="staff_paper_reply"),
    path(
        "<slug:slug>/staff/volunteers/<int:number>/status/",
        staff.volunteer_status,
        name="staff_volunteer_status",
    ),
    path("<slug:slug>/staff/runs/", staff_draw.runs, name="staff_runs"),
    path("<slug:slug>/staff/runs/<int:pk>/", staff_draw.run_detail, name="staff_run"),
    path("<slug:slug>/staff/draw/", staff_draw.draw, name="staff_draw"),
    path("<slug:slug>/staff/panel.csv", staff_draw.panel_csv, name="staff_panel_csv"),
    path("<slug:slug>/staff/replacements/", staff_draw.replacements, name="staff_replacements"),
    path("<slug:slug>/staff/deletion/", staff_draw.deletion, name="staff_deletion"),
]
