"""Who sends a request to the urban data hub: a device token, HTTP Basic, or the session.

Devices send `Authorization: Bearer sta_...`, or HTTP Basic with the token as password (what
most SensorThings clients offer); people may also send their password by HTTP Basic or use
their session. What each of them may do is decided in predicates.py.
"""

import base64
import binascii
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from . import models as m

RATE_APP, RATE_ACTION = "allauth.account", "login_failed"  # the web login's limit


class Unauthorized(Exception):
    """Credentials were given and are wrong: 401, not silently anonymous."""


class Throttled(Exception):
    """Too many failed password attempts for this account or from this address: 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            ngettext(
                "Too many failed logins for this account or from this address; "
                "try again in %(seconds)d second.",
                "Too many failed logins for this account or from this address; "
                "try again in %(seconds)d seconds.",
                retry_after,
            )
            % {"seconds": retry_after}
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Credentials:
    """What a request said about who sends it."""

    user: Any  # a User, AnonymousUser or None
    token: bool = False  # a device token: it is issued for writing, its holder need not be staff
    header: bool = False  # sent in the Authorization header, not by a session cookie
    cached: bool = False  # the token was found in this process's cache, not in the database


def credentials(request: HttpRequest, *, fresh: bool = False) -> Credentials:
    """The request's credentials, read once and kept on the request.

    `fresh` (for writes) checks a token in the database even if this process knows it, so
    that a revoked token cannot write even for the seconds the cache keeps it. A batch's
    sub-requests are copies of the batch request and so inherit what was read here.
    """
    found = getattr(request, "_sensor_credentials", None)
    if found is None or (fresh and found.cached):
        found = _read(request, fresh)
        request._sensor_credentials = found
    return found


def request_user(request: HttpRequest, *, fresh: bool = False):
    """The user behind a request: token, HTTP Basic or the session."""
    return credentials(request, fresh=fresh).user


def _read(request: HttpRequest, fresh: bool) -> Credentials:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() == "bearer" and secret:
        user, cached = _token_user(secret, fresh)
        return Credentials(user, token=True, header=True, cached=cached)
    if scheme.lower() == "basic" and secret:
        try:
            username, _, password = base64.b64decode(secret).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Unauthorized("malformed Basic credentials") from error
        if password.startswith("sta_"):
            user, cached = _token_user(password, fresh)
            return Credentials(user, token=True, header=True, cached=cached)
        user = _password_user(request, username, password)
        return Credentials(user, header=True)  # a person: as by session, but without CSRF
    return Credentials(request.user if getattr(request, "user", None) else None)


def _password_user(request: HttpRequest, email: str, password: str):
    """A person's password, throttled as the web login throttles it: allauth's `login_failed`
    limit (LOGIN_FAILED_RATE) under the same keys, the client's IP and the site with the
    e-mail address, so a lock on either side holds on both.

    As allauth's login does, an attempt is counted before the password is checked (so a
    locked account refuses the right password too) and taken back when it was right.
    """
    key = get_adapter(request)._get_login_attempts_cache_key(request, email=email)
    # allauth's public consume() never limits GET; API clients read with GET.
    usage = ratelimit.consume(request, app=RATE_APP, action=RATE_ACTION, key=key, limit_get=True)
    if usage is None:
        raise Throttled(_retry_after(request, key))
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise Unauthorized("wrong user name or password")
    usage.rollback()
    return user


def _retry_after(request: HttpRequest, key: str) -> int:
    """Seconds until the first limit that refuses an attempt lets one through again."""
    now, waits = time.time(), []
    for rate in ratelimit.get_rates(app=RATE_APP, action=RATE_ACTION):
        cache_key = ratelimit.get_cache_key(
            request, app=RATE_APP, action=RATE_ACTION, rate=rate, key=key
        )
        recent = [moment for moment in cache.get(cache_key, []) if moment > now - rate.duration]
        if len(recent) >= rate.amount:
            waits.append(recent[rate.amount - 1] + rate.duration - now)
    return max(1, math.ceil(max(waits, default=60)))


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
