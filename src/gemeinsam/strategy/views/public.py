"""Public pages of the strategy: overview, measure, map, changelog and the value-compass
survey."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gemeinsam.core.forms import int_param
from gemeinsam.core.geo import map_settings
from gemeinsam.core.i18n import localized
from gemeinsam.strategy import changelog as changelog_entries
from gemeinsam.strategy import selectors
from gemeinsam.strategy.forms.public import SurveyForm
from gemeinsam.strategy.indicators import Status
from gemeinsam.strategy.models import (
    LINKABLE,
    AssessmentKind,
    CompassAssessment,
    CompassSurvey,
    HandbookPhase,
    Measure,
    Strategy,
    StrategyVersion,
    VersionState,
)
from gemeinsam.strategy.selectors import STATUS_LABELS
from gemeinsam.strategy.services.tracking import ProgressError, answer_survey


def _strategy(slug: str) -> Strategy:
    return get_object_or_404(Strategy, slug=slug)


def _version(request: HttpRequest, strategy: Strategy) -> StrategyVersion:
    """The published version, or the one `?version=N` names; drafts for staff only."""
    number = int_param(request, "version", minimum=1, strict=True)
    if number is not None:
        version = strategy.versions.filter(number=number).first()
    else:
        version = strategy.published_version
        if version is None and request.user.has_perm("strategy.manage_strategy"):
            version = strategy.draft
    if version is None or not request.user.has_perm("strategy.view_version", version):
        raise Http404(_("There is no such version."))
    version.strategy = strategy
    return version


def _version_query(request: HttpRequest, version: StrategyVersion) -> str:
    """`?version=N` for links that stay in a version the reader chose, else nothing."""
    return f"?version={version.number}" if request.GET.get("version") else ""


def _measure(version: StrategyVersion, key) -> Measure:
    return get_object_or_404(
        version.measures.select_related("lead_organisation").prefetch_related(
            "partners", "fields_of_action", "goals"
        ),
        key=key,
    )


def index(request: HttpRequest) -> HttpResponse:
    strategies = list(
        Strategy.objects.filter(versions__state=VersionState.PUBLISHED)
        .annotate(last_published=Max("versions__published_at"), last_number=Max("versions__number"))
        .order_by("name")
    )
    if len(strategies) == 1:
        return redirect("strategy:overview", strategies[0].slug)
    return render(request, "strategy/index.html", {"strategies": strategies})


def overview(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = _strategy(slug)
    version = _version(request, strategy)
    tree = selectors.overview(version)
    latest = strategy.published_version
    counts = [
        (status, STATUS_LABELS[status], tree.status_counts.get(status.value, 0))
        for status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)
    ]
    return render(
        request,
        "strategy/overview.html",
        {
            "strategy": strategy,
            "version": version,
            "overview": tree,
            "status_counts": counts,
            "indicator_total": sum(count for _status, _label, count in counts),
            "latest": latest,
            "is_latest": latest is not None and latest.pk == version.pk,
            "version_query": _version_query(request, version),
        },
    )


def _process_entry(request: HttpRequest, linked: selectors.LinkedProcess) -> dict | None:
    """Title and address of a linked process, or None if the reader may not see it."""
    target = linked.target
    if linked.kind == "participation.process":
        if not request.user.has_perm("participation.view_process", target):
            return None
        url, item = reverse("participation:process", args=[target.slug]), target
    elif linked.kind == "budgeting.budgetingprocess":
        if not request.user.has_perm("participation.view_process", target.process):
            return None
        url, item = reverse("budgeting:process", args=[target.process.slug]), target.process
    else:
        if not request.user.has_perm("sortition.view_transparency", target):
            return None
        url, item = target.get_absolute_url(), target
    return {"kind": LINKABLE.get(linked.kind, linked.kind), "url": url, "item": item}


def _phases(measure: Measure, checklist: dict) -> list[dict]:
    """The handbook's six phases as a stepper: done, current or ahead, each with its steps."""
    phases = list(HandbookPhase)
    current = phases.index(HandbookPhase(measure.phase))
    return [
        {
            "value": phase.value,
            "label": phase.label,
            "number": index + 1,
            "state": "done" if index < current else "current" if index == current else "ahead",
            "steps": checklist.get(phase.value, []),
            "done": sum(1 for item in checklist.get(phase.value, []) if item.done),
        }
        for index, phase in enumerate(phases)
    ]


def _compass(page: selectors.MeasurePage) -> dict:
    """The value compass's numbers by value, for the table beside the radar and the history."""
    compass = page.compass
    team, public = compass.team, compass.public
    rows = [
        {
            "value": value,
            "team": team.means.get(value.key) if team else None,
            "justification": team.justifications.get(value.key, "") if team else "",
            "public": public.means.get(value.key) if public else None,
        }
        for value in compass.values
    ]
    history = [
        {
            "round": compass_round,
            "kind": AssessmentKind(compass_round.kind).label,
            "scores": [compass_round.means.get(value.key) for value in compass.values],
        }
        for compass_round in reversed(compass.history)
    ]
    series = []
    if compass.radar:
        kinds = [kind for kind, rounds in (("team", team), ("public", public)) if rounds]
        for kind, (_name, points) in zip(kinds, compass.radar.series, strict=True):
            rounds = team if kind == "team" else public
            vertices = [tuple(float(n) for n in p.split(",")) for p in points.split()]
            series.append({"kind": kind, "points": points, "round": rounds, "vertices": vertices})
    return {"rows": rows, "history": history, "series": series, "viewbox": _radar_box(compass)}


