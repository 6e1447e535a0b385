"""Map, filters and open data of a process's ideas: map page, GeoJSON, CSV.

The map's GeoJSON is built from plain rows (values_list, json), never model objects, so
that ten thousand ideas stay fast. Exports carry no personal data: no authors, no e-mails.
"""

import csv
import json
import threading
from io import StringIO

import shapely
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gemeinsam.core.geo import map_settings
from gemeinsam.core.models import District
from gemeinsam.lib.geo import area_from_geojson
from gemeinsam.lib.spreadsheet import spreadsheet_safe
from gemeinsam.participation import selectors, visitor_cache
from gemeinsam.participation.forms import IdeaFilterForm
from gemeinsam.participation.models import IdeaStatus, Process

# About 10 m: enough for an outline on a city map, a fraction of the original size.
OUTLINE_TOLERANCE = 0.0001
EXPORT_LICENCE = "CC BY 4.0"


def _process(request: HttpRequest, slug: str) -> Process:
    return get_object_or_404(selectors.visible_processes(request.user), slug=slug)


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


_outline_lock = threading.Lock()
_outlines: dict[tuple, dict] = {}


def district_outline(process: Process) -> dict | None:
    """The process's districts as simplified GeoJSON, cached per district version."""
    versions = tuple(process.districts.order_by("pk").values_list("pk", "updated_at"))
    if not versions:
        return None
    with _outline_lock:
        cached = _outlines.get(versions)
    if cached is not None:
        return cached
    features = []
    for name, geometry in process.districts.order_by("pk").values_list("name", "geometry"):
        simple = shapely.simplify(area_from_geojson(geometry), OUTLINE_TOLERANCE)
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(simple, indent=None)),
                "properties": {"name": name},
            }
        )
    outline = {"type": "FeatureCollection", "features": features}
    with _outline_lock:
        _outlines[versions] = outline
    return outline


def map_context(process: Process, *, outline: bool = False) -> dict:
    """What a map needs to start: tiles, attribution, centre, and the districts' outline."""
    return {**map_settings(), "outline": district_outline(process) if outline else None}


def idea_map(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(request, slug)
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
            "map": map_context(process, outline=True),
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
    process = _process(request, slug)
    ideas = selectors.filtered_ideas(process, **idea_criteria(request))
    if request.GET.get("download") == "1":
        return _export_geojson(request, process, ideas)
    prefix, suffix = _idea_url(request, process).split("{}")
    encode = json.JSONEncoder(ensure_ascii=False).encode
    # Each status's JSON fragment is encoded once; the title is the only free text per row.
    statuses = {
        value: f'"status":{encode(value)},"status_label":{encode(str(label))}'
        for value, label in IdeaStatus.choices
    }
    rows = (
        ideas.filter(longitude__isnull=False)
        .order_by()
        .values_list(
            "pk", "title", "longitude", "latitude", "status", "rating_up", "rating_down",
            "comment_count",
        )
    )  # fmt: skip
    # Formatted by hand rather than json.dumps over dicts: half the time for 10,000 ideas.
    # Numbers come from integer and float columns (NaN is excluded by the point constraint).
    features = ",".join(
        f'{{"type":"Feature","id":{pk},'
        f'"geometry":{{"type":"Point","coordinates":[{lon!r},{lat!r}]}},'
        f'"properties":{{"title":{encode(title)},{statuses[status]},"score":{up - down},'
        f'"comments":{comments},"url":{encode(f"{prefix}{pk}{suffix}")}}}}}'
        for pk, title, lon, lat, status, up, down, comments in rows
    )
    body = f'{{"type":"FeatureCollection","features":[{features}]}}'
    response = HttpResponse(body, content_type="application/geo+json")
    return visitor_cache.mark(response, process)


EXPORT_COLUMNS = [
    "id",
    "title",
    "description",
    "category",
    "district",
    "status",
    "statement",
    "rating_up",
    "rating_down",
    "comment_count",
    "longitude",
    "latitude",
    "created_at",
    "url",
]


def _export_rows(request: HttpRequest, process: Process, ideas):
    """One tuple per idea, in EXPORT_COLUMNS order; deliberately without the author."""
    url = _idea_url(request, process, absolute=True)
    rows = ideas.values_list(
        "pk",
        "title",
        "description",
        "category__name",
        "district__name",
        "status",
        "statement",
        "rating_up",
        "rating_down",
        "comment_count",
        "longitude",
        "latitude",
        "created_at",
    )
    for row in rows.iterator(chunk_size=2000):
        created = row[12].isoformat(timespec="seconds")
        yield (*row[:3], row[3] or "", row[4] or "", *row[5:12], created, url.format(row[0]))


def _filename(process: Process, extension: str) -> str:
    return f'attachment; filename="{process.slug}-ideas.{extension}"'


def ideas_csv(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(request, slug)
    ideas = selectors.filtered_ideas(process, **idea_criteria(request))
    buffer = StringIO()
    buffer.write("\ufeff")  # the byte order mark makes spreadsheet programs read UTF-8
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in _export_rows(request, process, ideas):
        writer.writerow([spreadsheet_safe(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(process, "csv")
    return response


def _export_geojson(request: HttpRequest, process: Process, ideas) -> HttpResponse:
    features = []
    for row in _export_rows(request, process, ideas):
        properties = dict(zip(EXPORT_COLUMNS, row, strict=True))
        lon, lat = properties.pop("longitude"), properties.pop("latitude")
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                # RFC 7946 allows ideas without a place as features without geometry.
                "geometry": {"type": "Point", "coordinates": [lon, lat]}
                if lon is not None
                else None,
                "properties": properties,
            }
        )
    body = {
        "type": "FeatureCollection",
        "name": process.slug,
        "licence": EXPORT_LICENCE,
        "attribution": _("Participants of “%(process)s”, %(site)s")
        % {"process": process.title, "site": settings.SITE_NAME},
        "features": features,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json",
    )
    response["Content-Disposition"] = _filename(process, "geojson")
    return response
