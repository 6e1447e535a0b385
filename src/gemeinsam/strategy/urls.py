"""URLs of the strategy: the public pages, report and exports (`urlpatterns`, mounted at
/strategy/) and the staff area (`staff_urlpatterns`, mounted at /staff/strategy/ under the
namespace "strategy_staff"): strategies, the draft editor, review and publishing, and the
tracking pages of the published measures."""

from django.urls import path

from gemeinsam.strategy.views import public, report, staff, staff_tracking

app_name = "strategy"
urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:slug>/", public.overview, name="overview"),
    path("<slug:slug>/map/", public.measure_map, name="map"),
    path("<slug:slug>/map.geojson", public.map_data, name="map_data"),
    path("<slug:slug>/changelog/", public.changelog, name="changelog"),
    path("<slug:slug>/measures/<uuid:key>/", public.measure, name="measure"),
    path("<slug:slug>/measures/<uuid:key>/survey/", public.survey, name="survey"),
    path("<slug:slug>/report/", report.report_index, name="report_index"),
    path("<slug:slug>/report/<int:number>/", report.report, name="report"),
    path("<slug:slug>/report/<int:number>.pdf", report.report_pdf, name="report_pdf"),
    path("<slug:slug>/export/<str:kind>.<str:fmt>", report.export, name="export"),
]

MEASURE = "<slug:slug>/measures/<uuid:key>/"
INDICATOR = MEASURE + "indicators/<uuid:indicator_key>/"

staff_app_name = "strategy_staff"
staff_urlpatterns = [
    path("", staff.strategy_list, name="strategies"),
    path("<slug:slug>/", staff.dashboard, name="dashboard"),
    path("<slug:slug>/draft/start/", staff.draft_start, name="draft_start"),
    path("<slug:slug>/draft/", staff.editor, name="editor"),
    path("<slug:slug>/draft/<str:kind>/add/", staff.item_add, name="item_add"),
    path("<slug:slug>/draft/<str:kind>/<int:pk>/", staff.item_edit, name="item_edit"),
    path("<slug:slug>/draft/<str:kind>/<int:pk>/remove/", staff.item_remove, name="item_remove"),
    path("<slug:slug>/review/", staff.review, name="review"),
    path("<slug:slug>/import/", staff_tracking.measurements_import, name="import"),
    path(MEASURE, staff_tracking.measure, name="measure"),
    path(MEASURE + "compass/", staff_tracking.compass, name="compass"),
    path(MEASURE + "survey/", staff_tracking.survey_open, name="survey"),
    path(MEASURE + "checklist/", staff_tracking.checklist, name="checklist"),
    path(MEASURE + "links/", staff_tracking.link_add, name="link_add"),
    path(MEASURE + "links/<int:pk>/remove/", staff_tracking.link_remove, name="link_remove"),
    path(INDICATOR + "measurements/", staff_tracking.measurement_add, name="measurement_add"),
    path(
        INDICATOR + "measurements/<str:day>/delete/",
        staff_tracking.measurement_delete,
        name="measurement_delete",
    ),
    path(INDICATOR + "sync/", staff_tracking.indicator_sync, name="sync"),
]
