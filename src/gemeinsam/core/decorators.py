"""View decorators shared by the apps' staff pages."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from gemeinsam.core.predicates import require


def permission_required(perm: str, *, no_store: bool = False) -> Callable:
    """Signed-in users with `perm` (a django-rules permission without an object); others
    are sent to the login page, or get 403 when signed in. `no_store` keeps the response
    out of every cache, for pages with personal data."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            require(request.user, perm)
            response = view(request, *args, **kwargs)
            if no_store:
                response["Cache-Control"] = "no-store"
            return response

        return wrapped

    return decorator
