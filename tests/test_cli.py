"""The `gemeinsam` command as a user runs it: demo, serve, worker, import-districts, help.

These start real processes on a fresh SQLite data directory each.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gemeinsam.demo import mqtt_namespace

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src/gemeinsam/core/data/bezirksgrenzen_alkis.geojson"


def gemeinsam(*args: str, data_dir: Path, timeout: int = 180, **env: str):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(GEMEINSAM_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-m", "gemeinsam", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def count(data_dir: Path, sql: str) -> int:
    with sqlite3.connect(data_dir / "gemeinsam.sqlite3") as db:
        return db.execute(sql).fetchone()[0]


def row_counts(data_dir: Path) -> list[int]:
    tables = (
        "core_user",
        "core_district",
        "core_organisation",
        "account_emailaddress",
        "budgeting_proposal",
        "budgeting_ballot",
        "budgeting_result",
    )
    return [count(data_dir, f"SELECT COUNT(*) FROM {table}") for table in tables]  # noqa: S608


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_the_gemeinsam_commands(tmp_path):
    result = gemeinsam("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("demo", "serve", "migrate", "createsuperuser", "worker", "import-districts"):
        assert f"  {command} " in result.stdout
    assert "  check" in result.stdout  # Django's own commands pass through


def test_demo_twice_neither_fails_nor_duplicates(tmp_path):
    first = gemeinsam("demo", "--no-serve", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "admin@demo.gemeinsam.invalid" in first.stdout
    assert "PANK-DEMX-2345" in first.stdout  # a demo voting code
    prefix = mqtt_namespace(tmp_path)["STA_MQTT_TOPIC_PREFIX"]
    assert f"MQTT topics: {prefix}/v1.1/..." in first.stdout  # its own, beside other demos
    counts = row_counts(tmp_path)
    assert counts[:2] == [4, 12]
    second = gemeinsam("demo", "--no-serve", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already there" in second.stdout
    assert row_counts(tmp_path) == counts


def test_serve_refuses_to_start_without_secret_key(tmp_path):
    result = gemeinsam("serve", data_dir=tmp_path)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert "SECRET_KEY" in message
    assert len(message.splitlines()) == 1


def test_serve_runs_gunicorn_with_static_files(tmp_path):
    assert gemeinsam("migrate", data_dir=tmp_path).returncode == 0
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        GEMEINSAM_DATA_DIR=str(tmp_path),
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'gemeinsam.sqlite3'}",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gemeinsam", "serve", "--port", str(port), "--workers", "1"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert json.loads(health) == {"status": "ok", "database": "ok"}
        page = _get_when_up(f"http://127.0.0.1:{port}/")
        css = next(part.split('"')[0] for part in page.split('href="')[1:] if ".css" in part)
        assert _get_when_up(f"http://127.0.0.1:{port}{css}").startswith("/*")
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get_when_up(url: str, deadline: float = 60) -> str:
    stop = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local
                return response.read().decode()
        except OSError:
            if time.monotonic() > stop:
                raise
            time.sleep(0.3)


def test_import_districts_reports_bad_files_and_loads_good_ones(tmp_path):
    assert gemeinsam("migrate", data_dir=tmp_path).returncode == 0
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [\n  {oops}\n]}')
    result = gemeinsam("import-districts", str(broken), data_dir=tmp_path)
    assert result.returncode == 1
    assert f"{broken}: line 2" in result.stderr
    result = gemeinsam("import-districts", str(SHIPPED), data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 12 districts" in result.stdout


def test_worker_sends_queued_mail(tmp_path):
    mail_dir = tmp_path / "mail"
    env = {"EMAIL_URL": f"file://{mail_dir}"}
    assert gemeinsam("migrate", data_dir=tmp_path, **env).returncode == 0
    enqueue = (
        "from gemeinsam.core.tasks import send_email; "
        "send_email.enqueue(subject='Hallo', body='Test', to=['a@example.org'])"
    )
    assert gemeinsam("shell", "-c", enqueue, data_dir=tmp_path, **env).returncode == 0
    assert (
        count(
            tmp_path,
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'",
        )
        == 1
    )
    assert not mail_dir.exists() or not any(mail_dir.iterdir())
    result = gemeinsam("worker", "--batch", "--no-startup-delay", data_dir=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert (
        count(
            tmp_path,
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'",
        )
        == 1
    )
    (sent,) = mail_dir.iterdir()
    assert "Subject: Hallo" in sent.read_text()


@pytest.mark.parametrize("url", ["smtp://user:p%40ss@mail.example.org:587?tls=1"])
def test_email_url_configures_smtp(url, tmp_path):
    from gemeinsam.lib.email_url import parse_email_url

    options = parse_email_url(url, tmp_path)["default"]["OPTIONS"]
    assert (options["host"], options["port"], options["password"], options["use_tls"]) == (
        "mail.example.org",
        587,
        "p@ss",
        True,
    )


def test_unknown_email_scheme_is_a_clear_error(tmp_path):
    from gemeinsam.lib.email_url import parse_email_url

    with pytest.raises(ValueError, match="unknown scheme 'pigeon'"):
        parse_email_url("pigeon://coop", tmp_path)
