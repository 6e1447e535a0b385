"""Who may read and write the urban data hub.

Reads are public except for private Things and what hangs from them; writing needs a bearer
token (`Authorization: Bearer sta_...`, or HTTP Basic with the token as password, which is
what most SensorThings clients offer) or the login of city staff.
"""

import base64
import binascii
import threading
import time

import rules
from django.contrib.auth import authenticate
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from gemeinsam.core.predicates import is_city_staff

from . import models as m
from .entities import EntityType

can_write_sensor_data = is_city_staff
rules.add_perm("sensors.write", can_write_sensor_data)
rules.add_perm("sensors.read_private", can_write_sensor_data)


class Unauthorized(Exception):
    """Credentials were given and are wrong: 401, not silently anonymous."""


def request_user(request: HttpRequest, *, fresh: bool = False):
    """The user behind a request: token, HTTP Basic or the session, cached on the request.

    `fresh` (for writes) checks a token in the database even if this process knows it, so
    that a revoked token cannot write even for the seconds the read cache keeps it.
    """
    if hasattr(request, "_sensor_user") and not (fresh and request._sensor_cached):
        return request._sensor_user
    user = request.user if getattr(request, "user", None) else None
    request._sensor_token = request._sensor_cached = False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        user, request._sensor_cached = _token_user(credentials.strip(), fresh)
        request._sensor_token = True
    elif scheme.lower() == "basic" and credentials:
        try:
            username, _, password = (
                base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Unauthorized("malformed Basic credentials") from error
        if password.startswith("sta_"):
            user, request._sensor_cached = _token_user(password, fresh)
        else:
            user = authenticate(request, username=username, password=password)
        if user is None:
            raise Unauthorized("wrong user name or password")
        request._sensor_token = True
    request._sensor_user = user
    return user


# Devices send their token with every request: a found token is kept in this process for
# TOKEN_CACHE_SECONDS, so that reading a page costs no extra query. Revoking drops it here at
# once (post_save below); other app server processes notice within that time.
TOKEN_CACHE_SECONDS = 30.0
_tokens: dict[str, tuple[float, m.AccessToken]] = {}
_tokens_lock = threading.Lock()


def _token_user(secret: str, fresh: bool = False):
    """The token's user, and whether it came from this process's cache."""
    digest = m.token_digest(secret)
    now = time.monotonic()
    with _tokens_lock:
        cached = None if fresh else _tokens.get(digest)
    if cached is not None and cached[0] > now:
        token = cached[1]
    else:
        token = m.AccessToken.find(secret)
        if token is None or not token.user.is_active:
            with _tokens_lock:
                _tokens.pop(digest, None)
            raise Unauthorized("unknown or revoked token")
        with _tokens_lock:
            if len(_tokens) > 10_000:
                _tokens.clear()
            _tokens[digest] = (now + TOKEN_CACHE_SECONDS, token)
    if token.last_used is None or (timezone.now() - token.last_used).total_seconds() > 60:
        token.last_used = timezone.now()
        m.AccessToken.objects.filter(pk=token.pk).update(last_used=token.last_used)
    return token.user, cached is not None and cached[0] > now


@receiver(post_save, sender=m.AccessToken)
def _forget_token(sender, instance: m.AccessToken, **kwargs) -> None:
    with _tokens_lock:
        _tokens.pop(instance.digest, None)


def can_write(request: HttpRequest) -> bool:
    user = request_user(request, fresh=True)
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
