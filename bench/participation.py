"""Participation under load: idea list, map data and API list against a bare Django view.

    .venv/bin/python bench/participation.py [--db sqlite|postgres|both] [--duration 10]

Fills one process with 10,000 ideas, 50,000 comments and 200,000 ratings (from 2,000
people, points spread over Berlin's districts), serves it with `gemeinsam serve`
(gunicorn, as in production) and loads it from a second process on loopback with wrk
(Debian package `wrk`) at 16 concurrent connections. The reference in the same run is a
bare Django view (`HttpResponse("ok")`) behind the same middleware on the same server:
the framework's floor. Prints requests/s, p95 latency and the ratio to the bare view.
Target (issue 3): idea list >= 40 % of the bare view's requests/s, p95 < 100 ms.

Each measured endpoint rotates through several URLs (pages, sorts, filters), so that the
figures are not those of one hot URL. Visitors without an account are served from the
visitor cache (participation/visitor_cache.py) once a URL has been rendered, as in
production; "signed in" repeats the idea list with a resident's session, rendered on
every request, to show the cost without that cache. PostgreSQL: a scratch database
`bench_participation` on BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
dropped after the run.
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SLUG = "lastprobe"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "bench_participation"

# wrk's Lua hooks: cycle through the URL list, then print the figures as JSON.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, errors))
end
"""

# A settings module and URLconf for the run: the real ones plus the bare view.
BENCH_SETTINGS = """
from gemeinsam.config.settings import *  # noqa: F403
ROOT_URLCONF = "bench_urls"
"""
BENCH_URLS = """
from django.http import HttpResponse
from django.urls import path
from gemeinsam.config.urls import urlpatterns as real


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *real]
"""


