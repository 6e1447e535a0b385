"""Yearly partitions of the observation table on PostgreSQL (made partitioned by migration 0002).

Call `ensure_partitions(start, end)` before inserting observations whose phenomenon times lie
in [start, end]: it adds the missing yearly partitions. Without them rows land in the DEFAULT
partition, which is correct but keeps growing and is scanned by every time-window query.
"""

import logging
import threading
import time
from datetime import UTC, datetime

from django.db import DatabaseError, connections

from .models import Observation

log = logging.getLogger(__name__)

TABLE = "sensors_observation"
DEFAULT_PARTITION = "sensors_observation_default"
# Years outside this range stay in the DEFAULT partition, so that one wrong timestamp
# (year 1 or 9999) cannot make thousands of tables.
FIRST_YEAR = 1950
YEARS_AHEAD = 5
# Adding a partition briefly locks the DEFAULT partition; an insert rather goes on without
# the partition than waits long for that lock.
LOCK_TIMEOUT = "2s"
# Serialises partition creation across processes: key of pg_advisory_xact_lock.
ADVISORY_KEY = 0x5E450B5

RETRY_SECONDS = 60.0

_known: dict[tuple[str, str], set[int]] = {}
_failed: dict[tuple[str, str], dict[int, float]] = {}  # year -> monotonic time of next try
_guard = threading.Lock()


def partition_name(year: int) -> str:
    return f"{TABLE}_y{year}"


def ensure_partitions(start: datetime, end: datetime, using: str = "default") -> None:
    """Create the yearly partitions (UTC years) that rows with phenomenon times in
    [start, end] need; rows of such a year already in the DEFAULT partition move over.

    A no-op on SQLite. The work runs on a connection of its own, in its own transaction:
    inside the caller's transaction it would wait for other writers' locks on the DEFAULT
    partition while holding its own, and two inserting processes would block each other.
    The years known to exist are remembered per process, so the insert path pays one set
    comparison after that; a year whose partition could not be made (a lock timeout) is
    tried again only after RETRY_SECONDS, its rows going to the DEFAULT partition meanwhile.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    years = set(range(_year(start), _year(end) + 1)) & set(
        range(FIRST_YEAR, datetime.now(UTC).year + YEARS_AHEAD + 1)
    )
    key = (using, connection.settings_dict["NAME"])
    now = time.monotonic()
    with _guard:
        known = _known.setdefault(key, set())
        failed = _failed.setdefault(key, {})
        missing = {y for y in years - known if failed.get(y, 0.0) <= now}
    if not missing:
        return
    own = connections.create_connection(using)
    try:
        created = _create(own, missing)
    finally:
        own.close()
    with _guard:
        known.update(created)
        for year in missing - created:
            failed[year] = now + RETRY_SECONDS


def forget_partitions() -> None:
    """Drop what this process remembers (tests that drop or roll back partitions)."""
    with _guard:
        _known.clear()
        _failed.clear()


def _year(moment: datetime) -> int:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).year


def _create(connection, years: set[int]) -> set[int]:
    """The years of `years` that have a partition afterwards, made on `connection` (a
    connection of its own, in autocommit) in one transaction with a savepoint per year."""
    present: set[int] = set()
    with connection.cursor() as cursor:
        try:
            cursor.execute("BEGIN")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass",
                [TABLE],
            )
            existing = {name for (name,) in cursor.fetchall()}
            for year in sorted(years):
                if partition_name(year) in existing or _add(cursor, year):
                    present.add(year)
            cursor.execute("COMMIT")
        except DatabaseError as error:  # the advisory lock timed out: another creator hangs
            log.warning("observation partitions not checked: %s", error)
            cursor.execute("ROLLBACK")
            return set()
    return present


def _add(cursor, year: int) -> bool:
    """Make the partition of `year`, moving that year's rows out of the DEFAULT partition.

    A new standalone table is filled and then attached, under one savepoint: attaching
    locks only the DEFAULT partition exclusively, not the whole observation table as
    CREATE TABLE ... PARTITION OF would.
    """
    name = partition_name(year)
    lower, upper = f"'{year}-01-01 00:00:00+00'", f"'{year + 1}-01-01 00:00:00+00'"
    columns = ", ".join(f'"{field.column}"' for field in Observation._meta.concrete_fields)
    cursor.execute("SAVEPOINT partition_year")
    try:
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608 - names are ours
            f"WHERE phenomenon_time_start >= {lower} AND phenomenon_time_start < {upper} "
            f"RETURNING {columns}) INSERT INTO {name} ({columns}) SELECT {columns} FROM moved"
        )
        moved = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({lower}) TO ({upper})"
        )
    except DatabaseError as error:  # a lock timeout or a partition made by hand
        cursor.execute("ROLLBACK TO SAVEPOINT partition_year")
        log.warning("observation partition %s not created: %s", name, error)
        return False
    cursor.execute("RELEASE SAVEPOINT partition_year")
    if moved:
        log.info("observation partition %s created with %d rows from the default", name, moved)
    return True
