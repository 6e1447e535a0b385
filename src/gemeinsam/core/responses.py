"""Responses that the apps' pages share: files to download."""

from django.http import HttpResponse


def attachment(body: str | bytes, content_type: str, filename: str) -> HttpResponse:
    """A file that the browser saves as `filename` instead of showing it."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_attachment(body: str, filename: str) -> HttpResponse:
    """A CSV download; the byte order mark makes spreadsheet programs read it as UTF-8."""
    return attachment("\ufeff" + body, "text/csv; charset=utf-8", filename)
