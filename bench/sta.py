"""SensorThings API under load: inserts by CreateObservations and by MQTT, then window queries.

    .venv/bin/python bench/sta.py [--database sqlite|postgres|URL ...] [--observations 1000000]

For each database (default: SQLite, then PostgreSQL) the script migrates a fresh database,
serves it with `gemeinsam serve` (gunicorn, 2 workers, as in production) on a free port and
starts its own Mosquitto on another, so that no other broker client sees the traffic. Then:

1. inserts: 100 Datastreams (Things with a Location, made by deep insert over HTTP) get the
   observations, a 5-minute series each, by `POST /sta/v1.1/CreateObservations` requests of
   `--batch` rows from `--clients` parallel clients; prints obs/s.
2. queries: `Datastreams(n)/Observations?$filter=phenomenonTime ge X and phenomenonTime lt
   X+24h and result gt V&$orderby=phenomenonTime desc&$top=100` for random n and X from 8
   concurrent clients; prints p50/p95 latency (target p95 < 50 ms with 1,000,000 rows).
3. MQTT: `gemeinsam mqtt` (the bridge) stores observations published with QoS 1 to
   `v1.1/Datastreams(n)/Observations`. One Python publisher is slower than the bridge can
   be, so the messages wait in the broker for the bridge's persistent session while it is
   stopped; then it is started, and msg/s runs from the first stored message to the last
   (counted in the database itself).

The only published reference is FROST-Server's maintainer figure of about 5,000 inserts/s
with parallel Datastreams; the script prints our rate over it. Targets (issue 6, PostgreSQL
on 2 cores): >= 20,000 obs/s by CreateObservations, >= 5,000 msg/s by MQTT.
`--database postgres` uses a scratch database `bench_sta` on BENCH_PG_SERVER (default
postgres://postgres@127.0.0.1:5432), dropped afterwards; a postgres:// URL names a database
that must not exist yet (it is created, and dropped unless --keep). The server publishes
what it stores on MQTT as in production; --no-publish turns that off.
"""

import argparse
import http.client
import json
import math
import os
import queue
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_SCRATCH = "bench_sta"
FROST_INSERTS_PER_SECOND = 5_000  # FROST-Server maintainer's figure, parallel Datastreams
TARGET_OBS = 20_000
TARGET_MSG = 5_000
TARGET_P95_MS = 50
HTTP_START = datetime(2025, 12, 1, tzinfo=UTC)  # the series cross a year: two partitions
MQTT_START = datetime(2026, 3, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
THRESHOLD = 15.0  # the series swing around 15, so `result gt 15` keeps about half


def value(stream: int, index: int, rng: random.Random) -> float:
    """A day-periodic series per stream with noise, like a temperature sensor."""
    return round(15 + 10 * math.sin(2 * math.pi * index / 288 + stream) + rng.gauss(0, 1), 2)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- inside the bench environment (Django set up) -------------------------------------------


def setup(workdir: Path) -> None:
    """Migrate the fresh database and issue a token of a staff account."""
    import django

    django.setup()
    from django.core.management import call_command

    from gemeinsam.core.models import User
    from gemeinsam.sensors.models import AccessToken

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench@example.invalid", None, is_staff=True)
    _, secret = AccessToken.issue(user, "bench")
    (workdir / "secret").write_text(secret)


# --- the load ---------------------------------------------------------------------------------


class Api:
    """HTTP/1.1 requests to the server with the bench token; one instance per thread."""

    def __init__(self, port: int, secret: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.RemoteDisconnected):
                # gunicorn's sync workers close after each response; reconnect once.
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, document=None, expect: int = 200):
        body = None if document is None else json.dumps(document).encode()
        status, data = self.request(method, path, body)
        if status != expect:
            raise SystemExit(f"{method} {path} answered {status}: {data[:500]!r}")
        return json.loads(data) if data else None