def _radar_box(compass: selectors.CompassView) -> str:
    """A view box wide enough for the labels beside the radar (about 8 units a letter)."""
    if compass.radar is None:
        return ""
    size = compass.radar.size
    side = [len(axis.label) for axis in compass.radar.axes if axis.anchor != "middle"]
    pad = min(220, max(24, 8 * max(side, default=0)))
    return f"{-pad} -12 {size + 2 * pad} {size + 24}"


def measure(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy = _strategy(slug)
    version = _version(request, strategy)
    item = _measure(version, key)
    page = selectors.measure_page(item)
    processes = [entry for linked in page.processes if (entry := _process_entry(request, linked))]
    geojson = _geojson(request, strategy, [item]) if item.has_location else None
    return render(
        request,
        "strategy/measure.html",
        {
            "strategy": strategy,
            "version": version,
            "measure": item,
            "page": page,
            "phases": _phases(item, page.checklist),
            "compass": _compass(page),
            "processes": processes,
            "geojson": geojson,
            "map": map_settings(),
            "version_query": _version_query(request, version),
        },
    )


def _survey_context(strategy: Strategy, key) -> tuple[StrategyVersion, Measure]:
    version = strategy.published_version
    if version is None:
        raise Http404(_("This strategy is not published."))
    version.strategy = strategy
    return version, _measure(version, key)


def survey(request: HttpRequest, slug: str, key) -> HttpResponse:
    strategy = _strategy(slug)
    version, item = _survey_context(strategy, key)
    open_survey = selectors.open_survey_for(item.key)
    context = {"strategy": strategy, "version": version, "measure": item}
    if open_survey is None:
        if not CompassSurvey.objects.filter(measure_key=item.key).exists():
            raise Http404(_("There is no survey on this measure."))
        return render(request, "strategy/survey_closed.html", context)
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    values = list(version.values.all())
    labels = [localized(value, "name") for value in values]
    earlier = None
    if request.user.is_authenticated:
        earlier = (
            CompassAssessment.objects.filter(survey=open_survey, author=request.user)
            .prefetch_related("ratings")
            .first()
        )
    if request.method == "POST":
        if not request.user.has_perm("strategy.answer_survey"):
            raise PermissionDenied
        form = SurveyForm(request.POST, values=values, labels=labels)
        if form.is_valid():
            try:
                answer_survey(open_survey, request.user, form.ratings())
            except ProgressError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Thank you! Your answer has replaced your earlier one.")
                    if earlier
                    else _("Thank you! Your answer has been saved."),
                )
                return redirect(
                    reverse("strategy:measure", args=[strategy.slug, item.key]) + "#compass"
                )
    else:
        initial = SurveyForm.initial_from(earlier.ratings.all()) if earlier else None
        form = SurveyForm(initial=initial, values=values, labels=labels)
    return render(
        request,
        "strategy/survey.html",
        {**context, "survey": open_survey, "form": form, "earlier": earlier},
    )


def _geojson(request: HttpRequest, strategy: Strategy, measures: list[Measure]) -> dict:
    """Located measures as a GeoJSON FeatureCollection (coordinates: longitude, latitude)."""
    query = _version_query(request, measures[0].version) if measures else ""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [m.longitude, m.latitude]},
                "properties": {
                    "key": str(m.key),
                    "title": localized(m, "title"),
                    "place": m.location_name,
                    "status": m.status,
                    "status_label": str(m.get_status_display()),
                    "type_label": str(m.get_type_display()),
                    "url": reverse("strategy:measure", args=[strategy.slug, m.key]) + query,
                },
            }
            for m in measures
            if m.has_location
        ],
    }


def _located(version: StrategyVersion) -> list[Measure]:
    return list(version.measures.filter(longitude__isnull=False, latitude__isnull=False))


def measure_map(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = _strategy(slug)
    version = _version(request, strategy)
    located = _located(version)
    total = version.measures.count()
    query = _version_query(request, version)
    return render(
        request,
        "strategy/map.html",
        {
            "strategy": strategy,
            "version": version,
            "measures": located,
            "total": total,
            "geojson_url": reverse("strategy:map_data", args=[strategy.slug]) + query,
            "map": map_settings(),
            "version_query": query,
        },
    )


def map_data(request: HttpRequest, slug: str) -> JsonResponse:
    strategy = _strategy(slug)
    version = _version(request, strategy)
    for item in (located := _located(version)):
        item.version = version
    return JsonResponse(_geojson(request, strategy, located), content_type="application/geo+json")


def changelog(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = _strategy(slug)
    versions = list(
        strategy.versions.filter(state=VersionState.PUBLISHED)
        .select_related("strategy")
        .order_by("number")
    )
    if not versions:
        raise Http404(_("This strategy is not published."))
    return render(
        request,
        "strategy/changelog.html",
        {"strategy": strategy, "entries": changelog_entries.entries(versions)},
    )
