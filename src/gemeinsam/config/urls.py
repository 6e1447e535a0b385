"""Root URLs: pages per app, accounts, admin, the JSON API and the health check."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from gemeinsam.core import views as core_views
from gemeinsam.core.api import api

admin.site.login = secure_admin_login(admin.site.login)  # throttled, like every login
admin.site.site_header = "Gemeinsam"

urlpatterns = [
    path("", include("gemeinsam.core.urls")),
    path("processes/", include("gemeinsam.participation.urls")),
    path("staff/processes/", include("gemeinsam.participation.urls_staff")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
