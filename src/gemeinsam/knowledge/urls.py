"""URLs of the knowledge store (mounted at /knowledge/)."""

from django.urls import path

from gemeinsam.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.document, name="document"),
    path("<slug:slug>/attachments/<int:pk>/", views.attachment, name="attachment"),
]
