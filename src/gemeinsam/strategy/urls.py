"""Public URLs of the strategy (mounted at /strategy/): pages, report and exports."""

from django.urls import path

from gemeinsam.strategy import views, views_report

app_name = "strategy"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.overview, name="overview"),
    path("<slug:slug>/map/", views.measure_map, name="map"),
    path("<slug:slug>/map.geojson", views.map_data, name="map_data"),
    path("<slug:slug>/changelog/", views.changelog, name="changelog"),
    path("<slug:slug>/measures/<uuid:key>/", views.measure, name="measure"),
    path("<slug:slug>/measures/<uuid:key>/survey/", views.survey, name="survey"),
    path("<slug:slug>/report/", views_report.report_index, name="report_index"),
    path("<slug:slug>/report/<int:number>/", views_report.report, name="report"),
    path("<slug:slug>/report/<int:number>.pdf", views_report.report_pdf, name="report_pdf"),
    path("<slug:slug>/export/<str:kind>.<str:fmt>", views_report.export, name="export"),
]
