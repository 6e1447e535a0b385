"""Reads for the public station pages: the public Things with the points of their Locations,
and the recent values of a Datastream as a chart with a table of the same values."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse

from .chart import line_chart
from .models import Datastream, Location, Observation, Thing


def public_things() -> QuerySet[Thing]:
    return Thing.objects.filter(private=False)


def point(location: Location) -> tuple[float, float] | None:
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


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def point_feature(longitude: float, latitude: float, title: str, url: str) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
        "properties": {"title": title, "url": url},
    }


def stations() -> tuple[list[Thing], dict]:
    """The public Things by name, each with `places` [(name, point or None)] and `points`,
    and their points as GeoJSON features that link to the Things' pages."""
    things = list(
        public_things()
        .annotate(datastream_count=Count("datastreams"))
        .prefetch_related("locations")
        .order_by("name", "id")
    )
    features = []
    for thing in things:
        thing.places = [(loc.name, point(loc)) for loc in thing.locations.all()]
        thing.points = [found for _, found in thing.places if found]
        url = reverse("sensors:thing", args=[thing.pk])
        features += [point_feature(lon, lat, thing.name, url) for lon, lat in thing.points]
    return things, feature_collection(features)


def recent_values(datastream: Datastream, days: int) -> dict:
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
