"""URLs of the urban data hub: the public station pages at /sensors/ (`urlpatterns`, namespace
"sensors") and the SensorThings API below /sta/v1.1/ (`sta_urlpatterns`, namespace "sta"),
where everything goes to one dispatcher; config/urls.py mounts both."""

from django.urls import path, re_path

from .sta import views as sta
from .views import public

app_name = "sensors"
urlpatterns = [
    path("", public.thing_list, name="things"),
    path("things/<int:pk>/", public.thing_detail, name="thing"),
]

sta_app_name = "sta"
sta_urlpatterns = [
    re_path(r"^v1\.1/?$", sta.dispatch, name="landing"),
    re_path(r"^v1\.1/(?P<path>.+)$", sta.dispatch, name="resource"),
]
