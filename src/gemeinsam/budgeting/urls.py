"""URLs of budgeting pages; staff pages below staff/."""

from django.urls import path

from gemeinsam.budgeting import views, views_results, views_staff

app_name = "budgeting"
urlpatterns = [
    path("<slug:slug>/", views.process, name="process"),
    path("<slug:slug>/proposals/new/", views.proposal_create, name="proposal_create"),
    path("<slug:slug>/ballot/", views.ballot, name="ballot"),
    path("<slug:slug>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("<slug:slug>/results/", views_results.results_page, name="results"),
    path("<slug:slug>/results/count/", views_results.count_results, name="count_results"),
    path("<slug:slug>/results/<int:pk>.csv", views_results.result_csv, name="result_csv"),
    path("<slug:slug>/results/<int:pk>.json", views_results.result_json, name="result_json"),
    path("<slug:slug>/results/<int:pk>.pb", views_results.election_pb, name="result_pb"),
    path(
        "<slug:slug>/results/<int:pk>/winners.geojson",
        views_results.winners_geojson,
        name="result_geojson",
    ),
    path("<slug:slug>/staff/review/", views_staff.review_list, name="review_list"),
    path("<slug:slug>/staff/review/<int:pk>/", views_staff.review, name="review"),
    path("<slug:slug>/staff/codes/", views_staff.codes, name="codes"),
    path("<slug:slug>/staff/paper/", views_staff.paper_ballot, name="paper_ballot"),
]
