"""The success-control report (HTML and PDF) and the CSV/JSON exports of a strategy version."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gemeinsam.core.forms import BadParameter, int_param
from gemeinsam.core.i18n import localized
from gemeinsam.core.responses import attachment
from gemeinsam.strategy.exports import open_data
from gemeinsam.strategy.exports.report_pdf import render_pdf
from gemeinsam.strategy.models import Strategy, StrategyVersion
from gemeinsam.strategy.report import (
    ReportUnavailable,
    build_report,
    published_versions,
    report_years,
)

EXPORT_LABELS = {
    "measures": gettext_lazy("Measures"),
    "indicators": gettext_lazy("Indicators with their latest status"),
    "measurements": gettext_lazy("Measurements"),
    "compass": gettext_lazy("Value-compass ratings (team, and public means per survey)"),
    "changelog": gettext_lazy("Changelog"),
}


def _version(request: HttpRequest, strategy: Strategy, number: int | None) -> StrategyVersion:
    """The version asked for (the published one by default), if the user may see it; drafts
    are for staff only and 404 for everybody else."""
    if number is None:
        version = strategy.published_version
    else:
        version = strategy.versions.filter(number=number).first()
    if version is None or not request.user.has_perm("strategy.view_version", version):
        raise Http404(_("There is no such version of this strategy."))
    return version


MAX_NUMBER = 999_999  # a year or a version number


def report_index(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    versions = published_versions(strategy)
    today = timezone.localdate()
    rows = [(version, report_years(version, today=today)) for version in versions]
    return render(
        request,
        "strategy/report_index.html",
        {
            "strategy": strategy,
            "name": localized(strategy, "name"),
            "rows": rows,
            "export_kinds": [(kind, EXPORT_LABELS[kind]) for kind in open_data.KINDS],
        },
    )


def _report(request: HttpRequest, slug: str, number: int):
    strategy = get_object_or_404(Strategy, slug=slug)
    version = _version(request, strategy, number)
    year = int_param(request, "year", maximum=MAX_NUMBER, strict=True)
    if year is None:
        year = report_years(version)[0]
    try:
        return build_report(version, year)
    except ReportUnavailable as error:
        raise Http404(str(error)) from error


def report(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    try:
        built = _report(request, slug, number)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    return render(request, "strategy/report.html", {"report": built})


def report_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    try:
        built = _report(request, slug, number)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    filename = f"{slug}-v{built.version.number}-{built.year}.pdf"
    return attachment(render_pdf(built), "application/pdf", filename)


def export(request: HttpRequest, slug: str, kind: str, fmt: str) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    if kind not in open_data.KINDS or fmt not in open_data.FORMATS:
        raise Http404(_("There is no such export."))
    try:
        number = int_param(request, "version", maximum=MAX_NUMBER, strict=True)
    except BadParameter as error:
        return HttpResponseBadRequest(str(error))
    version = _version(request, strategy, number)
    content, content_type, filename = open_data.export(version, kind, fmt)
    return attachment(content, content_type, filename)
