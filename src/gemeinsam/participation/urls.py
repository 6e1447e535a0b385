"""URLs of participation pages."""

from django.urls import path

from gemeinsam.participation import (
    views,
    views_comments,
    views_data,
    views_engage,
    views_ideas,
    views_moderation,
)

app_name = "participation"
urlpatterns = [
    path("", views.process_list, name="processes"),
    path("<slug:slug>/", views.process_detail, name="process"),
    path("<slug:slug>/ideas/new/", views.idea_create, name="idea_create"),
    path("<slug:slug>/ideas/<int:pk>/", views.idea_detail, name="idea"),
    path("<slug:slug>/ideas/<int:pk>/edit/", views_ideas.idea_edit, name="idea_edit"),
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
urlpatterns += [
    path("<slug:slug>/moderation/", views_moderation.queue, name="moderation"),
    path("<slug:slug>/moderation/hide/", views_moderation.hide, name="moderation_hide"),
    path("<slug:slug>/moderation/restore/", views_moderation.restore, name="moderation_restore"),
    path("<slug:slug>/moderation/dismiss/", views_moderation.dismiss, name="moderation_dismiss"),
    path("<slug:slug>/moderation/block/", views_moderation.block, name="moderation_block"),
    path(
        "<slug:slug>/moderation/unblock/<int:user_pk>/",
        views_moderation.unblock,
        name="moderation_unblock",
    ),
    path("<slug:slug>/moderation/log/", views_moderation.log, name="moderation_log"),
    path(
        "<slug:slug>/ideas/<int:pk>/comments/<int:comment_pk>/edit/",
        views_comments.comment_edit,
        name="comment_edit",
    ),
]

# Map, search and open data: map view, GeoJSON, CSV.
urlpatterns += [
    path("<slug:slug>/map/", views_data.idea_map, name="idea_map"),
    path("<slug:slug>/ideas.geojson", views_data.ideas_geojson, name="ideas_geojson"),
    path("<slug:slug>/ideas.csv", views_data.ideas_csv, name="ideas_csv"),
]

# Statistics and following.
urlpatterns += [
    path("<slug:slug>/statistics/", views_engage.statistics, name="statistics"),
    path("<slug:slug>/follow/", views_engage.follow, name="follow"),
    path("<slug:slug>/unfollow/<str:token>/", views_engage.unfollow_link, name="unfollow_link"),
]
