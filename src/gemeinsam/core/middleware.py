"""Language selection: German first, whatever the browser asks for; and 503 while the
database is unreachable.

The order is the language cookie (set by the switch), then the signed-in user's saved
language, then German. Accept-Language is ignored on purpose: the strategy's platform
speaks German to everyone unless they choose otherwise.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for(request) -> str:
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in SUPPORTED:
        return cookie
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in SUPPORTED:
        return user.language
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response


class DatabaseUnavailableMiddleware:
    """An unreachable database answers 503 with Retry-After, not a 500 (see `unavailable`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_down(exception):
            return unavailable(request, exception)
        return None


# What a lost or refused connection raises; other database errors stay 500s.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down(exception: BaseException) -> bool:
    """Whether an exception came from an unreachable database: raised by it (also wrapped,
    e.g. by a serialiser reading a lazy query), or raised while it does not answer."""
    seen: BaseException | None = exception
    while seen is not None:
        if isinstance(seen, DATABASE_DOWN):
            return True
        seen = seen.__cause__ or seen.__context__
    if isinstance(exception, (Http404, PermissionDenied, BadRequest, SuspiciousOperation)):
        return False  # Django's own answers; no need to ask the database
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_DOWN:
        return True
    except DatabaseError:
        return False  # e.g. an aborted transaction: the database answers
    return False


def unavailable(request, exception: BaseException) -> HttpResponse:
    """503 while the database is unreachable: JSON under /api/ and /sta/, else a plain page
    that reads nothing from the database; details only in the log."""
    logger.warning("Database unavailable, answered 503 to %s: %s", request.path, exception)
    message = _("The site cannot reach its database at the moment. Please try again shortly.")
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE
    with translation.override(language):
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": str(message)}, status=503)
        elif request.path.startswith("/sta/"):
            body = {"code": 503, "type": "error", "message": str(message)}
            response = JsonResponse(body, status=503)
        else:
            context = {"language": language, "site_name": settings.SITE_NAME}
            page = render_to_string("core/unavailable.html", context)
            response = HttpResponse(page, status=503)
    response["Retry-After"] = str(settings.DATABASE_RETRY_MAX_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