def fill(ideas: int, comments: int, ratings: int, people: int, seed: int) -> None:
    """Runs inside the bench environment (Django set up): create the process and its data."""
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from gemeinsam.core.geo import district_index
    from gemeinsam.core.models import District, User
    from gemeinsam.core.services import shipped_districts_file
    from gemeinsam.participation.models import (
        Category,
        Comment,
        Idea,
        Phase,
        PhaseType,
        Process,
        Rating,
    )

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    call_command("import_districts", str(shipped_districts_file()), verbosity=0)
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        process = Process.objects.create(
            title="Lastprobe", slug=SLUG, summary="Benchmark", description="Benchmark"
        )
        Phase.objects.create(
            process=process,
            type=PhaseType.IDEA_COLLECTION,
            starts_at=now - timedelta(days=30),
            ends_at=now + timedelta(days=30),
        )
        categories = Category.objects.bulk_create(
            Category(process=process, name=name)
            for name in ("Mobilität", "Umwelt", "Bildung", "Verwaltung", "Kultur", "Wohnen")
        )
        groups = [g for g, _ in User._meta.get_field("actor_group").choices]
        districts = list(District.objects.all())
        users = User.objects.bulk_create(
            User(
                email=f"person{i}@bench.invalid",
                display_name=f"Person {i}",
                actor_group=rng.choice(groups),
                district=rng.choice(districts),
                password=UNUSABLE_PASSWORD_PREFIX,  # nobody logs in
            )
            for i in range(people)
        )
        index = district_index()
        by_pk = {d.pk: d for d in districts}
        words = "Baum Radweg Spielplatz Bank Schule WLAN Sensor Wasser Licht Platz Bibliothek"
        vocabulary = words.split()
        batch = []
        while len(batch) < ideas:
            lon, lat = rng.uniform(13.09, 13.76), rng.uniform(52.34, 52.67)
            pk = index.locate(lon, lat)
            if pk is None:
                continue
            title = " ".join(rng.sample(vocabulary, 3))
            batch.append(
                Idea(
                    process=process,
                    author=rng.choice(users),
                    title=f"{title} {len(batch)}",
                    description=" ".join(rng.choices(vocabulary, k=40)),
                    category=rng.choice(categories),
                    longitude=lon,
                    latitude=lat,
                    district=by_pk[pk],
                    created_at=now - timedelta(minutes=len(batch)),
                )
            )
        created = Idea.objects.bulk_create(batch, batch_size=2000)
        roots: list[Comment] = []
        comment_rows = []
        for n in range(comments):
            idea = rng.choice(created)
            comment_rows.append(Comment(idea=idea, author=rng.choice(users), text=f"Kommentar {n}"))
        roots = Comment.objects.bulk_create(comment_rows, batch_size=5000)
        # Turn a fifth of them into replies to an earlier comment on the same idea.
        first_on: dict[int, Comment] = {}
        replies = []
        for comment in roots:
            parent = first_on.setdefault(comment.idea_id, comment)
            if parent is not comment and rng.random() < 0.2:
                comment.parent_id = parent.pk
                replies.append(comment)
        Comment.objects.bulk_update(replies, ["parent"], batch_size=5000)
        per_person = max(1, ratings // people)
        rating_rows = []
        for user in users:
            for idea in rng.sample(created, min(per_person, len(created))):
                rating_rows.append(Rating(idea=idea, user=user, value=rng.choice((1, 1, -1))))
        Rating.objects.bulk_create(rating_rows[:ratings], batch_size=10_000)
        with connection.cursor() as cursor:  # the services keep these counters; recount once
            cursor.execute(
                "UPDATE participation_idea SET "
                "rating_up = (SELECT COUNT(*) FROM participation_rating r "
                "  WHERE r.idea_id = participation_idea.id AND r.value = 1), "
                "rating_down = (SELECT COUNT(*) FROM participation_rating r "
                "  WHERE r.idea_id = participation_idea.id AND r.value = -1), "
                "comment_count = (SELECT COUNT(*) FROM participation_comment c "
                "  WHERE c.idea_id = participation_idea.id)"
            )
    # A signed-in resident for the uncached measurement: a real session, as after login.
    from django.test import Client

    client = Client()
    client.force_login(users[0])
    Path(os.environ["BENCH_WORKDIR"], "session").write_text(client.cookies["sessionid"].value)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"filled: {Idea.objects.count()} ideas, {Comment.objects.count()} comments, "
        f"{Rating.objects.count()} ratings, {User.objects.count()} people "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def check(base: str, paths: list[str], cookie: str) -> None:
    """Every path must answer 200 before it is measured: errors are not throughput."""
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    for path in paths:
        request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{path} answered {error.code}") from error
        if cookie and b"csrfmiddlewaretoken" not in body:
            raise SystemExit(f"{path} did not render as signed in")


def load(
    base: str, paths: list[str], connections: int, seconds: int, workdir: Path, cookie: str = ""
) -> dict:
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT)
    listing = workdir / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "BENCH_PATHS": str(listing)}
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base]
    if cookie:
        argv[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    warm_up = [a if not a.startswith("-d") else "-d2s" for a in argv]
    subprocess.run(warm_up, env=env, capture_output=True, check=True)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def endpoints(district_slugs: list[str]) -> dict[str, list[str]]:
    """Name -> paths; a name ending in "signed in" is loaded with a resident's session."""
    base = f"/processes/{SLUG}/"
    sorts = ["new", "rated", "discussed"]
    pages = [f"{base}?sort={s}&page={p}" for s in sorts for p in (1, 2, 3, 50)]
    return {
        "bare Django view": ["/bench/bare"],
        "idea list page": pages,
        "idea list page, signed in": pages,
        "map data (GeoJSON, filtered)": [
            f"{base}ideas.geojson?district={slug}" for slug in district_slugs
        ],
        "API idea list": [
            f"/api/processes/{SLUG}/ideas?sort={s}&offset={o}" for s in sorts for o in (0, 20, 980)
        ],
    }


def run(db: str, args: argparse.Namespace) -> list[tuple[str, dict]]:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-participation-{db}-"))
    (workdir / "bench_settings.py").write_text(BENCH_SETTINGS)
    (workdir / "bench_urls.py").write_text(BENCH_URLS)
    (workdir / "data").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(workdir), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "GEMEINSAM_DATA_DIR": str(workdir / "data"),
        "BENCH_WORKDIR": str(workdir),
        "SECRET_KEY": "bench-" + "x" * 50,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        server = os.environ.get("BENCH_PG_SERVER", PG_SERVER)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_NAME])
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_NAME], check=True)
        env["DATABASE_URL"] = f"{server}/{PG_NAME}"
        env["DATABASE_CONN_MAX_AGE"] = "60"  # persistent connections, as in production
    print(f"\n## {db}", flush=True)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--fill",
            "--ideas",
            str(args.ideas),
            "--comments",
            str(args.comments),
            "--ratings",
            str(args.ratings),
            "--people",
            str(args.people),
        ],
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gemeinsam.cli", "serve", "--port", str(port)]
        + (["--workers", str(args.workers)] if args.workers else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        session = (workdir / "session").read_text()
        with urllib.request.urlopen(base + "/api/districts", timeout=10) as response:  # noqa: S310
            slugs = [d["slug"] for d in json.load(response)]
        for name, paths in endpoints(slugs).items():
            if args.only and name != "bare Django view" and not name.startswith(args.only):
                continue
            cookie = session if name.endswith("signed in") else ""
            check(base, paths, cookie)
            figures = load(base, paths, args.connections, args.duration, workdir, cookie)
            results.append((name, figures))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if db == "postgres":
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_NAME])
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def report(db: str, results: list[tuple[str, dict]], connections: int) -> None:
    bare = results[0][1]["rps"]
    print(f"\n{db}, {connections} connections")
    print(
        f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'vs bare':>8}"
    )
    for name, f in results:
        print(
            f"{name:<30} {f['rps']:>8.0f} {f['p50']:>7.1f} {f['p95']:>7.1f} {f['p99']:>7.1f} "
            f"{f['errors']:>6} {f['rps'] / bare:>7.0%}"
        )
    idea_list = dict(results).get("idea list page")
    if idea_list is None:
        return
    ok = idea_list["rps"] >= 0.4 * bare and idea_list["p95"] < 100
    print(f"target (idea list >= 40 % of bare, p95 < 100 ms): {'met' if ok else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--ratings", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default as in serve)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--only", help="measure only endpoints whose name starts so")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.ideas, args.comments, args.ratings, args.people, args.seed)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed as the load generator: apt-get install -y wrk")
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    all_results = {db: run(db, args) for db in databases}
    for db, results in all_results.items():
        report(db, results, args.connections)


if __name__ == "__main__":
    main()
