"""Who may do what in the urban data hub (django-rules), and what a request may read.

Reads are public except for private Things and what hangs from them; writing needs a device
token (auth.py) or the login of city staff.
"""

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from gemeinsam.core.predicates import is_city_staff

from . import models as m
from .auth import credentials
from .sta.entities import EntityType

rules.add_perm("sensors.write", is_city_staff)
rules.add_perm("sensors.read_private", is_city_staff)
rules.add_perm("sensors.manage_tokens", is_city_staff)


def can_write(request: HttpRequest) -> bool:
    """A device token writes; a person, by session or HTTP Basic password, needs to be staff."""
    found = credentials(request, fresh=True)
    if found.user is None or not found.user.is_authenticated:
        return False
    return found.token or found.user.has_perm("sensors.write")


def can_read_private(request: HttpRequest) -> bool:
    """Private Things and their data: for device tokens and staff."""
    found = credentials(request)
    if found.user is None or not found.user.is_authenticated:
        return False
    return found.token or found.user.has_perm("sensors.read_private")


def _public_location() -> Q:
    # A Location is hidden only when Things use it and all of them are private.
    links = m.Thing.locations.through.objects.filter(location=OuterRef("pk"))
    return Q(Exists(links.filter(thing__private=False))) | ~Q(Exists(links))


def visible(et: EntityType, queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """The part of a queryset this request may read."""
    if can_read_private(request):
        return queryset
    match et.name:
        case "Thing":
            return queryset.filter(private=False)
        case "Datastream" | "MultiDatastream" | "HistoricalLocation":
            return queryset.filter(thing__private=False)
        case "Location":
            return queryset.filter(_public_location())
        case "Observation":
            return queryset.filter(
                Q(datastream__thing__private=False) | Q(multi_datastream__thing__private=False)
            )
    return queryset
