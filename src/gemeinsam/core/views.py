"""Pages of core: home, profile, data download, account deletion, language switch, health."""

import json
import logging
import sys

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from gemeinsam.core import audit, services
from gemeinsam.core.decorators import permission_required
from gemeinsam.core.forms import DeleteAccountForm, LanguageForm, ProfileForm
from gemeinsam.core.middleware import database_down, unavailable
from gemeinsam.core.models import District
from gemeinsam.core.responses import attachment

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    # Later apps contribute their running processes here (see active_processes()).
    from gemeinsam.core.hooks import active_processes

    return render(
        request,
        "core/home.html",
        {
            "processes": active_processes(request),
            "districts": District.objects.only("name", "slug"),
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(
            request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, _("Your profile has been saved."))
        response = redirect("core:profile")
        if "language" in form.changed_data:
            _set_language_cookie(response, request.user.language)
        return response
    return render(request, "core/profile.html", {"form": form})


@login_required
@require_GET
@never_cache
def download_data(request: HttpRequest) -> HttpResponse:
    data = services.export_user_data(request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    stamp = timezone.localdate().isoformat()
    return attachment(body, "application/json; charset=utf-8", f"gemeinsam-my-data-{stamp}.json")


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(request.user)
        except services.LastAdminError:
            form.add_error(
                None,
                _(
                    "You are the last administrator. Appoint another "
                    "administrator before deleting your account."
                ),
            )
        else:
            logout(request)
            messages.success(request, _("Your account and your personal data have been deleted."))
            return redirect("core:home")
    return render(request, "core/delete_account.html", {"form": form})


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=False,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
    )


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language; CSRF-checked only for accounts, whose profile it changes.

    Visitors' pages carry no CSRF token, so that they can be cached for everyone alike
    (participation/visitor_cache.py); a forged switch of a visitor's language cookie
    harms nobody.
    """
    if request.user.is_authenticated:
        return _set_language_checked(request)
    return _set_language(request)


@csrf_protect
def _set_language_checked(request: HttpRequest) -> HttpResponse:
    return _set_language(request)


def _set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if not form.is_valid():
        return HttpResponse(_("Unknown language."), status=400)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated and request.user.language != language:
        services.update_profile(request.user, language=language)
    response = redirect(target)
    _set_language_cookie(response, language)
    translation.activate(language)
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page; under /api/ the API's JSON answer, which clients can parse."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found, or not visible to you.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except for an unreachable database, which is a 503 (raised in a
    middleware, where DatabaseUnavailableMiddleware cannot catch it)."""
    error = sys.exc_info()[1]
    if error is not None and database_down(error):
        return unavailable(request, error)
    return defaults.server_error(request)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        # Host, port and database name stay in the log: the probe is public.
        logger.exception("Health check: the database is unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


AUDIT_EVENTS_PER_PAGE = 100


@permission_required("core.view_audit_log", no_store=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every audit event, newest first, optionally of one app."""
    apps = [
        (c.label, c.verbose_name)
        for c in django_apps.get_app_configs()
        if c.name.startswith("gemeinsam.")
    ]
    app = request.GET.get("app", "")
    if app not in {label for label, _name in apps}:
        app = ""
    page = Paginator(audit.events(app=app).prefetch_related("target"), AUDIT_EVENTS_PER_PAGE)
    return render(
        request,
        "core/audit_log.html",
        {"page": page.get_page(request.GET.get("page")), "apps": apps, "app": app},
    )