def make_datastreams(api: Api, count: int) -> list[int]:
    """Things with a Location and one Datastream each, by deep insert as a client would."""
    sensor = api.json(
        "POST",
        "/sta/v1.1/Sensors",
        {
            "name": "DHT22",
            "description": "temperature and humidity",
            "encodingType": "text/html",
            "metadata": "https://example.invalid",
        },
        expect=201,
    )
    prop = api.json(
        "POST",
        "/sta/v1.1/ObservedProperties",
        {
            "name": "Air temperature",
            "description": "temperature of the air",
            "definition": "http://vocab.nerc.ac.uk/P07/CFSN0023/",
        },
        expect=201,
    )
    ids = []
    for n in range(count):
        lon, lat = 13.2 + (n % 10) * 0.03, 52.4 + (n // 10) * 0.02
        thing = {
            "name": f"Kiezbox {n + 1}",
            "description": "bench",
            "Locations": [
                {
                    "name": f"Standort {n + 1}",
                    "description": "bench",
                    "encodingType": "application/geo+json",
                    "location": {"type": "Point", "coordinates": [lon, lat]},
                }
            ],
            "Datastreams": [
                {
                    "name": f"Temperatur {n + 1}",
                    "description": "bench",
                    "observationType": "http://www.opengis.net/def/observationType/"
                    "OGC-OM/2.0/OM_Measurement",
                    "unitOfMeasurement": {
                        "name": "degree Celsius",
                        "symbol": "°C",
                        "definition": "http://unitsofmeasure.org/ucum.html#para-30",
                    },
                    "Sensor": {"@iot.id": sensor["@iot.id"]},
                    "ObservedProperty": {"@iot.id": prop["@iot.id"]},
                }
            ],
        }
        made = api.json("POST", "/sta/v1.1/Things", thing, expect=201)
        listing = api.json("GET", f"/sta/v1.1/Things({made['@iot.id']})/Datastreams?$select=id")
        ids.append(listing["value"][0]["@iot.id"])
    return ids


def insert_bodies(streams: list[int], per_stream: int, batch: int, seed: int) -> list[bytes]:
    """CreateObservations request bodies, encoded before the clock starts; round robin over
    the streams so that every moment of the run writes to many of them."""
    rng = random.Random(seed)
    per_stream_batches = []
    for s, stream in enumerate(streams):
        rows = [[iso(HTTP_START + i * STEP), value(s, i, rng)] for i in range(per_stream)]
        per_stream_batches.append(
            [
                json.dumps(
                    [
                        {
                            "Datastream": {"@iot.id": stream},
                            "components": ["phenomenonTime", "result"],
                            "dataArray": rows[start : start + batch],
                        }
                    ]
                ).encode()
                for start in range(0, per_stream, batch)
            ]
        )
    return [
        body
        for round_ in range(max(len(b) for b in per_stream_batches))
        for bodies in per_stream_batches
        if round_ < len(bodies)
        for body in [bodies[round_]]
    ]


def run_inserts(port: int, secret: str, bodies: list[bytes], clients: int) -> float:
    """Send every body from `clients` threads; the seconds from first request to last answer."""
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(body)
    failures: list[str] = []

    def client() -> None:
        api = Api(port, secret)
        while not failures:
            try:
                body = work.get_nowait()
            except queue.Empty:
                return
            status, data = api.request("POST", "/sta/v1.1/CreateObservations", body)
            if status != 201:
                failures.append(f"CreateObservations answered {status}: {data[:300]!r}")
            elif b'"error"' in data:
                failures.append(f"CreateObservations refused rows: {data[:300]!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise SystemExit(failures[0])
    return seconds


def query_paths(streams: list[int], per_stream: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    span_hours = max(0, int(per_stream * STEP / timedelta(hours=1)) - 24)
    paths = []
    for _ in range(count):
        start = HTTP_START + timedelta(hours=rng.randint(0, span_hours))
        query = {
            "$filter": f"phenomenonTime ge {iso(start)} and "
            f"phenomenonTime lt {iso(start + timedelta(hours=24))} and result gt {THRESHOLD}",
            "$orderby": "phenomenonTime desc",
            "$top": "100",
        }
        stream = rng.choice(streams)
        paths.append(
            f"/sta/v1.1/Datastreams({stream})/Observations?"
            + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="$")
        )
    return paths


def run_queries(port: int, secret: str, paths: list[str], clients: int) -> list[float]:
    """Latencies in ms of every path, from `clients` threads at once."""
    work: queue.Queue[str] = queue.Queue()
    for path in paths:
        work.put(path)
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        api = Api(port, secret)
        while not failures:
            try:
                path = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            status, data = api.request("GET", path)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failures.append(f"{path} answered {status}: {data[:300]!r}")
                return
            rows = json.loads(data)["value"]
            times = [row["phenomenonTime"] for row in rows]
            if not 0 < len(rows) <= 100 or times != sorted(times, reverse=True):
                failures.append(f"{path} gave {len(rows)} rows, not newest first")
            elif any(row["result"] <= THRESHOLD for row in rows):
                failures.append(f"{path} gave a result not above {THRESHOLD}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(failures[0])
    return latencies


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


# --- MQTT ---------------------------------------------------------------------------------------


def start_broker(workdir: Path) -> tuple[subprocess.Popen, int]:
    """A private Mosquitto: no other client on the machine sees or sends this traffic."""
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    config = workdir / "mosquitto.conf"
    # The bridge may fall behind the publisher: the broker queues without limit meanwhile.
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_queued_bytes 0\nset_tcp_nodelay true\n"
    )
    broker = subprocess.Popen(
        [mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return broker, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("Mosquitto did not start")


def mqtt_messages(streams: list[int], count: int, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    messages = []
    for index in range(count):
        s = index % len(streams)
        i = index // len(streams)
        document = {"phenomenonTime": iso(MQTT_START + i * STEP), "result": value(s, i, rng)}
        topic = f"v1.1/Datastreams({streams[s]})/Observations"
        messages.append((topic, json.dumps(document).encode()))
    return messages


def publish(broker_port: int, messages: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 and return once the broker acknowledged every message.

    At most 10,000 are unacknowledged at a time: MQTT message ids have 16 bits, and paho
    reuses an id that is still waiting for its acknowledgement when more are outstanding.
    """
    import paho.mqtt.client as paho

    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"bench-{os.getpid()}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    window = threading.BoundedSemaphore(10_000)
    client.on_publish = lambda *_: window.release()
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    try:
        for topic, payload in messages:
            if not window.acquire(timeout=600):
                raise SystemExit("the broker stopped acknowledging")
            client.publish(topic, payload, qos=1)
        for _ in range(10_000):
            if not window.acquire(timeout=600):
                raise SystemExit("the broker stopped acknowledging")
    finally:
        client.loop_stop()
        client.disconnect()


class Counter:
    """Counts observations in the database itself, not as any server process reports it."""

    def __init__(self, database_url: str) -> None:
        if database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
            self.placeholder = "?"
        else:
            import psycopg

            self.connection = psycopg.connect(database_url, autocommit=True)
            self.placeholder = "%s"

    def since(self, after_id: int) -> int:
        sql = f"SELECT count(*) FROM sensors_observation WHERE id > {self.placeholder}"  # noqa: S608
        return self.connection.execute(sql, (after_id,)).fetchone()[0]

    def last_id(self) -> int:
        sql = "SELECT coalesce(max(id), 0) FROM sensors_observation"
        return self.connection.execute(sql).fetchone()[0]

    def close(self) -> None:
        self.connection.close()


def start_bridge(env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "gemeinsam.cli", "mqtt", "--stats", "0"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


def run_mqtt(env: dict, database_url: str, broker_port: int, messages) -> tuple[float, float]:
    """(seconds to publish, seconds for the bridge to store them all).

    A single Python publisher is slower than the bridge may be, so the messages wait in the
    broker for the bridge's persistent session while it is stopped; the bridge's time runs
    from the first stored message to the last (its start-up is left out).
    """
    counter = Counter(database_url)
    bridge = start_bridge(env)
    try:
        # The session exists once a probe message the bridge received is in the database.
        baseline = counter.last_id()
        document = {"result": 0, "phenomenonTime": iso(MQTT_START - STEP)}
        probe = [(messages[0][0], json.dumps(document).encode())]
        deadline = time.monotonic() + 60
        while counter.since(baseline) == 0:
            if time.monotonic() > deadline or bridge.poll() is not None:
                raise SystemExit("the MQTT bridge stored nothing within 60 s")
            publish(broker_port, probe)
            time.sleep(1)
        time.sleep(1)
        stop(bridge)
        baseline = counter.last_id()

        started = time.perf_counter()
        publish(broker_port, messages)
        publishing = time.perf_counter() - started

        bridge = start_bridge(env)
        stored = first = 0
        while stored < len(messages):
            time.sleep(0.1)
            stored = counter.since(baseline)
            if not first and stored:
                first, started = stored, time.perf_counter()
            if bridge.poll() is not None:
                raise SystemExit("the MQTT bridge exited")
            if first and time.perf_counter() - started > 3600:
                raise SystemExit(f"the MQTT bridge stored {stored} of {len(messages)} in an hour")
        storing = (time.perf_counter() - started) * len(messages) / (len(messages) - first)
        if stored != len(messages):
            print(f"  note: {stored - len(messages)} messages stored twice", flush=True)
        return publishing, storing
    finally:
        counter.close()
        stop(bridge)


# --- orchestration ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sta/v1.1")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on port {port}")


def database_for(choice: str, workdir: Path) -> tuple[str, str, str | None]:
    """(label, DATABASE_URL, PostgreSQL database to drop afterwards or None)."""
    if choice == "sqlite":
        return "SQLite", f"sqlite:///{workdir / 'data' / 'bench.sqlite3'}", None
    if choice == "postgres":
        server = os.environ.get("BENCH_PG_SERVER", PG_SERVER)
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_SCRATCH], check=True
        )
        url = f"{server}/{PG_SCRATCH}"
    elif choice.startswith(("postgres://", "postgresql://")):
        url = choice
    elif choice.startswith("sqlite:///"):
        if Path(urllib.parse.urlparse(choice).path).exists():
            raise SystemExit(f"{choice} exists: the bench wants a fresh database")
        return "SQLite", choice, None
    else:
        raise SystemExit(f"--database {choice}: sqlite, postgres or a database URL")
    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(maintenance, autocommit=True) as connection:
        try:
            connection.execute(f'CREATE DATABASE "{name}"')
        except psycopg.errors.DuplicateDatabase as error:
            raise SystemExit(f"database {name} exists: the bench wants a fresh one") from error
    return "PostgreSQL", url, maintenance


def drop_database(url: str, maintenance: str) -> None:
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(choice: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-sta-"))
    (workdir / "data").mkdir()
    label, database_url, maintenance = database_for(choice, workdir)
    broker, broker_port = start_broker(workdir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gemeinsam.config.settings",
        "GEMEINSAM_DATA_DIR": str(workdir / "data"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 50,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "MQTT_BROKER_URL": f"mqtt://127.0.0.1:{broker_port}",
        "STA_MQTT_PUBLISH": "false" if args.no_publish else "true",
        "STA_MAX_TOP": "10000",
    }
    print(f"\n## {label} ({database_url})", flush=True)
    server = None
    results: dict = {"label": label}
    try:
        subprocess.run([sys.executable, __file__, "--setup", str(workdir)], env=env, check=True)
        secret = (workdir / "secret").read_text()
        port = free_port()
        serve = ["serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(
            [sys.executable, "-m", "gemeinsam.cli", *serve],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None if args.verbose else subprocess.DEVNULL,
        )
        wait_for(port)
        streams = make_datastreams(Api(port, secret), args.datastreams)
        per_stream = args.observations // len(streams)
        total = per_stream * len(streams)
        bodies = insert_bodies(streams, per_stream, args.batch, args.seed)
        print(
            f"inserting {total:,} observations into {len(streams)} Datastreams: "
            f"{len(bodies)} CreateObservations requests of {min(args.batch, per_stream)} rows "
            f"from {args.clients} clients",
            flush=True,
        )
        seconds = run_inserts(port, secret, bodies, args.clients)
        counter = Counter(database_url)
        stored = counter.since(0)
        counter.close()
        if stored != total:
            raise SystemExit(f"{stored:,} observations in the database, not {total:,}")
        results["insert"] = (total, seconds)
        report_insert(total, seconds)

        if "query" not in args.skip:
            paths = query_paths(
                streams, per_stream, args.queries + 2 * args.query_clients, args.seed
            )
            run_queries(port, secret, paths[: 2 * args.query_clients], args.query_clients)  # warm
            latencies = run_queries(
                port, secret, paths[2 * args.query_clients :], args.query_clients
            )
            results["query"] = latencies
            report_query(latencies, args.query_clients, stored)

        if args.mqtt_messages and "mqtt" not in args.skip:
            messages = mqtt_messages(streams, args.mqtt_messages, args.seed + 1)
            print(f"publishing {len(messages):,} observations by MQTT (QoS 1)", flush=True)
            publishing, storing = run_mqtt(env, database_url, broker_port, messages)
            results["mqtt"] = (len(messages), storing)
            report_mqtt(len(messages), publishing, storing)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        broker.terminate()
        broker.wait(timeout=30)
        if maintenance and not (args.keep and choice != "postgres"):
            drop_database(database_url, maintenance)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def report_insert(total: int, seconds: float) -> None:
    rate = total / seconds
    print(
        f"CreateObservations: {total:,} observations in {seconds:.1f} s = {rate:,.0f} obs/s, "
        f"{rate / FROST_INSERTS_PER_SECOND:.2f} x FROST-Server's ~{FROST_INSERTS_PER_SECOND:,}/s "
        f"(target >= {TARGET_OBS:,} on PostgreSQL: {'met' if rate >= TARGET_OBS else 'NOT met'})",
        flush=True,
    )


def report_query(latencies: list[float], clients: int, rows: int) -> None:
    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    print(
        f"24 h window query, {clients} clients, {rows:,} rows: {len(latencies)} requests, "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms "
        f"(target p95 < {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'})",
        flush=True,
    )


def report_mqtt(total: int, publishing: float, storing: float) -> None:
    rate = total / storing
    print(
        f"MQTT: {total:,} messages published in {publishing:.1f} s "
        f"({total / publishing:,.0f} msg/s, one client, QoS 1), stored by the bridge at "
        f"{rate:,.0f} msg/s, {rate / FROST_INSERTS_PER_SECOND:.2f} x FROST-Server's "
        f"~{FROST_INSERTS_PER_SECOND:,}/s "
        f"(target >= {TARGET_MSG:,} on PostgreSQL: {'met' if rate >= TARGET_MSG else 'NOT met'})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        action="append",
        help="sqlite, postgres or a database URL; repeat for several (default: both)",
    )
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--datastreams", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1000, help="rows per CreateObservations")
    parser.add_argument("--clients", type=int, default=4, help="parallel inserting clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--query-clients", type=int, default=8)
    parser.add_argument(
        "--mqtt-messages", type=int, help="observations published by MQTT (default: as many)"
    )
    parser.add_argument(
        "--skip", action="append", default=[], choices=["query", "mqtt"], help="leave out a part"
    )
    parser.add_argument("--no-publish", action="store_true", help="the server publishes nothing")
    parser.add_argument("--keep", action="store_true", help="keep a database given by URL")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verbose", action="store_true", help="show the server's errors")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(Path(args.setup))
        return
    if args.mqtt_messages is None:
        args.mqtt_messages = args.observations
    for choice in args.database or ["sqlite", "postgres"]:
        run(choice, args)


if __name__ == "__main__":
    main()
