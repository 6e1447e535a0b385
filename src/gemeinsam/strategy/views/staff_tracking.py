"""The staff pages for what is tracked about a measure of the published version:
measurements (typed, imported from CSV or fetched), the team's value-compass assessment,
public surveys, the handbook checklist and links to processes.

These rows are not versioned (strategy.models.tracking), so they are kept on the published
version's measures; a form with errors is shown again on the measure's page.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core.forms import form_data, form_files, submitted
from gemeinsam.core.i18n import localized
from gemeinsam.strategy import selectors, sources
from gemeinsam.strategy.forms.staff import (
    CompassForm,
    CsvImportForm,
    LinkForm,
    MeasurementForm,
    SurveyForm,
)
from gemeinsam.strategy.models import HandbookPhase, Indicator, Measure, MeasureLink, Strategy
from gemeinsam.strategy.services import imports, tracking
from gemeinsam.strategy.services.tracking import ProgressError
from gemeinsam.strategy.views.staff import staff_only


def _measure(slug: str, key) -> tuple[Strategy, Measure]:
    strategy = get_object_or_404(Strategy, slug=slug)
    published = strategy.published_version
    if published is None:
        raise Http404
    measure = get_object_or_404(
        Measure.objects.select_related("version"), version=published, key=key
    )
    return strategy, measure


def _indicator(measure: Measure, key) -> Indicator:
    return get_object_or_404(Indicator.objects.select_related("version"), measure=measure, key=key)


def _back(strategy: Strategy, measure: Measure, anchor: str = "") -> HttpResponse:
    url = reverse("strategy_staff:measure", args=[strategy.slug, measure.key])
    return redirect(f"{url}#{anchor}" if anchor else url)


@dataclass
class IndicatorRow:
    view: selectors.IndicatorView
    form: MeasurementForm
    pulls: bool  # its values can be fetched ("sync now")

    @property
    def rule(self) -> str:
        return selectors.rule_in_words(self.view.assessment)


def _compass_form(
    measure: Measure, data=None, history: list[selectors.CompassRound] | None = None
) -> CompassForm:
    values = list(measure.version.values.all())
    labels = [localized(value, "name") for value in values]
    if history is None:
        history = selectors.compass_history(measure.key)
    latest = selectors.latest_rounds(history).get("team")
    initial = {}
    if latest is not None:
        for value in values:
            if value.key in latest.means:
                initial[f"score_{value.key}"] = int(latest.means[value.key])
                initial[f"justification_{value.key}"] = latest.justifications.get(value.key, "")
    return CompassForm(data, values=values, labels=labels, initial=initial)


def _measure_page(
    request: HttpRequest,
    strategy: Strategy,
    measure: Measure,
    *,
    measurement_forms: dict | None = None,
    compass_form: CompassForm | None = None,
    survey_form: SurveyForm | None = None,
    link_form: LinkForm | None = None,
) -> HttpResponse:
    views = selectors.indicator_views(list(measure.indicators.all()))
    measurement_forms = measurement_forms or {}
    indicators = [
        IndicatorRow(
            view,
            measurement_forms.get(view.indicator.key)
            or MeasurementForm(prefix=f"m-{view.indicator.key}"),
            sources.source_for(view.indicator.source).pulls,
        )
        for view in views
    ]
    phases = dict(HandbookPhase.choices)
    checklist = [
        (phases[phase], [(item, localized(item.step, "title")) for item in items])
        for phase, items in selectors.checklist(measure).items()
        if items
    ]
    history = selectors.compass_history(measure.key)
    return render(
        request,
        "strategy/staff/measure.html",
        {
            "strategy": strategy,
            "measure": measure,
            "title": localized(measure, "title"),
            "indicators": indicators,
            "compass_form": compass_form or _compass_form(measure, history=history),
            "history": [r for r in history if r.kind == "team"],
            "survey_form": survey_form or SurveyForm(),
            "surveys": selectors.surveys_with_answers(measure.key),
            "checklist": checklist,
            "links": selectors.linked_processes(measure.key),
            "link_form": link_form or LinkForm(),
            "events": selectors.measure_events(measure),
        },
    )


@staff_only
def measure(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    return _measure_page(request, strategy, measure)


# Measurements ----------------------------------------------------------------------------


@require_POST
@staff_only
def measurement_add(request: HttpRequest, slug: str, key, indicator_key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    indicator = _indicator(measure, indicator_key)
    form = MeasurementForm(request.POST, prefix=f"m-{indicator.key}")
    recorded = submitted(
        request,
        form,
        lambda data: tracking.record_measurement(
            indicator, data["date"], data["value"], user=request.user, note=data["note"]
        ),
        refusals=(ProgressError,),
    )
    if recorded is not None:
        _measurement, created = recorded
        if created:
            messages.success(request, _("The measurement has been saved."))
        else:
            messages.success(
                request, _("The measurement of that date has been replaced by the new value.")
            )
        return _back(strategy, measure, f"indicator-{indicator.key}")
    return _measure_page(request, strategy, measure, measurement_forms={indicator.key: form})


@require_POST
@staff_only
def measurement_delete(
    request: HttpRequest, slug: str, key, indicator_key, day: str
) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    indicator = _indicator(measure, indicator_key)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    if tracking.delete_measurement(indicator, when, user=request.user):
        messages.success(request, _("The measurement has been deleted."))
    else:
        messages.error(request, _("There was no measurement of that date."))
    return _back(strategy, measure, f"indicator-{indicator.key}")


@require_POST
@staff_only
def indicator_sync(request: HttpRequest, slug: str, key, indicator_key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    indicator = _indicator(measure, indicator_key)
    try:
        result = tracking.sync_indicator(indicator, user=request.user)
    except (sources.SourceError, ProgressError) as error:
        messages.error(request, str(error))
    else:
        if not sources.source_for(indicator.source).pulls:
            messages.info(
                request, _("This indicator's values are entered or imported; nothing to fetch.")
            )
        else:
            messages.success(
                request,
                _("%(fetched)s values fetched: %(created)s new, %(updated)s updated.")
                % {
                    "fetched": result.fetched,
                    "created": result.created,
                    "updated": result.updated,
                },
            )
    return _back(strategy, measure, f"indicator-{indicator.key}")


@staff_only
def measurements_import(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    form = CsvImportForm(form_data(request), form_files(request))
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.import_measurements(
                strategy, upload.read(), filename=upload.name, user=request.user
            )
        except imports.ImportFailed as failure:
            report = failure.report
        else:
            messages.success(
                request,
                _(
                    "%(file)s: %(rows)s rows imported, %(created)s new measurements, "
                    "%(updated)s replaced."
                )
                % {
                    "file": report.filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                },
            )
            return redirect("strategy_staff:import", strategy.slug)
    return render(
        request,
        "strategy/staff/import.html",
        {"strategy": strategy, "form": form, "report": report},
        status=400 if report is not None and report.errors else 200,
    )


# Compass, survey, checklist, links ---------------------------------------------------------


@require_POST
@staff_only
def compass(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    form = _compass_form(measure, request.POST)
    assessment = submitted(
        request,
        form,
        lambda data: tracking.assess_measure(measure, form.ratings(), user=request.user),
        refusals=(ProgressError,),
    )
    if assessment is not None:
        messages.success(request, _("The team's assessment has been saved."))
        return _back(strategy, measure, "compass")
    return _measure_page(request, strategy, measure, compass_form=form)


@require_POST
@staff_only
def survey_open(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    form = SurveyForm(request.POST)
    survey = submitted(
        request,
        form,
        lambda data: tracking.open_survey(
            measure, opens_at=data["opens_at"], closes_at=data["closes_at"], user=request.user
        ),
        refusals=(ProgressError,),
    )
    if survey is not None:
        messages.success(request, _("The survey has been scheduled."))
        return _back(strategy, measure, "survey")
    return _measure_page(request, strategy, measure, survey_form=form)


@require_POST
@staff_only
def checklist(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy, measure = _measure(slug, key)

    def ids(name: str) -> set[int]:
        return {int(v) for v in request.POST.getlist(name) if v.isdigit()}

    tracking.save_checklist(measure, ids("shown"), ids("done"), user=request.user)
    messages.success(request, _("The checklist has been saved."))
    return _back(strategy, measure, "checklist")


@require_POST
@staff_only
def link_add(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    form = LinkForm(request.POST)
    link = submitted(
        request,
        form,
        lambda data: tracking.link_process(measure, form.target_object(), user=request.user),
        refusals=(ProgressError,),
    )
    if link is not None:
        messages.success(request, _("The link has been added."))
        return _back(strategy, measure, "links")
    return _measure_page(request, strategy, measure, link_form=form)


@require_POST
@staff_only
def link_remove(request: HttpRequest, slug: str, key, pk: int) -> HttpResponse:
    strategy, measure = _measure(slug, key)
    link = get_object_or_404(MeasureLink, pk=pk, measure_key=measure.key)
    tracking.unlink_process(measure, link, user=request.user)
    messages.success(request, _("The link has been removed."))
    return _back(strategy, measure, "links")
