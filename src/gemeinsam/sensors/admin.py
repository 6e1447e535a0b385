"""Admin for the urban data hub: Things and their streams, and the access tokens of devices.

Observations are not listed here (millions of rows); they are read and written through the
SensorThings API. A token's secret is shown once, in the message after it is created.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import models as m
from . import services


@admin.register(m.Thing)
class ThingAdmin(admin.ModelAdmin):
    list_display = ["name", "private", "id"]
    list_filter = ["private"]
    search_fields = ["name", "description"]
    filter_horizontal = ["locations"]


@admin.register(m.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "encoding_type", "id"]
    search_fields = ["name"]


@admin.register(m.Datastream)
class DatastreamAdmin(admin.ModelAdmin):
    list_display = ["name", "thing", "observed_property", "phenomenon_time_end", "id"]
    list_select_related = ["thing", "observed_property"]
    search_fields = ["name", "thing__name"]
    raw_id_fields = ["thing", "sensor", "observed_property"]


@admin.register(m.Sensor)
class SensorAdmin(admin.ModelAdmin):
    list_display = ["name", "encoding_type", "id"]


@admin.register(m.ObservedProperty)
class ObservedPropertyAdmin(admin.ModelAdmin):
    list_display = ["name", "definition", "id"]


@admin.register(m.AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    raw_id_fields = ["user"]
    fields = ["name", "user", "revoked", "created", "last_used"]
    readonly_fields = ["created", "last_used"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            revoking = obj.revoked and "revoked" in form.changed_data
            if revoking:
                obj.revoked = False  # the service revokes it and records that in the audit log
            super().save_model(request, obj, form, change)
            if revoking:
                services.revoke_token(request.user, obj)
            return
        token, secret = services.issue_token(request.user, obj.user, obj.name)
        obj.pk = token.pk
        obj.digest = token.digest
        messages.warning(
            request,
            _("The token's secret, shown only now: %(secret)s") % {"secret": secret},
        )
