"""URLs of budgeting pages; staff pages below staff/."""

from django.urls import path

from gemeinsam.budgeting.views import public, results, staff

app_name = "budgeting"
urlpatterns = [
    path("<slug:slug>/", public.process, name="process"),
    path("<slug:slug>/proposals/new/", public.proposal_create, name="proposal_create"),
    path("<slug:slug>/ballot/", public.ballot, name="ballot"),
    path("<slug:slug>/ballot/done/", public.ballot_done, name="ballot_done"),
    path("<slug:slug>/results/", results.results_page, name="results"),
    path("<slug:slug>/results/count/", results.count_results, name="count_results"),
    path("<slug:slug>/results/<int:pk>.csv", results.result_csv, name="result_csv"),
    path("<slug:slug>/results/<int:pk>.json", results.result_json, name="result_json"),
    path("<slug:slug>/results/<int:pk>.pb", results.election_pb, name="result_pb"),
    path(
        "<slug:slug>/results/<int:pk>/winners.geojson",
        results.winners_geojson,
        name="result_geojson",
    ),
    path("<slug:slug>/staff/review/", staff.review_list, name="review_list"),
    path("<slug:slug>/staff/review/<int:pk>/", staff.review, name="review"),
    path("<slug:slug>/staff/codes/", staff.codes_page, name="codes"),
    path("<slug:slug>/staff/paper/", staff.paper_ballot, name="paper_ballot"),
]
