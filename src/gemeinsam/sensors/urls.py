"""The SensorThings API's URLs: everything below /sta/v1.1/ goes to one dispatcher."""

from django.urls import re_path

from . import views

app_name = "sta"
urlpatterns = [
    re_path(r"^v1\.1/?$", views.dispatch, name="landing"),
    re_path(r"^v1\.1/(?P<path>.+)$", views.dispatch, name="resource"),
]
