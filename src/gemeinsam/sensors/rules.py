"""Who may read and write the urban data hub.

Reads are public except for private Things and what hangs from them; writing needs a bearer
token (`Authorization: Bearer sta_...`, or HTTP Basic with the token as password, which is
what most SensorThings clients offer) or the login of city staff.
"""

import base64
import binascii

import rules
from django.contrib.auth import authenticate
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from gemeinsam.core.rules import is_city_staff

from . import models as m
from .entities import EntityType

can_write_sensor_data = is_city_staff
rules.add_perm("sensors.write", can_write_sensor_data)
rules.add_perm("sensors.read_private", can_write_sensor_data)


class Unauthorized(Exception):
    """Credentials were given and are wrong: 401, not silently anonymous."""


def request_user(request: HttpRequest):
    """The user behind a request: token, HTTP Basic or the session, cached on the request."""
    if hasattr(request, "_sensor_user"):
        return request._sensor_user
    user = request.user if getattr(request, "user", None) else None
    request._sensor_token = False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        user = _token_user(credentials.strip())
        request._sensor_token = True
    elif scheme.lower() == "basic" and credentials:
        try:
            username, _, password = (
                base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Unauthorized("malformed Basic credentials") from error
        user = _token_user(password) if password.startswith("sta_") else None
        if user is None and not password.startswith("sta_"):
            user = authenticate(request, username=username, password=password)
        if user is None:
            raise Unauthorized("wrong user name or password")
        request._sensor_token = True
    request._sensor_user = user
    return user


def _token_user(secret: str):
    token = m.AccessToken.find(secret)
    if token is None or not token.user.is_active:
        raise Unauthorized("unknown or revoked token")
    if token.last_used is None or (timezone.now() - token.last_used).total_seconds() > 60:
        m.AccessToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token.user


def can_write(request: HttpRequest) -> bool:
    user = request_user(request)
    if user is None or not user.is_authenticated:
        return False
    if getattr(request, "_sensor_token", False):
        return True  # a token is issued for writing; its holder need not be staff
    return user.has_perm("sensors.write")


def can_read_private(request: HttpRequest) -> bool:
    user = request_user(request)
    if user is None or not user.is_authenticated:
        return False
    return getattr(request, "_sensor_token", False) or user.has_perm("sensors.read_private")


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
