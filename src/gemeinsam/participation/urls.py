"""URLs of participation: the public pages at /processes/ (`urlpatterns`, namespace
"participation") and the staff area at /staff/processes/ (`staff_urlpatterns`, namespace
"participation_staff"); config/urls.py mounts both."""

from django.urls import path

from gemeinsam.participation.views import (
    comments,
    data,
    engage,
    ideas,
    moderation,
    public,
    staff,
)

app_name = "participation"
urlpatterns = [
    path("", public.process_list, name="processes"),
    path("<slug:slug>/", public.process_detail, name="process"),
    path("<slug:slug>/ideas/new/", ideas.idea_create, name="idea_create"),
    path("<slug:slug>/ideas/<int:pk>/", ideas.idea_detail, name="idea"),
    path("<slug:slug>/ideas/<int:pk>/edit/", ideas.idea_edit, name="idea_edit"),
    path("<slug:slug>/ideas/<int:pk>/rate/", ideas.rate, name="rate"),
    path("<slug:slug>/ideas/<int:pk>/comment/", comments.comment, name="comment"),
    path(
        "<slug:slug>/ideas/<int:pk>/comments/<int:comment_pk>/delete/",
        comments.comment_delete,
        name="comment_delete",
    ),
    path("<slug:slug>/ideas/<int:pk>/report/", ideas.report, name="report"),
    path("<slug:slug>/ideas/<int:pk>/hide/", ideas.hide, name="hide"),
    path("<slug:slug>/ideas/<int:pk>/respond/", ideas.respond, name="respond"),
]

# Moderation: queue, audit log, blocks.
urlpatterns += [
    path("<slug:slug>/moderation/", moderation.queue, name="moderation"),
    path("<slug:slug>/moderation/hide/", moderation.hide, name="moderation_hide"),
    path("<slug:slug>/moderation/restore/", moderation.restore, name="moderation_restore"),
    path("<slug:slug>/moderation/dismiss/", moderation.dismiss, name="moderation_dismiss"),
    path("<slug:slug>/moderation/block/", moderation.block, name="moderation_block"),
    path(
        "<slug:slug>/moderation/unblock/<int:user_pk>/",
        moderation.unblock,
        name="moderation_unblock",
    ),
    path("<slug:slug>/moderation/log/", moderation.log, name="moderation_log"),
    path(
        "<slug:slug>/ideas/<int:pk>/comments/<int:comment_pk>/edit/",
        comments.comment_edit,
        name="comment_edit",
    ),
]

# Map, search and open data: map view, GeoJSON, CSV.
urlpatterns += [
    path("<slug:slug>/map/", data.idea_map, name="idea_map"),
    path("<slug:slug>/ideas.geojson", data.ideas_geojson, name="ideas_geojson"),
    path("<slug:slug>/ideas.csv", data.ideas_csv, name="ideas_csv"),
]

# Statistics and following.
urlpatterns += [
    path("<slug:slug>/statistics/", engage.statistics, name="statistics"),
    path("<slug:slug>/follow/", engage.follow, name="follow"),
    path("<slug:slug>/unfollow/<str:token>/", engage.unfollow_link, name="unfollow_link"),
]

# The staff area: processes and the moderation log of all of them.
staff_app_name = "participation_staff"
staff_urlpatterns = [
    path("", staff.process_list, name="processes"),
    path("new/", staff.process_create, name="process_create"),
    path("log/", staff.audit_log, name="audit_log"),
    path("<slug:slug>/edit/", staff.process_edit, name="process_edit"),
    path("<slug:slug>/moderators/", staff.moderator_add, name="moderator_add"),
    path(
        "<slug:slug>/moderators/<int:user_pk>/remove/",
        staff.moderator_remove,
        name="moderator_remove",
    ),
]
