"""Public pages of the sensors app: /sensors/ and /sensors/things/<id>/."""

from django.urls import path

from . import views_public

app_name = "sensors"
urlpatterns = [
    path("", views_public.thing_list, name="things"),
    path("things/<int:pk>/", views_public.thing_detail, name="thing"),
]
