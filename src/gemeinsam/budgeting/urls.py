"""URLs of budgeting pages; staff pages below staff/."""

from django.urls import path

from gemeinsam.budgeting import views, views_staff

app_name = "budgeting"
urlpatterns = [
    path("<slug:slug>/", views.process, name="process"),
    path("<slug:slug>/proposals/new/", views.proposal_create, name="proposal_create"),
    path("<slug:slug>/ballot/", views.ballot, name="ballot"),
    path("<slug:slug>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("<slug:slug>/staff/review/", views_staff.review_list, name="review_list"),
    path("<slug:slug>/staff/review/<int:pk>/", views_staff.review, name="review"),
    path("<slug:slug>/staff/codes/", views_staff.codes, name="codes"),
    path("<slug:slug>/staff/paper/", views_staff.paper_ballot, name="paper_ballot"),
]
