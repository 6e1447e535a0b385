"""Template context shared by every page."""

from django.conf import settings

from gemeinsam.core.roles import role_of


def site(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "languages": settings.LANGUAGES,
        "current_role": role_of(user) if user is not None else None,
    }
