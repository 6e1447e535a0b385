"""The database goes away: pages answer 503 (not 500) and the worker waits, logs the outage
once and runs what was queued meanwhile (a TCP proxy in front of PostgreSQL is cut)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from gemeinsam.budgeting.models import Result, ResultState
from gemeinsam.budgeting.services import results
from gemeinsam.core.models import WorkerHeartbeat

from .budgeting.test_results import DB_TASKS, majority_election
from .faultkit import TcpProxy, database_url, free_port, start_worker, stop, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unreachable_database(tmp_path):
    """The test's own connection pointed where no database answers, restored afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "gone.sqlite3")
    else:
        connection.settings_dict["PORT"] = free_port()
    yield
    connection.close()
    connection.settings_dict.update(saved)


@pytest.mark.parametrize("with_session", [False, True])
def test_pages_answer_503_while_the_database_is_unreachable(unreachable_database, with_session):
    client = Client(raise_request_exception=False)
    if with_session:
        client.cookies["sessionid"] = "a" * 32  # the session is read in a middleware
    with translation.override("en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get("/processes/")
        api = client.get("/api/districts")
        sta = client.get("/sta/v1.1/Things")
    assert page.status_code == 503
    assert page["Retry-After"] and "Temporarily unavailable" in page.text
    assert "5432" not in page.text and "sqlite" not in page.text.lower()
    assert api.status_code == 503 and "detail" in api.json()
    assert sta.status_code == 503 and sta.json()["code"] == 503


@pytest.mark.postgresql
def test_worker_survives_an_outage_and_runs_a_task_queued_during_it(settings, staff, tmp_path):
    settings.TASKS = DB_TASKS
    target = (
        connection.settings_dict["HOST"] or "127.0.0.1",
        int(connection.settings_dict["PORT"]),
    )
    proxy = TcpProxy(target)
    proxy.start()
    url = database_url(connection.settings_dict, port=proxy.port)
    log = tmp_path / "worker.log"
    worker = start_worker(url, log, DATABASE_RETRY_MAX_SECONDS="2", TASK_LEASE_SECONDS="30")
    web_port = free_port()
    server = start_server(url, web_port, tmp_path)
    try:
        wait_until(WorkerHeartbeat.objects.exists, 60, "the worker to start")
        wait_until(lambda: _status(web_port, "/api/districts") == 200, 60, "the server")
        proxy.stop()
        budgeting = majority_election()
        queued = results.request_count(staff, budgeting)  # straight to PostgreSQL, not via proxy
        assert _status(web_port, "/api/districts") == 503
        time.sleep(8)
        proxy.start()
        done = Result.objects.filter(pk=queued.pk, state=ResultState.DONE)
        wait_until(done.exists, 60, "the count queued during the outage")
        assert _status(web_port, "/api/districts") == 200
        assert worker.poll() is None, "the worker exited"
    finally:
        stop(worker)
        stop(server)
        proxy.stop()
    text = log.read_text()
    assert text.count("Database unreachable") == 1, text
    assert text.count("Database reachable again") == 1, text
    assert "Traceback" not in text


def start_server(url: str, port: int, data_dir) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        DATABASE_URL=url,
        DATABASE_CONN_MAX_AGE="0",
        GEMEINSAM_DATA_DIR=str(data_dir),
        SECRET_KEY="x" * 50,
    )
    argv = [sys.executable, "-m", "gunicorn", "gemeinsam.config.wsgi:application"]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"]
    return subprocess.Popen(
        argv, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0
