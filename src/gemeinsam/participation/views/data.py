"""Map, filters and open data of a process's ideas: the map page, GeoJSON and CSV; the
files themselves are built in participation.exports."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from gemeinsam.core.models import District
from gemeinsam.core.responses import attachment
from gemeinsam.participation import exports, selectors, visitor_cache
from gemeinsam.participation.forms.public import IdeaFilterForm
from gemeinsam.participation.models import Process

GEOJSON = "application/geo+json"


def _criteria(filters: IdeaFilterForm) -> dict:
    filters.is_valid()  # an invalid field is left out; the valid ones still filter
    return {key: value for key, value in filters.cleaned_data.items() if value}


def idea_criteria(request: HttpRequest) -> dict:
    """The keyword arguments of selectors.filtered_ideas that the query string asks for."""
    return _criteria(IdeaFilterForm(request.GET))


def filter_context(request: HttpRequest, process: Process) -> dict:
    """The filter form, the criteria it yields and the choices it offers."""
    filters = IdeaFilterForm(request.GET)
    criteria = _criteria(filters)
    districts = list(process.districts.values_list("slug", "name"))
    if not districts:
        districts = list(District.objects.order_by("name").values_list("slug", "name"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filters": filters,
        "criteria": criteria,
        "categories": list(process.categories.all()),
        "filter_districts": districts,
        "filtered": any(key in criteria for key in ("q", "category", "district", "status")),
        "query": request.GET.copy(),
        "filter_query": query.urlencode(),
    }


def idea_map(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    context = filter_context(request, process)
    ideas = selectors.filtered_ideas(process, **context["criteria"])
    geojson_url = reverse("participation:ideas_geojson", args=[process.slug])
    if context["filter_query"]:
        geojson_url += "?" + context["filter_query"]
    return render(
        request,
        "participation/map.html",
        {
            **context,
            "process": process,
            "count": ideas.count(),
            "placed": ideas.filter(longitude__isnull=False).count(),
            "geojson_url": geojson_url,
            "map": selectors.map_context(process, outline=True),
        },
    )


def _idea_url(request: HttpRequest, process: Process, *, absolute: bool = False) -> str:
    """A format string for idea addresses: reversed once, not once per idea."""
    url = reverse("participation:idea", args=[process.slug, 987654321])
    if absolute:
        url = request.build_absolute_uri(url)
    return url.replace("987654321", "{}")


def ideas_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    """Placed ideas as GeoJSON for the map; with ?download=1 the full open-data export."""
    return visitor_cache.serve(request, slug, lambda: _ideas_geojson(request, slug))


def _ideas_geojson(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    ideas = selectors.filtered_ideas(process, **idea_criteria(request))
    if request.GET.get("download") == "1":
        url = _idea_url(request, process, absolute=True)
        body = exports.ideas_geojson(process, ideas, url)
        return attachment(body, GEOJSON, f"{process.slug}-ideas.geojson")
    body = exports.map_geojson(ideas, _idea_url(request, process))
    return visitor_cache.mark(HttpResponse(body, content_type=GEOJSON), process)


def ideas_csv(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    ideas = selectors.filtered_ideas(process, **idea_criteria(request))
    body = exports.ideas_csv(ideas, _idea_url(request, process, absolute=True))
    return attachment(body, "text/csv; charset=utf-8", f"{process.slug}-ideas.csv")
