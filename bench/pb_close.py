"""From "voting closes" to "result published": a Pabulib election stored in the database.

    nice -n 5 .venv/bin/python bench/pb_close.py [--db sqlite|postgres|both] [--file PB]
        [--lead SECONDS] [--timeout SECONDS] [--reference-json FILE]

For each database, with a fresh data directory: `gemeinsam migrate`, then `gemeinsam pb
import FILE --process pb-close --no-count` (timed on its own: reading the file, storing
the proposals and ballots, Django's start included). A staff user then sets the phases
through participation.services.processes.set_phases: voting ends LEAD seconds from now (the close,
T) and a result phase follows, so that budgeting queues the final count for T
(Result.run_after, django-tasks-db's run_after). `gemeinsam worker --interval 0.5`,
started before, runs the count at T: ballots from the database, the process's rule (MES
with cost satisfaction, Add1 then greedy completion, by default) and greedy beside it,
stored as Result.data. A second process polls until a final count is done (what the
results page publishes) and the script reports:

- close→published: Result.finished_at - T, of which
- counting: Result.seconds (loading the ballots, both rules, the explanations), and
- start: Result.started_at - T (the worker's poll and claim).

References, printed in the same table with the ratio reference / close→published:
pabutools 1.2.3 on the same file, the rule alone from an already parsed file (as in
bench/pb.py). Its MES with Add1 then greedy takes many minutes on Łódź, so its time is
read from bench/pabutools_reference.json ("rec"; "no record" for files without one);
its plain greedy is measured live in this run. "agree" compares pabutools' winners with
the published ones (recorded row) or with the greedy outcome stored beside them (live
row): "yes", "order" when only the order differs, "NO".

Default file: Poland_Lodz_2022.pb (90,494 voters, 160 projects, approval, at most 5) from
../shared/data/pabulib (or GEMEINSAM_SHARED_DATA). A quick check: --file
Hungary_Budapest_2022_VIII_Jozsefvaros.pb. PostgreSQL: a scratch database `bench_pb_close`
on BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432), dropped after the run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pb import agreement, reference_key, run_pabutools, shared_pabulib

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SLUG = "pb-close"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "bench_pb_close"
DEFAULT_FILE = "Poland_Lodz_2022.pb"
# A short poll, so that the start measures claiming the task rather than waiting for it.
WORKER = ["worker", "--interval", "0.5", "--no-startup-delay", "--no-reload"]


# Helpers run inside the bench environment (Django set up) --------------------------------


def close_voting(lead: float) -> None:
    """As staff: voting ends `lead` seconds from now, a result phase follows."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from gemeinsam.budgeting.models import Result
    from gemeinsam.core.models import User
    from gemeinsam.core.roles import Role, assign_role
    from gemeinsam.participation.models import PhaseType, Process
    from gemeinsam.participation.services.processes import PhaseSpec, set_phases

    staff = User.objects.create_user("staff@bench.invalid")
    assign_role(staff, Role.STAFF)
    process = Process.objects.get(slug=SLUG)
    close = timezone.now() + timedelta(seconds=lead)
    phases = [
        PhaseSpec(PhaseType.VOTING, close - timedelta(days=21), close),
        PhaseSpec(PhaseType.RESULT, close, close + timedelta(days=365)),
    ]
    set_phases(staff, process, phases)
    queued = Result.objects.filter(budgeting__process=process, final=True).first()
    queued_for_close = queued is not None and queued.run_after == close
    print(json.dumps({"close": close.isoformat(), "queued_for_close": queued_for_close}))


def watch(timeout: float) -> None:
    """Poll until the process has a published result (or a failed count); print its figures."""
    import django

    django.setup()
    from gemeinsam.budgeting import selectors
    from gemeinsam.budgeting.models import BudgetingProcess, ResultState

    budgeting = BudgetingProcess.objects.select_related("process").get(process__slug=SLUG)
    deadline = time.monotonic() + timeout
    while (published := selectors.published(budgeting)) is None:
        failed = budgeting.results.filter(final=True, state=ResultState.FAILED).first()
        if failed is not None:
            print(json.dumps({"state": "failed", "error": failed.error}))
            return
        if time.monotonic() > deadline:
            print(json.dumps({"state": "timeout", "error": f"no result after {timeout:.0f} s"}))
            return
        time.sleep(0.2)
    close = selectors.voting_end(budgeting.process)
    external = dict(budgeting.proposals.values_list("pk", "external_id"))
    part = published.data["parts"][0]
    print(
        json.dumps(
            {
                "state": "done",
                "published": (published.finished_at - close).total_seconds(),
                "counting": published.seconds,
                "start": (published.started_at - close).total_seconds(),
                "ballots": published.ballots,
                "voters": part["voters"],
                "rule": published.data["rule"],
                "satisfaction": published.data["satisfaction"],
                "completion": published.data["completion"],
                "selected": [external[pk] for pk in part["selected"]],
                "greedy": [external[pk] for pk in part["greedy"]],
            }
        )
    )


# The run ---------------------------------------------------------------------------------


def bench_env(workdir: Path, db: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gemeinsam.config.settings",
        "GEMEINSAM_DATA_DIR": str(workdir),
        "SECRET_KEY": "bench-" + "x" * 50,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        server = os.environ.get("BENCH_PG_SERVER", PG_SERVER)
        env["DATABASE_URL"] = f"{server}/{PG_NAME}"
    return env


def gemeinsam(*argv: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "gemeinsam.cli", *argv],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def helper(*argv: str, env: dict[str, str]) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, *argv], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def pg(command: str, *argv: str) -> None:
    quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}  # no "skipping"
    argv = [command, "-h", "127.0.0.1", "-U", "postgres", *argv]
    subprocess.run(argv, env=quiet, check=command != "dropdb")


