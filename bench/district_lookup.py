"""Point-to-district lookup: our STRtree index against a plain shapely `contains` loop.

    .venv/bin/python bench/district_lookup.py [--points 20000]

Both answer the same question for the same random points in Berlin's bounding box; the
script checks that the answers agree and prints the time of each and their ratio.
"""

import argparse
import json
import random
import time
from pathlib import Path

import shapely

from gemeinsam.lib.geo import AreaIndex, area_from_geojson

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ROOT / "src/gemeinsam/core/data/bezirksgrenzen_alkis.geojson"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()

    features = json.loads(DISTRICTS.read_text())["features"]
    areas = [(f["properties"]["Gemeinde_name"], area_from_geojson(f["geometry"])) for f in features]
    rng = random.Random(args.seed)
    min_x, min_y, max_x, max_y = shapely.union_all([a for _, a in areas]).bounds
    points = [(rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)) for _ in range(args.points)]

    start = time.perf_counter()
    index = AreaIndex.build(areas)
    ours = index.locate_many(points)
    ours_seconds = time.perf_counter() - start

    start = time.perf_counter()
    reference = []
    for x, y in points:  # the reference: test each polygon in turn, unprepared
        point = shapely.Point(x, y)
        reference.append(next((name for name, area in areas if area.intersects(point)), None))
    reference_seconds = time.perf_counter() - start

    assert ours == reference, "the index and the reference disagree"
    inside = sum(name is not None for name in ours)
    print(f"points: {len(points)} ({inside} inside Berlin), districts: {len(areas)}")
    print(f"STRtree index (incl. build): {ours_seconds:.3f} s")
    print(f"shapely contains loop:       {reference_seconds:.3f} s")
    print(f"speed-up: {reference_seconds / ours_seconds:.1f}x")


if __name__ == "__main__":
    main()
