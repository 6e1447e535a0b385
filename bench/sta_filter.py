"""SensorThings `$filter` parsing speed: a mix of ten realistic filters, parsed many times.

    .venv/bin/python bench/sta_filter.py [--rounds 10000]

There is no reference parser to compare with; the script prints our parses per second.
"""

import argparse
import time

from gemeinsam.sensors.query import parse_filter

FILTERS = [
    "result lt 10.00",
    "Datastream/Thing/name eq 'Kiezbox 12' and result gt 25",
    "substringof('Temp', name)",
    "phenomenonTime ge 2016-11-24T00:00:00.000Z and phenomenonTime lt 2016-11-25T00:00:00.000Z",
    "geo.intersects(location, geography'POLYGON((13.3 52.4, 13.5 52.4, 13.5 52.6, 13.3 52.4))')",
    "not (result eq 3) and properties/owner ne null",
    "(result add 5) mul 2 gt 10 or round(result) eq 32",
    "year(phenomenonTime) eq 2015 and month(phenomenonTime) le 6",
    "st_within(location, geography'POINT(13.4 52.5)') or length(description) le 20",
    "Datastream/ObservedProperty/@iot.id eq 4 and phenomenonTime gt now() sub duration'P1D'",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10_000)
    args = parser.parse_args()

    start = time.perf_counter()
    for _ in range(args.rounds):
        for text in FILTERS:
            parse_filter(text)
    seconds = time.perf_counter() - start
    parses = args.rounds * len(FILTERS)
    print(
        f"{parses} parses of {len(FILTERS)} filters in {seconds:.2f} s: {parses / seconds:,.0f}/s"
    )


if __name__ == "__main__":
    main()
