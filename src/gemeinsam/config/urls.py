"""Root URLs: pages per app, accounts, admin, the JSON API and the health check."""

import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from gemeinsam.core import views as core_views
from gemeinsam.core.api import api
from gemeinsam.core.media import serve_media
from gemeinsam.participation import urls as participation_urls
from gemeinsam.sensors import urls as sensors_urls
from gemeinsam.strategy import urls as strategy_urls

handler500 = core_views.server_error
admin.site.login = secure_admin_login(admin.site.login)  # throttled, like every login
admin.site.site_header = "Gemeinsam"

handler404 = core_views.page_not_found

urlpatterns = [
    path("", include("gemeinsam.core.urls")),
    path("processes/", include("gemeinsam.participation.urls")),
    path(
        "staff/processes/",
        include((participation_urls.staff_urlpatterns, participation_urls.staff_app_name)),
    ),
    path("budgeting/", include("gemeinsam.budgeting.urls")),
    path("panels/", include("gemeinsam.sortition.urls")),
    path("strategy/", include("gemeinsam.strategy.urls")),
    path(
        "staff/strategy/",
        include((strategy_urls.staff_urlpatterns, strategy_urls.staff_app_name)),
    ),
    path("knowledge/", include("gemeinsam.knowledge.urls")),
    path("sensors/", include("gemeinsam.sensors.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("sta/", include((sensors_urls.sta_urlpatterns, sensors_urls.sta_app_name))),
    path("healthz", core_views.healthz, name="healthz"),
]

if settings.SERVE_MEDIA:
    # Uploads are served by the app, in production too; a reverse proxy may serve
    # MEDIA_URL itself instead (SERVE_MEDIA=false).
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve_media,
            name="media",
        )
    ]
