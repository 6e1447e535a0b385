"""Which Bezirk holds a point: a per-process STRtree over the districts' boundaries; and
the settings every map starts from.

The index is rebuilt when the districts change (count or latest update time), so every
app server process sees a new import without a restart.
"""

import threading

from django.conf import settings
from django.db.models import Count, Max

from gemeinsam.core.models import District
from gemeinsam.lib.geo import AreaIndex, area_from_geojson

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "index": None}


def _current_version() -> tuple:
    stats = District.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (stats["n"], stats["latest"])


def district_index() -> AreaIndex:
    version = _current_version()
    with _lock:
        if _cache["version"] != version:
            rows = District.objects.order_by("code").values_list("pk", "geometry")
            _cache["index"] = AreaIndex.build(
                (pk, area_from_geojson(geometry)) for pk, geometry in rows
            )
            _cache["version"] = version
        return _cache["index"]


def district_at(lon: float, lat: float) -> District | None:
    """The district containing (lon, lat) in WGS84, or None outside every district."""
    pk = district_index().locate(lon, lat)
    return District.objects.get(pk=pk) if pk is not None else None


def map_settings() -> dict:
    """What every Leaflet map of the platform starts from: tiles, attribution, centre, zoom."""
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_ATTRIBUTION,
        "center": ",".join(str(v) for v in settings.MAP_CENTER),
        "zoom": settings.MAP_ZOOM,
    }
