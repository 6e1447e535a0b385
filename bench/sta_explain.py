"""The query plan of the SensorThings window query, as `sensors.sta.filtering` builds it.

    GEMEINSAM_DATA_DIR=/tmp/x .venv/bin/python bench/sta_explain.py [--observations 1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/sta_explain.py

Migrates the configured database, fills it (once) with 100 Datastreams of 5-minute series,
then prints the SQL and the database's plan of `Datastreams(n)/Observations?$filter=
phenomenonTime ge X and phenomenonTime lt X+24h and result gt V&$orderby=phenomenonTime desc
&$top=100`, and the time of a few runs. The plan should be a range scan of the index on
(datastream, phenomenon_time_start), read backwards for the order, with no sort of the window.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gemeinsam.config.settings")

STREAMS = 100
STEP = timedelta(minutes=5)


def fill(total: int) -> datetime:
    """100 Datastreams of total/100 observations each, ending at the last full hour."""
    from django.db import connection, transaction

    from gemeinsam.sensors import models as m

    per_stream = total // STREAMS
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - STEP * per_stream
    if m.Observation.objects.count() >= total:
        first = m.Observation.objects.order_by("phenomenon_time_start").first()
        return first.phenomenon_time_start
    sensor = m.Sensor.objects.create(
        name="bench", description="", encoding_type="text/html", metadata="https://example.org"
    )
    prop = m.ObservedProperty.objects.create(name="NO2", definition="https://example.org/no2")
    foi = m.FeatureOfInterest.objects.create(
        name="site",
        description="",
        encoding_type="application/geo+json",
        feature={"type": "Point", "coordinates": [13.4, 52.5]},
    )
    rng = random.Random(6)
    began = time.perf_counter()
    for number in range(STREAMS):
        thing = m.Thing.objects.create(name=f"Station {number}", description="")
        stream = m.Datastream.objects.create(
            name=f"NO2 {number}",
            description="",
            observation_type="OM_Measurement",
            unit_of_measurement={"symbol": "µg/m³"},
            thing=thing,
            sensor=sensor,
            observed_property=prop,
        )
        with transaction.atomic():
            m.Observation.objects.bulk_create(
                (
                    m.Observation(
                        datastream=stream,
                        feature_of_interest=foi,
                        phenomenon_time_start=start + STEP * i,
                        result_time=start + STEP * i,
                        result_number=round(rng.uniform(0, 80), 1),
                    )
                    for i in range(per_stream)
                ),
                batch_size=5000,
            )
        print(f"\r{(number + 1) * per_stream:,} observations", end="", flush=True)
    print(f" in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gemeinsam.sensors import models as m
    from gemeinsam.sensors.query import parse_filter, parse_orderby
    from gemeinsam.sensors.sta.entities import BY_NAME
    from gemeinsam.sensors.sta.filtering import filter_queryset, order_queryset

    call_command("migrate", verbosity=0)
    start = fill(args.observations)
    et = BY_NAME["Observation"]
    stream = m.Datastream.objects.order_by("id")[STREAMS // 2]
    window = start + timedelta(days=7)
    text = (
        f"phenomenonTime ge {window.isoformat()} and "
        f"phenomenonTime lt {(window + timedelta(days=1)).isoformat()} and result gt 40"
    )

    def query():
        qs = m.Observation.objects.filter(datastream=stream)
        qs = filter_queryset(qs, et, parse_filter(text), datetime.now(UTC))
        return order_queryset(qs, et, parse_orderby("phenomenonTime desc"))[:100]

    print(f"{connection.vendor}, {m.Observation.objects.count():,} observations")
    print(f"$filter={text}&$orderby=phenomenonTime desc&$top=100\n")
    print(str(query().query), "\n")
    options = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
    print(query().explain(**options), "\n")
    times = []
    for _ in range(20):
        began = time.perf_counter()
        rows = list(query())
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    print(f"{len(rows)} rows; median {times[10]:.1f} ms, slowest {times[-1]:.1f} ms of 20 runs")


if __name__ == "__main__":
    main()
