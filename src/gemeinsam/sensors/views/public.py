"""Public pages of the urban data hub: the Things on a map and as a list, and one Thing with a
chart of a Datastream's recent values (inline SVG with a table of the same values)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import pgettext

from gemeinsam.core.geo import map_settings

from ..chart import line_chart
from ..models import Datastream, Observation, Thing

PERIODS = (2, 7, 30)  # days a chart can show
DEFAULT_PERIOD = 7
API = "/sta/v1.1"


def public_things():
    return Thing.objects.filter(private=False)


def _point(location) -> tuple[float, float] | None:
    """(longitude, latitude) of a GeoJSON Point or Point Feature, else None."""
    geometry = location.location or {}
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
    if (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(isinstance(c, int | float) for c in coordinates[:2])
    ):
        return float(coordinates[0]), float(coordinates[1])
    return None


def thing_list(request: HttpRequest) -> HttpResponse:
    things = list(
        public_things()
        .annotate(datastream_count=Count("datastreams"))
        .prefetch_related("locations")
        .order_by("name", "id")
    )
    features = []
    for thing in things:
        thing.places = [(loc.name, _point(loc)) for loc in thing.locations.all()]
        thing.points = [point for _, point in thing.places if point]
        for longitude, latitude in thing.points:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                    "properties": {
                        "title": thing.name,
                        "url": reverse("sensors:thing", args=[thing.pk]),
                    },
                }
            )
    return render(
        request,
        "sensors/thing_list.html",
        {
            "things": things,
            "geojson": {"type": "FeatureCollection", "features": features},
            "placed": sum(1 for thing in things if thing.points),
            "map": map_settings(),
            "api_things": f"{API}/Things",
        },
    )


def _period(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _chart(datastream: Datastream, days: int) -> dict:
    """The last `days` of the stream's numbers up to its latest value, flagged ones apart."""
    observations = Observation.objects.filter(datastream=datastream)
    end = datastream.phenomenon_time_end or datastream.phenomenon_time_start
    if end is None:
        end = observations.aggregate(latest=Max("phenomenon_time_start"))["latest"]
    if end is None:
        return {"points": [], "flagged": 0}
    start = end - timedelta(days=days)
    window = observations.filter(phenomenon_time_start__gte=start, phenomenon_time_start__lt=end)
    flagged = Q(result_quality__has_key="flag")
    rows = list(
        window.filter(result_number__isnull=False)
        .filter(Q(result_quality__isnull=True) | ~flagged)
        .order_by("phenomenon_time_start")
        .values_list("phenomenon_time_start", "phenomenon_time_end", "result_number")
    )
    points = [(begin, value) for begin, _, value in rows]
    values = [value for _, value in points]
    return {
        "points": points,
        "rows": [
            {"start": begin, "end": finish or begin, "value": value}
            for begin, finish, value in rows
        ],
        "flagged": window.filter(flagged).count(),
        "start": start,
        "end": end,
        "minimum": min(values, default=None),
        "maximum": max(values, default=None),
        "mean": sum(values) / len(values) if values else None,
        "svg": line_chart(points, ZoneInfo(settings.TIME_ZONE), start=start, end=end),
    }


def thing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thing = get_object_or_404(public_things().prefetch_related("locations"), pk=pk)
    datastreams = list(
        thing.datastreams.select_related("observed_property", "sensor").order_by("name", "id")
    )
    chosen = datastreams[0] if datastreams else None
    wanted = request.GET.get("datastream", "")
    for datastream in datastreams:
        if str(datastream.pk) == wanted:
            chosen = datastream
    days = _period(request)
    locations = list(thing.locations.all())
    for location in locations:
        location.point = _point(location)
    return render(
        request,
        "sensors/thing_detail.html",
        {
            "thing": thing,
            "locations": locations,
            "datastreams": datastreams,
            "chosen": chosen,
            "unit": (chosen.unit_of_measurement or {}).get("symbol", "") if chosen else "",
            "chart": _chart(chosen, days) if chosen else None,
            "days": days,
            "day_format": pgettext("date format of the chart's day ticks", "D j M"),
            "periods": PERIODS,
            "api_thing": f"{API}/Things({thing.pk})",
            "api_observations": f"{API}/Datastreams({chosen.pk})/Observations" if chosen else "",
            "api_datastream": f"{API}/Datastreams({chosen.pk})" if chosen else "",
            "map": map_settings(),
            "geojson": {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": list(location.point)},
                        "properties": {"title": location.name, "url": ""},
                    }
                    for location in locations
                    if location.point
                ],
            },
        },
    )
