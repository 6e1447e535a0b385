"""Point-in-polygon lookup over a fixed set of areas, built on shapely's STRtree.

Pure Python and shapely, no Django: usable for districts, LOR areas or any GeoJSON.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

AREA_TYPES = {"Polygon", "MultiPolygon"}


class GeometryError(ValueError):
    """A GeoJSON geometry that cannot be used as an area."""


def area_from_geojson(geometry: object) -> BaseGeometry:
    """Parse a GeoJSON Polygon/MultiPolygon in WGS84; repair self-intersections."""
    return parse_area(geometry)[0]


def parse_area(geometry: object) -> tuple[BaseGeometry, bool]:
    """The area of a GeoJSON geometry, and whether it had to be repaired to be valid."""
    if not isinstance(geometry, dict) or geometry.get("type") not in AREA_TYPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise GeometryError(f"expected a Polygon or MultiPolygon geometry, got {kind}")
    try:
        area = shape(geometry)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise GeometryError(f"malformed coordinates ({exc})") from exc
    if area.is_empty:
        raise GeometryError("the geometry is empty")
    min_x, min_y, max_x, max_y = area.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise GeometryError(
            "coordinates lie outside longitude/latitude ranges; the file looks projected "
            "(e.g. EPSG:25833) and must be converted to WGS84 (EPSG:4326) first"
        )
    if area.is_valid:
        return area, False
    repaired = shapely.make_valid(area)
    if repaired.geom_type == "GeometryCollection":  # keep the areal parts only
        repaired = shapely.union_all([g for g in repaired.geoms if g.area > 0])
    return repaired, True


@dataclass(frozen=True)
class AreaIndex:
    """Areas keyed by any hashable key; `locate` answers which area holds a point.

    The STRtree narrows each point to the areas whose bounding box holds it; the exact
    test then runs on prepared geometries (shapely's own STRtree predicates would test
    the polygons unprepared, which is slower than a plain loop for detailed boundaries).
    """

    keys: tuple[Hashable, ...]
    geometries: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def build(cls, areas: Iterable[tuple[Hashable, BaseGeometry]]) -> "AreaIndex":
        keys, geometries = [], []
        for key, geometry in areas:
            keys.append(key)
            geometries.append(geometry)
        array = np.array(geometries, dtype=object)
        shapely.prepare(array)
        return cls(tuple(keys), array, shapely.STRtree(array))

    def locate(self, lon: float, lat: float) -> Hashable | None:
        """Key of the area containing the point; on a shared border, the first by order."""
        for candidate in sorted(self.tree.query(shapely.Point(lon, lat)).tolist()):
            if shapely.intersects_xy(self.geometries[candidate], lon, lat):
                return self.keys[candidate]
        return None

    def locate_many(self, points: Iterable[tuple[float, float]]) -> list[Hashable | None]:
        """`locate` for many points at once, vectorised."""
        coords = np.asarray(list(points), dtype=float).reshape(-1, 2)
        found: list[Hashable | None] = [None] * len(coords)
        if not len(coords):
            return found
        point_idx, area_idx = self.tree.query(shapely.points(coords))
        hit = shapely.intersects_xy(
            self.geometries[area_idx], coords[point_idx, 0], coords[point_idx, 1]
        )
        # First area by order wins, as in `locate`: walk hits sorted by (point, area).
        order = np.lexsort((area_idx[hit], point_idx[hit]))
        for p, a in zip(point_idx[hit][order].tolist(), area_idx[hit][order].tolist(), strict=True):
            if found[p] is None:
                found[p] = self.keys[a]
        return found
