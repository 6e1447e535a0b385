"""Staff URLs of the strategy (mounted at /staff/strategy/): strategies, the draft editor,
review and publishing, and the tracking pages of the published measures."""

from django.urls import path

from gemeinsam.strategy import views_staff, views_staff_progress

app_name = "strategy_staff"

MEASURE = "<slug:slug>/measures/<uuid:key>/"
INDICATOR = MEASURE + "indicators/<uuid:indicator_key>/"

urlpatterns = [
    path("", views_staff.strategy_list, name="strategies"),
    path("<slug:slug>/", views_staff.dashboard, name="dashboard"),
    path("<slug:slug>/draft/start/", views_staff.draft_start, name="draft_start"),
    path("<slug:slug>/draft/", views_staff.editor, name="editor"),
    path("<slug:slug>/draft/<str:kind>/add/", views_staff.item_add, name="item_add"),
    path("<slug:slug>/draft/<str:kind>/<int:pk>/", views_staff.item_edit, name="item_edit"),
    path(
        "<slug:slug>/draft/<str:kind>/<int:pk>/remove/",
        views_staff.item_remove,
        name="item_remove",
    ),
    path("<slug:slug>/review/", views_staff.review, name="review"),
    path("<slug:slug>/import/", views_staff_progress.measurements_import, name="import"),
    path(MEASURE, views_staff_progress.measure, name="measure"),
    path(MEASURE + "compass/", views_staff_progress.compass, name="compass"),
    path(MEASURE + "survey/", views_staff_progress.survey_open, name="survey"),
    path(MEASURE + "checklist/", views_staff_progress.checklist, name="checklist"),
    path(MEASURE + "links/", views_staff_progress.link_add, name="link_add"),
    path(MEASURE + "links/<int:pk>/remove/", views_staff_progress.link_remove, name="link_remove"),
    path(INDICATOR + "measurements/", views_staff_progress.measurement_add, name="measurement_add"),
    path(
        INDICATOR + "measurements/<str:day>/delete/",
        views_staff_progress.measurement_delete,
        name="measurement_delete",
    ),
    path(INDICATOR + "sync/", views_staff_progress.indicator_sync, name="sync"),
]
