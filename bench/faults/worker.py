"""Fault run of `gemeinsam worker`: SIGKILL mid-task (budgeting counts, sortition runs, a
digest), then a restarted worker; and an 8-second PostgreSQL outage through a TCP proxy.

    .venv/bin/python bench/faults/worker.py [--rounds N] [--file PB] [--outage SECONDS]

DATABASE_URL names a database this run empties (default: PostgreSQL database
`gemeinsam_faults` on 127.0.0.1, created if missing); on SQLite the outage is skipped.
Counts come from a real Pabulib file (default Poland_Czestochowa_2020.pb from the shared
data), the sortition runs from example_small_20. A worker slowed inside the task
(tests/slow_worker.py) is killed while the task runs; a plain worker is started after it.
Prints "tasks finished exactly once: N/N", "worker survived outage: yes|no|skipped" and
"tracebacks: N", and exits 1 when a count is wrong.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gemeinsam_faults"


def shared_data() -> Path:
    for candidate in (os.environ.get("GEMEINSAM_SHARED_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path("/work/shared/data")


def setup(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        parts = urlsplit(url)
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as db:
            name = parts.path.lstrip("/")
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                db.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, DATABASE_CONN_MAX_AGE="0", TASK_LEASE_SECONDS="2")
    os.environ.setdefault("GEMEINSAM_DATA_DIR", tempfile.mkdtemp(prefix="faults-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "gemeinsam.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def staff_user():
    from gemeinsam.core.models import User
    from gemeinsam.core.roles import Role, assign_role

    user = User.objects.create_user("faults@example.org", "x" * 20)
    assign_role(user, Role.STAFF)
    return user


def tasks(path: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path)


def kill_mid_task(url: str, log: Path, is_running) -> bool:
    """Start a slowed worker, SIGKILL it once the task runs, start a plain one."""
    from tests.faultkit import start_worker, wait_until

    doomed = start_worker(url, log, pause=600)
    try:
        wait_until(is_running, 120, "the task to run", log)
    finally:
        doomed.kill()
        doomed.wait()
    return start_worker(url, log)


def count_round(url: str, log: Path, staff, pb_file: Path, n: int) -> bool:
    from django.core.management import call_command

    from gemeinsam.budgeting.models import BudgetingProcess, ResultState
    from gemeinsam.budgeting.services import results
    from gemeinsam.core.models import AuditEvent
    from tests.faultkit import stop, wait_until

    slug = f"faults-{n}"
    call_command("pb", "import", str(pb_file), "--process", slug, "--no-count", verbosity=0)
    budgeting = BudgetingProcess.objects.get(process__slug=slug)
    queued = results.request_count(staff, budgeting)
    mine = budgeting.results.filter(pk=queued.pk)
    survivor = kill_mid_task(url, log, mine.filter(state=ResultState.RUNNING).exists)
    try:
        wait_until(mine.filter(state=ResultState.DONE).exists, 600, "the count", log)
    finally:
        stop(survivor)
    audited = AuditEvent.objects.filter(verb__startswith="budgeting.", target_id=str(budgeting.pk))
    audited = audited.filter(verb__in=["budgeting.publish_result", "budgeting.count_provisional"])
    return budgeting.results.count() == 1 and audited.count() == 1


def sortition_round(url: str, log: Path, staff, n: int) -> bool:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gemeinsam.core.models import AuditEvent
    from gemeinsam.sortition.models import Panel, RunState
    from gemeinsam.sortition.services.quotas import upload_quotas
    from gemeinsam.sortition.services.runs import request_run
    from gemeinsam.sortition.services.volunteers import import_volunteers
    from tests.faultkit import stop, wait_until

    folder = shared_data() / "sortition" / "example_small_20"
    panel = Panel.objects.create(slug=f"faults-{n}", title="Gremium", size=20, created_by=staff)
    for service, name in (
        (upload_quotas, "categories.csv"),
        (import_volunteers, "respondents.csv"),
    ):
        service(staff, panel, SimpleUploadedFile(name, (folder / name).read_bytes()))
    run = request_run(staff, panel)
    mine = panel.runs.filter(pk=run.pk)
    survivor = kill_mid_task(url, log, mine.filter(state=RunState.RUNNING).exists)
    try:
        wait_until(mine.filter(state=RunState.DONE).exists, 600, "the run", log)
    finally:
        stop(survivor)
    done = AuditEvent.objects.filter(verb="sortition.run_done", target_id=str(panel.pk))
    return panel.runs.count() == 1 and done.count() == 1


def digest_round(url: str, log: Path, staff) -> bool:
    from datetime import timedelta

    from django.utils import timezone

    from gemeinsam.core.models import User
    from gemeinsam.participation.models import Phase, PhaseType, Process
    from gemeinsam.participation.services import contributions
    from gemeinsam.participation.tasks import send_daily_digests
    from tests.faultkit import stop, wait_until

    process = Process.objects.create(title="Ideen", slug="faults-ideen", summary="S")
    start = timezone.now() - timedelta(days=1)
    Phase.objects.create(
        process=process,
        type=PhaseType.IDEA_COLLECTION,
        starts_at=start,
        ends_at=start + timedelta(days=5),
    )
    contributions.submit_idea(staff, process, title="Mehr Bänke", description="D")
    followers = [User.objects.create_user(f"folgt{n}@example.org") for n in range(5)]
    process.followers.add(*followers)
    send_daily_digests.enqueue()
    digest = tasks("gemeinsam.participation.tasks.send_daily_digests")
    survivor = kill_mid_task(url, log, digest.filter(status="RUNNING").exists)
    try:
        wait_until(digest.filter(status="SUCCESSFUL").exists, 300, "the digest", log)
    finally:
        stop(survivor)
    mails = [t.args_kwargs["kwargs"]["to"] for t in tasks("gemeinsam.core.tasks.send_email")]
    return sorted(m for m in mails if m[0].startswith("folgt")) == sorted(
        [f.email] for f in followers
    )


def outage(url: str, log: Path, staff, pb_file: Path, seconds: float) -> str:
    from django.core.management import call_command
    from django.db import connection

    from gemeinsam.budgeting.models import BudgetingProcess, ResultState
    from gemeinsam.budgeting.services import results
    from gemeinsam.core.models import WorkerHeartbeat
    from tests.faultkit import TcpProxy, database_url, start_worker, stop, wait_until

    proxy = TcpProxy((connection.settings_dict["HOST"], int(connection.settings_dict["PORT"])))
    proxy.start()
    url = database_url(connection.settings_dict, port=proxy.port)
    call_command("pb", "import", str(pb_file), "--process", "outage", "--no-count", verbosity=0)
    budgeting = BudgetingProcess.objects.get(process__slug="outage")
    WorkerHeartbeat.objects.all().delete()
    worker = start_worker(url, log, TASK_LEASE_SECONDS="30", DATABASE_RETRY_MAX_SECONDS="4")
    try:
        wait_until(WorkerHeartbeat.objects.exists, 60, "the worker", log)
        proxy.stop()
        queued = results.request_count(staff, budgeting)  # straight to the database
        time.sleep(seconds)
        proxy.start()
        done = budgeting.results.filter(pk=queued.pk, state=ResultState.DONE)
        wait_until(done.exists, 600, "the count queued during the outage", log)
        survived = worker.poll() is None
    finally:
        stop(worker)
        proxy.stop()
    text = log.read_text()
    once = text.count("Database unreachable") == 1 and text.count("reachable again") == 1
    print(
        f"outage log lines: {text.count('Database unreachable')} down, "
        f"{text.count('reachable again')} back"
    )
    return "yes" if survived and once else "no"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="kills per kind of task")
    parser.add_argument("--file", type=Path, default=None, help="the Pabulib file counted")
    parser.add_argument("--outage", type=float, default=8.0, help="seconds without database")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    setup(url)
    pb_file = options.file or shared_data() / "pabulib" / "Poland_Czestochowa_2020.pb"
    log = Path(os.environ["GEMEINSAM_DATA_DIR"]) / "worker.log"
    staff = staff_user()
    outcomes = []
    for n in range(options.rounds):
        outcomes.append(("count", count_round(url, log, staff, pb_file, n)))
        outcomes.append(("sortition run", sortition_round(url, log, staff, n)))
    outcomes.append(("digest", digest_round(url, log, staff)))
    for kind, ok in outcomes:
        print(f"  {kind}: {'exactly once' if ok else 'NOT exactly once'}")
    exact = sum(ok for _, ok in outcomes)
    survived = "skipped (SQLite)"
    if url.startswith("postgres"):
        survived = outage(url, Path(str(log) + ".outage"), staff, pb_file, options.outage)
    tracebacks = sum(p.read_text().count("Traceback") for p in log.parent.glob("worker.log*"))
    print(f"tasks finished exactly once: {exact}/{len(outcomes)}")
    print(f"worker survived outage: {survived}")
    print(f"tracebacks: {tracebacks}")
    print(f"logs: {log}")
    return 0 if exact == len(outcomes) and survived != "no" and tracebacks == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
