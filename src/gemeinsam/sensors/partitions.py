"""Yearly partitions of the observation table on PostgreSQL (made partitioned by migration 0002).

They are made ahead of need (`ensure_ahead`: this year and the next, after every migrate and
daily by the worker); a write into a year without one makes it first (`ensure_partitions`).
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import DatabaseError, IntegrityError, connections, transaction

from .models import Observation

log = logging.getLogger(__name__)

TABLE = "sensors_observation"
DEFAULT_PARTITION = "sensors_observation_default"
# Years outside this range stay in the DEFAULT partition, so that one wrong timestamp
# (year 1 or 9999) cannot make thousands of tables.
FIRST_YEAR = 1950
YEARS_AHEAD = 5
# Attaching waits for every open transaction on the DEFAULT partition and for writers of the
# referenced tables, and readers queue behind it: short tries (as PostgreSQL's docs advise for
# DDL under load), repeated for up to CREATE_BUDGET seconds, let the queue drain in between.
LOCK_TIMEOUT = "2s"
CREATE_BUDGET = 12.0
ADVISORY_WAIT = "30s"  # one creator at a time; a creator finishes within CREATE_BUDGET
# Serialises partition creation across processes: key of pg_advisory_xact_lock.
ADVISORY_KEY = 0x5E450B5

RETRY_SECONDS = 60.0

_known: dict[tuple[str, str], set[int]] = {}
_failed: dict[tuple[str, str], dict[int, float]] = {}  # year -> monotonic time of next try
_guard = threading.Lock()


def partition_name(year: int) -> str:
    return f"{TABLE}_y{year}"


def ensure_ahead(using: str = "default") -> None:
    """Make the partitions of this year and the next (UTC), so that writes seldom make one."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:  # after `migrate sensors zero` there is no table
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        if not cursor.fetchone()[0]:
            return
    year = datetime.now(UTC).year
    if not ensure_partitions(
        datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 12, 31, tzinfo=UTC), using
    ):
        log.warning(
            "observation partitions of %d and %d not made; tried again later", year, year + 1
        )


def ensure_ahead_after_migrate(using: str = "default", **kwargs) -> None:
    """post_migrate receiver: the year may have turned since the last deployment."""
    ensure_ahead(using)


def ensure_partitions(start: datetime, end: datetime, using: str = "default") -> bool:
    """Make the missing yearly partitions (UTC years) that rows with phenomenon times from
    `start` to `end` need; that year's rows in the DEFAULT partition move over. True when
    every such year has its partition, so that no row of it goes to the DEFAULT.

    True at once on SQLite and for years known to this process (one set comparison on the
    insert path). The work runs on a connection of its own, in a short transaction of its
    own, and only while the caller's transaction holds no lock that attaching a partition
    needs: otherwise the two connections could wait for each other unseen by PostgreSQL's
    deadlock detector. A year that cannot be made is tried again after RETRY_SECONDS; its rows
    go to the DEFAULT meanwhile (`insert_rerouting` keeps that safe).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    first, last = _year(start), _year(end)
    years = set(range(first, last + 1)) & set(
        range(FIRST_YEAR, datetime.now(UTC).year + YEARS_AHEAD + 1)
    )
    key = (using, connection.settings_dict["NAME"])
    now = time.monotonic()
    with _guard:
        known = _known.setdefault(key, set())
        failed = _failed.setdefault(key, {})
        missing = {y for y in years - known if failed.get(y, 0.0) <= now}
    if not missing:
        return years <= known
    if not _free_to_create(connection):
        return False
    own = connections.create_connection(using)
    try:
        created = _create(own, missing)
    finally:
        own.close()
    with _guard:
        known.update(created)
        for year in missing - created:
            failed[year] = now + RETRY_SECONDS
        return years <= known


def insert_rerouting(insert: Callable[[list[list]], list[int]], columns: list[list]) -> list[int]:
    """Run `insert` (rows as columns) in a savepoint, again when a row went to the DEFAULT
    partition while another process attached its year's partition.

    PostgreSQL then refuses the row with a CheckViolation on the DEFAULT partition (the
    inserting statement had routed it before the partition came); run again, it finds the
    new partition. Used when `ensure_partitions` could not make every year beforehand.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                return insert([list(values) for values in columns])
        except IntegrityError as error:
            diag = getattr(error.__cause__, "diag", None)
            if attempt == 2 or diag is None or diag.table_name != DEFAULT_PARTITION:
                raise
            log.info("observations rerouted after a partition was attached")
            with _guard:
                _failed.clear()
    raise AssertionError("unreachable")


def forget_partitions() -> None:
    """Drop what this process remembers (tests that drop or roll back partitions)."""
    with _guard:
        _known.clear()
        _failed.clear()


def _year(moment: datetime) -> int:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).year


def _referenced_tables() -> list[str]:
    return [
        field.related_model._meta.db_table
        for field in Observation._meta.concrete_fields
        if field.is_relation
    ]


def _free_to_create(connection) -> bool:
    """Whether the caller's open transaction (if any) holds none of the locks that attaching a
    partition waits for: any on the DEFAULT partition, a writer's on a referenced table."""
    if not connection.in_atomic_block and connection.get_autocommit():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT EXISTS (SELECT FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND locktype = 'relation' AND (relation = %s::regclass OR ("
            "relation = ANY(%s::regclass[]) AND mode NOT IN ('AccessShareLock', 'RowShareLock'))))",
            [DEFAULT_PARTITION, _referenced_tables()],
        )
        return cursor.fetchone()[0]


def _create(connection, years: set[int]) -> set[int]:
    """The years of `years` that have a partition afterwards, made on `connection` (a
    connection of its own, in autocommit): short transactions under the advisory lock, with
    a savepoint per year, repeated for the years left until CREATE_BUDGET is spent."""
    present: set[int] = set()
    deadline = time.monotonic() + CREATE_BUDGET
    while True:
        present |= _attempt(connection, years - present)
        if present >= years:
            return present
        if time.monotonic() >= deadline:
            log.warning("observation partitions of %s not made yet", sorted(years - present))
            return present
        time.sleep(0.1)


def _attempt(connection, years: set[int]) -> set[int]:
    present: set[int] = set()
    with connection.cursor() as cursor:
        try:
            cursor.execute("BEGIN")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [ADVISORY_WAIT])
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
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

    A new standalone table is filled and then attached, under one savepoint, as PostgreSQL's
    docs advise: attaching locks the DEFAULT partition exclusively, not the whole observation
    table as CREATE TABLE ... PARTITION OF would. The referenced tables are locked first, for
    the foreign keys attaching adds: a writer of a Datastream is then waited for before the
    DEFAULT is held, so it can still finish an insert into the DEFAULT instead of deadlocking.
    """
    name = partition_name(year)
    lower, upper = f"'{year}-01-01 00:00:00+00'", f"'{year + 1}-01-01 00:00:00+00'"
    columns = ", ".join(f'"{field.column}"' for field in Observation._meta.concrete_fields)
    cursor.execute("SAVEPOINT partition_year")
    try:
        referenced = ", ".join(_referenced_tables())
        cursor.execute(f"LOCK TABLE {referenced} IN SHARE ROW EXCLUSIVE MODE")
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
    except DatabaseError as error:  # a lock timeout, a deadlock, a partition made by hand
        cursor.execute("ROLLBACK TO SAVEPOINT partition_year")
        log.info("observation partition %s not created yet: %s", name, error)
        return False
    cursor.execute("RELEASE SAVEPOINT partition_year")
    if moved:
        log.info("observation partition %s created with %d rows from the default", name, moved)
    return True
