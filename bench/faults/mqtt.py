"""Fault run of the MQTT bridge: killed with -9 mid-stream, and a broker restart.

    .venv/bin/python bench/faults/mqtt.py [--database sqlite|URL] [--observations 20000]

Starts a Mosquitto of its own (persistence on, so QoS 1 messages survive) and `gemeinsam
mqtt` as a process, publishes the observations with QoS 1 (distinct phenomenonTimes),
kills the bridge with SIGKILL twice mid-stream, each time just after it committed a batch,
restarts it, and counts the rows in the database. Then it stops and restarts the broker
while the bridge runs and counts again, and the bridge's "lost" and "back" log lines.
Prints "published: N, stored: N, duplicates: 0" and exits 1 on any mismatch. The database
is a fresh SQLite file, or a PostgreSQL URL (migrated; only its own Datastreams counted).
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.sensors.mqtt_faults import (  # noqa: E402
    BridgeProcess,
    Mosquitto,
    kill_run,
    observation,
    outage_lines,
    restart_run,
    subscribe_session,
    wait_for_log,
)


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="gemeinsam.config.settings",
        GEMEINSAM_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def make_datastream(name: str) -> int:
    from datetime import timedelta

    from gemeinsam.sensors import models as m
    from gemeinsam.sensors.partitions import ensure_partitions
    from tests.sensors.mqtt_faults import START

    ensure_partitions(START, START + timedelta(days=2))
    thing = m.Thing.objects.create(name=f"fault run: {name}", description="")
    location = {"type": "Point", "coordinates": [13.34, 52.53]}
    thing.locations.add(
        m.Location.objects.create(
            name=name, encoding_type="application/geo+json", location=location
        )
    )
    return m.Datastream.objects.create(
        name=name,
        description="",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement={"name": "degree Celsius", "symbol": "°C"},
        thing=thing,
        sensor=m.Sensor.objects.create(
            name="fault run", description="", encoding_type="text/html", metadata="-"
        ),
        observed_property=m.ObservedProperty.objects.create(
            name="Temperature", definition="https://qudt.org/vocab/quantitykind/Temperature"
        ),
    ).pk


def counts(stream: int):
    from gemeinsam.sensors import models as m

    rows = m.Observation.objects.filter(datastream_id=stream)
    return lambda: (rows.count(), rows.values("phenomenon_time_start").distinct().count())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or a postgres:// URL")
    parser.add_argument("--observations", type=int, default=20_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fault-mqtt-"))
    (workdir / "data").mkdir()
    url = args.database
    if url == "sqlite":
        url = f"sqlite:///{workdir / 'data' / 'fault.sqlite3'}"
    setup_django(url, workdir / "data")
    broker = Mosquitto(workdir)
    broker.start()
    env = {
        **os.environ,
        "MQTT_BROKER_URL": broker.url,
        "LOG_LEVEL": "INFO",  # the bridge's "subscribed to" line
        "MQTT_BRIDGE_CLIENT_ID": f"fault-bridge-{broker.port}",
    }
    ok = True
    bridge = BridgeProcess(env, workdir / "bridge.log")
    try:
        probe, stream = make_datastream("probe"), make_datastream("killed bridge")
        stored_probe = counts(probe)
        subscribe_session(bridge, broker.port, observation(probe, 0), lambda: stored_probe()[0])
        total = args.observations
        result = kill_run(broker, bridge, stream, total, kills=2, stored=counts(stream))
        bridge.stop()
        print(
            f"bridge killed twice: published: {result.published}, stored: {result.stored}, "
            f"duplicates: {result.duplicates}",
            flush=True,
        )
        ok &= result.ok and result.published == total

        bridge = BridgeProcess(env, workdir / "bridge-restart.log")
        bridge.start()
        wait_for_log(bridge, "subscribed to")
        stream = make_datastream("broker restart")
        result = restart_run(broker, bridge, stream, total, stored=counts(stream))
        bridge.stop()
        lost, back = outage_lines(bridge.output())
        print(
            f"broker restarted: published: {result.published}, stored: {result.stored}, "
            f"duplicates: {result.duplicates}; log lines lost: {lost}, back: {back}",
            flush=True,
        )
        ok &= result.ok and result.published == total and (lost, back) == (1, 1)
        traceback = "Traceback" in (workdir / "bridge.log").read_text() + bridge.output()
        print(f"tracebacks in the bridge's log: {'yes' if traceback else 'none'}")
        ok &= not traceback
    finally:
        if bridge.process is not None and bridge.process.poll() is None:
            bridge.kill()
        broker.stop()
    print("OK" if ok else f"MISMATCH (logs in {workdir})")
    if ok:
        shutil.rmtree(workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
