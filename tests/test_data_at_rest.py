"""Data at rest: the data directory is the operator's alone.

Real processes of the `gemeinsam` command on a fresh data directory each, as in test_cli.py.
"""

import io
import json
import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gemeinsam.sortition.models import Panel, SelectionRun, Source, Status, Volunteer
from tests.test_cli import gemeinsam

WRITE_EVERYTHING = """
import json, os, stat
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection
default_storage.save("ideas/2026/photo.txt", ContentFile(b"a picture"))
send_mail("Hello", "Body", "from@example.org", ["to@example.org"])
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
    cursor.execute("INSERT INTO scratch VALUES (1)")
    database = settings.DATABASES["default"]["NAME"]
    modes = {s: oct(stat.S_IMODE(os.stat(f"{database}{s}").st_mode)) for s in ("-wal", "-shm")}
print(json.dumps(modes))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_directory_and_everything_in_it_is_private(tmp_path):
    data_dir = tmp_path / "data"
    result = gemeinsam("migrate", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    result = gemeinsam("shell", "-c", WRITE_EVERYTHING, data_dir=data_dir, EMAIL_URL="file:")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"-wal": "0o600", "-shm": "0o600"}
    paths = [data_dir, *data_dir.rglob("*")]
    names = {p.relative_to(data_dir).as_posix() for p in paths}
    assert {"gemeinsam.sqlite3", "secret_key", "media/ideas/2026/photo.txt", "mail"} <= names
    too_open = {
        p.relative_to(tmp_path).as_posix(): oct(mode(p))
        for p in paths
        if mode(p) != (0o700 if p.is_dir() else 0o600)
    }
    assert too_open == {}
    assert any((data_dir / "mail").iterdir())


def test_a_data_directory_left_open_is_closed_at_start_and_said_so(tmp_path):
    data_dir = tmp_path / "data"
    assert gemeinsam("migrate", data_dir=data_dir).returncode == 0
    data_dir.chmod(0o755)
    (data_dir / "gemeinsam.sqlite3").chmod(0o644)
    result = gemeinsam("check", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert (mode(data_dir), mode(data_dir / "gemeinsam.sqlite3")) == (0o700, 0o600)
    assert "Closed the data directory to other users" in result.stderr
    assert "gemeinsam.sqlite3" in result.stderr


# What a purge leaves in the database files ------------------------------------------------


def raw_database_bytes() -> bytes:
    """The SQLite file and its write-ahead log as they lie on disk."""
    name = Path(connection.settings_dict["NAME"])
    return b"".join(
        path.read_bytes() for path in (name, name.with_name(name.name + "-wal")) if path.exists()
    )


@pytest.mark.sqlite  # the file-level check is SQLite's; PostgreSQL relies on VACUUM (README)
@pytest.mark.django_db(transaction=True)
def test_the_purge_leaves_no_trace_of_a_volunteer_in_the_sqlite_file_or_its_log(staff):
    marker = f"Purgetest-{uuid.uuid4().hex}"
    panel = Panel.objects.create(slug="gremium", title="Gremium", size=1, created_by=staff)
    Volunteer.objects.create(
        panel=panel, number=1, source=Source.ONLINE, status=Status.SELECTED, name="Seated"
    )
    Volunteer.objects.create(
        panel=panel,
        number=2,
        source=Source.ONLINE,
        name=f"{marker} name",
        email=f"{marker.lower()}@example.org",
        address=f"{marker} Straße 1",
    )
    drawn = timezone.now() - timedelta(days=panel.delete_after_days, minutes=1)
    SelectionRun.objects.create(panel=panel, drawn_at=drawn)
    assert marker.encode() in raw_database_bytes()  # the check can see what is there
    call_command("sortition", "purge", stdout=io.StringIO())
    assert not Volunteer.objects.filter(name__contains=marker).exists()
    assert marker.encode() not in raw_database_bytes()
    assert marker.lower().encode() not in raw_database_bytes()
