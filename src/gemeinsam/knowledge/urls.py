"""URLs of the knowledge store (mounted at /knowledge/)."""

from django.urls import path

from gemeinsam.knowledge.views import public

app_name = "knowledge"
urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:slug>/", public.document, name="document"),
    path("<slug:slug>/attachments/<int:pk>/", public.attachment, name="attachment"),
]
