"""Uploaded files (idea pictures, process images) served by the app itself.

Enough for a district's laptop or a small city server; a reverse proxy may serve /media/
instead (then set SERVE_MEDIA=false). Only picture types are answered, so an upload can
never come back as a page or a script.
"""

import posixpath
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.static import serve

from gemeinsam.core import hooks

# Extension → the content type the file is sent with; anything else is not served.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    normalised = posixpath.normpath(path)
    if normalised.startswith(("..", "/")) or "\\" in path or "\x00" in path:
        raise Http404
    content_type = CONTENT_TYPES.get(PurePosixPath(normalised).suffix.lower())
    if content_type is None:
        raise Http404
    # Apps register who may see a folder's files (core.hooks), so that a private process's
    # pictures are not served to anyone who learns their address.
    guard = hooks.media_guard(normalised)
    if guard is not None and not guard(request, normalised):
        raise Http404  # as for a missing file: the address tells outsiders nothing
    try:
        response = serve(request, normalised, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation:
        raise Http404 from None
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
