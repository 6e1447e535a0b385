"""URLs of participation pages."""

from django.urls import path

from gemeinsam.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.process_list, name="processes"),
    path("<slug:slug>/", views.process_detail, name="process"),
    path("<slug:slug>/ideas/new/", views.idea_create, name="idea_create"),
    path("<slug:slug>/ideas/<int:pk>/", views.idea_detail, name="idea"),
    path("<slug:slug>/ideas/<int:pk>/rate/", views.rate, name="rate"),
    path("<slug:slug>/ideas/<int:pk>/comment/", views.comment, name="comment"),
    path(
        "<slug:slug>/ideas/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path("<slug:slug>/ideas/<int:pk>/report/", views.report, name="report"),
    path("<slug:slug>/ideas/<int:pk>/hide/", views.hide, name="hide"),
    path("<slug:slug>/ideas/<int:pk>/respond/", views.respond, name="respond"),
]

# Moderation: queue, audit log, blocks.
urlpatterns += []

# Map, search and open data: map view, GeoJSON, CSV.
urlpatterns += []

# Statistics and following.
urlpatterns += []