def seconds(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def ratio(value: float) -> str:
    return f"{value:.0f}x" if value >= 10 else f"{value:.2g}x"


def run(db: str, path: Path, args: argparse.Namespace) -> dict:
    """One backend: import, close voting, let the worker count; the figures of the count."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-pb-close-{db}-"))
    env = bench_env(workdir, db)
    if db == "postgres":
        pg("dropdb", "--if-exists", PG_NAME)
        pg("createdb", PG_NAME)
    print(f"## {db}", flush=True)
    worker = None
    try:
        gemeinsam("migrate", env=env)
        started = time.perf_counter()
        gemeinsam("pb", "import", str(path), "--process", SLUG, "--no-count", env=env)
        imported = time.perf_counter() - started
        print(f"imported in {imported:.1f} s", flush=True)
        # The worker runs all along, as in production: its start is not part of the close.
        log = (workdir / "worker.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "gemeinsam.cli", *WORKER],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        closing = helper("--close-voting", str(args.lead), env=env)
        if not closing["queued_for_close"]:
            raise SystemExit("setting the phases did not queue the final count for the close")
        print(f"voting closes at {closing['close']}", flush=True)
        watcher = subprocess.Popen(
            [sys.executable, __file__, "--watch", str(args.timeout)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        while watcher.poll() is None:
            if worker.poll() is not None:
                watcher.kill()
                watcher.wait()
                tail = (workdir / "worker.log").read_text()[-2000:]
                raise SystemExit(f"the worker stopped (exit {worker.returncode}):\n{tail}")
            time.sleep(0.5)
        figures = json.loads(watcher.stdout.read().strip().splitlines()[-1])
        figures["import"] = imported
        if figures["state"] != "done":
            print(f"{db}: the count {figures['state']}: {figures['error']}", flush=True)
        return figures
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        if db == "postgres":
            pg("dropdb", "--if-exists", PG_NAME)
        shutil.rmtree(workdir, ignore_errors=True)


def references(path: Path, figures: dict, reference_json: Path) -> list[dict]:
    """pabutools on the same file: the same rule as recorded, and plain greedy live."""
    from pabutools.election import parse_pabulib

    rule, satisfaction = figures.get("rule", "mes"), figures.get("satisfaction", "cost")
    completion = figures.get("completion", "add1-greedy")
    recorded = {}
    if reference_json.exists():
        recorded = json.loads(reference_json.read_text()).get("cases", {})
    record = recorded.get(reference_key(path.stem, rule, satisfaction, completion), {})
    label = f"pabutools {rule}+{completion}" if completion != "none" else f"pabutools {rule}"
    rows = [
        {
            "name": f"{label} (recorded)",
            "seconds": record.get("seconds"),
            "text": f"{record['seconds']:.1f} rec" if record else "no record",
            "selected": record.get("selected"),
            "ours": "selected",
            "rule": rule,
        }
    ]
    instance, profile = parse_pabulib(str(path))
    started = time.perf_counter()
    selected = run_pabutools(instance, profile, "greedy", satisfaction, "none")
    live = time.perf_counter() - started
    rows.append(
        {
            "name": "pabutools greedy (live)",
            "seconds": live,
            "text": seconds(live),
            "selected": selected,
            "ours": "greedy",
            "rule": "greedy",
        }
    )
    return rows


def report(all_figures: dict[str, dict], refs: list[dict]) -> None:
    header = ("backend", "import s", "close→published s", "counting s", "start s",
              "reference", "ref s", "ratio", "agree")  # fmt: skip
    widths = (9, 9, 18, 11, 8, 40, 10, 7, 6)
    row_format = "  ".join(f"{{:<{w}}}" for w in widths)
    print()
    print(row_format.format(*header))
    for db, figures in all_figures.items():
        done = figures["state"] == "done"
        for n, ref in enumerate(refs):
            published = figures["published"] if done else None
            speed = (
                ratio(ref["seconds"] / published)
                if published and ref["seconds"] is not None
                else "n/a"
            )
            agree = agreement(figures.get(ref["ours"]), ref["selected"], ref["rule"])
            own = (
                (db, seconds(figures["import"]), seconds(published), seconds(figures["counting"]),
                 seconds(figures["start"]))
                if n == 0 and done
                else (db if n == 0 else "", seconds(figures["import"]) if n == 0 else "",
                      figures["state"] if n == 0 else "", "", "")
            )  # fmt: skip
            print(row_format.format(*own, ref["name"], ref["text"], speed, agree))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--file", default=DEFAULT_FILE, help=f"a .pb file (default {DEFAULT_FILE})")
    parser.add_argument(
        "--lead", type=float, default=10.0, help="seconds from setting the phases to the close"
    )
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="give up on a count after this long"
    )
    parser.add_argument("--reference-json", type=Path, default=BENCH / "pabutools_reference.json")
    parser.add_argument("--close-voting", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--watch", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.close_voting is not None:
        close_voting(args.close_voting)
        return
    if args.watch is not None:
        watch(args.watch)
        return

    path = Path(args.file)
    if not path.exists():
        path = shared_pabulib() / args.file
    if not path.exists():
        raise SystemExit(f"{args.file} not found")
    begun = time.perf_counter()
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    all_figures = {db: run(db, path, args) for db in databases}
    counted = next((f for f in all_figures.values() if f["state"] == "done"), {})
    print("## pabutools", flush=True)
    refs = references(path, counted, args.reference_json)
    print(f"\n{path.stem}: {counted.get('voters', '?')} voters counted")
    report(all_figures, refs)
    print(f"\nwall time {time.perf_counter() - begun:.0f} s")


if __name__ == "__main__":
    main()
