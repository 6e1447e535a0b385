"""Storage of observations: yearly partitions on PostgreSQL, WAL on SQLite.

The same tests run on both backends; where they differ, they ask `connection.vendor`.
"""

import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from gemeinsam.sensors import partitions as partitions_module
from gemeinsam.sensors.models import (
    Datastream,
    FeatureOfInterest,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
)
from gemeinsam.sensors.partitions import (
    DEFAULT_PARTITION,
    FIRST_YEAR,
    TABLE,
    ensure_partitions,
    forget_partitions,
    partition_name,
)


def make_datastream(name: str = "Temperatur") -> Datastream:
    return Datastream.objects.create(
        name=name,
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement={"name": "degree Celsius", "symbol": "°C"},
        thing=Thing.objects.create(name="Kiezbox 1"),
        sensor=Sensor.objects.create(name="DHT22", encoding_type="text/html", metadata="x"),
        observed_property=ObservedProperty.objects.create(name="T", definition="urn:t"),
    )


@pytest.fixture
def datastream(db) -> Datastream:
    return make_datastream()


@pytest.fixture
def feature(db) -> FeatureOfInterest:
    return FeatureOfInterest.objects.create(
        name="Hof", encoding_type="application/geo+json", feature={"type": "Point"}
    )


def observe(datastream, feature, year: int, result: float = 1.0) -> Observation:
    return Observation.objects.create(
        datastream=datastream,
        feature_of_interest=feature,
        phenomenon_time_start=datetime(year, 6, 1, 12, tzinfo=UTC),
        result_number=result,
    )


def partition_of(observation: Observation) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s",  # noqa: S608
            [observation.pk],
        )
        return cursor.fetchone()[0]


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        return {name for (name,) in cursor.fetchall()}


# Tests that make partitions commit their fixtures (transaction=True): attaching a partition
# adds its foreign keys, which waits for every open transaction that wrote a Datastream.


def free_year() -> int:
    """A year that has no partition yet, so that the test sees one made."""
    taken = partitions()
    return next(y for y in range(FIRST_YEAR + 10, 2000) if partition_name(y) not in taken)


@pytest.mark.django_db
def test_observations_are_partitioned_on_postgresql_and_wal_on_sqlite():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
                "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
                "WHERE p.partrelid = %s::regclass",
                [TABLE],
            )
            assert cursor.fetchall() == [("r", "phenomenon_time_start")]
            this_year = datetime.now(UTC).year
            assert {DEFAULT_PARTITION, partition_name(this_year)} <= partitions()
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1", [TABLE]
            )
            assert [name for (name,) in cursor.fetchall()] == [
                "obs_ds_time",
                "obs_foi",
                "obs_mds_time",
                "sensors_observation_pkey",
            ]
        else:
            assert connection.vendor == "sqlite"
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


@pytest.mark.django_db(transaction=True)
def test_observations_of_several_years_land_in_their_partitions(datastream, feature):
    ensure_partitions(datetime(2019, 3, 1, tzinfo=UTC), datetime(2021, 2, 1, tzinfo=UTC))
    made = {year: observe(datastream, feature, year, result=year) for year in (2019, 2020, 2021)}
    stray = observe(
        datastream, feature, 1900, result=1900
    )  # before FIRST_YEAR: never its own partition

    assert sorted(Observation.objects.values_list("result_number", flat=True)) == [
        1900,
        2019,
        2020,
        2021,
    ]
    if connection.vendor == "postgresql":
        for year, observation in made.items():
            assert partition_of(observation) == partition_name(year)
        assert partition_of(stray) == DEFAULT_PARTITION


@pytest.mark.django_db(transaction=True)
def test_rows_of_a_year_in_the_default_partition_move_into_its_new_partition(datastream, feature):
    # Committed rows: the partition is made on a connection of its own, which sees only those.
    forget_partitions()
    year = free_year() if connection.vendor == "postgresql" else 1975
    early = observe(datastream, feature, year, result=1)
    late = observe(datastream, feature, year, result=2)
    if connection.vendor == "postgresql":
        assert partition_of(early) == DEFAULT_PARTITION

    ensure_partitions(datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, tzinfo=UTC))

    assert list(Observation.objects.order_by("id").values_list("id", flat=True)) == [
        early.pk,
        late.pk,
    ]
    if connection.vendor == "postgresql":
        assert partition_of(early) == partition_of(late) == partition_name(year)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")  # noqa: S608
            assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_partition_that_cannot_be_made_sends_rows_to_the_default_and_is_retried_later(
    datastream, feature, monkeypatch
):
    monkeypatch.setattr(partitions_module, "CREATE_BUDGET", 1.0)  # one try, not twelve seconds
    forget_partitions()
    year = free_year() if connection.vendor == "postgresql" else 1977
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, tzinfo=UTC)
    blocker = connections.create_connection("default")
    try:
        if connection.vendor == "postgresql":
            # Another writer holds the DEFAULT partition: the new partition must wait for it.
            blocker.set_autocommit(False)
            with blocker.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ROW EXCLUSIVE MODE")
        ensure_partitions(start, end)  # gives up after the lock timeout, does not raise
        stray = observe(datastream, feature, year)
        if connection.vendor == "postgresql":
            assert partition_name(year) not in partitions()
            assert partition_of(stray) == DEFAULT_PARTITION
            with CaptureQueriesContext(connection) as queries:
                ensure_partitions(start, end)  # not tried again at once
            assert len(queries) == 0
    finally:
        if connection.vendor == "postgresql":
            blocker.rollback()
        blocker.close()
    forget_partitions()
    ensure_partitions(start, end)  # later it is made, and the stray row moves into it
    if connection.vendor == "postgresql":
        assert partition_of(stray) == partition_name(year)


@pytest.mark.django_db(transaction=True)
def test_orm_reads_updates_and_deletes_observations_by_id(datastream, feature):
    ensure_partitions(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))
    first = observe(datastream, feature, 2024, result=1)
    second = observe(datastream, feature, 2024, result=2)
    assert first.pk != second.pk

    assert Observation.objects.get(pk=first.pk).result == 1
    first.result = 21.5
    first.save()
    assert Observation.objects.get(pk=first.pk).result == 21.5
    # A new phenomenon time in another year moves the row into that year's partition.
    first.phenomenon_time_start = datetime(2025, 1, 2, tzinfo=UTC)
    first.save(update_fields=["phenomenon_time_start"])
    assert Observation.objects.get(pk=first.pk).phenomenon_time_start.year == 2025
    if connection.vendor == "postgresql":
        assert partition_of(first) == partition_name(2025)
    assert Observation.objects.filter(pk=second.pk).update(result_number=7) == 1
    assert Observation.objects.get(pk=second.pk).result == 7

    second.delete()
    assert list(Observation.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_datastream_deletes_its_observations_in_every_partition(datastream, feature):
    other = make_datastream("Feuchte")
    ensure_partitions(datetime(2022, 1, 1, tzinfo=UTC), datetime(2023, 12, 31, tzinfo=UTC))
    for year in (1900, 2022, 2023):
        observe(datastream, feature, year)
    kept = observe(other, feature, 2023)

    datastream.delete()

    assert list(Observation.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_make_one_partition_and_then_cost_no_query():
    forget_partitions()
    year = free_year() if connection.vendor == "postgresql" else 1976
    start, end = datetime(year, 2, 1, tzinfo=UTC), datetime(year, 3, 1, tzinfo=UTC)
    errors = []

    def call() -> None:
        try:
            ensure_partitions(start, end)
        except Exception as error:
            errors.append(error)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        if connection.vendor == "postgresql":
            assert partition_name(year) in partitions()
        with CaptureQueriesContext(connection) as queries:  # remembered by the process
            ensure_partitions(start, end)
        assert len(queries) == 0
        forget_partitions()
        ensure_partitions(start, end)  # this thread learns it from the catalog once
        with CaptureQueriesContext(connection) as queries:
            ensure_partitions(start, end)
        assert len(queries) == 0
    finally:
        forget_partitions()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {partition_name(year)}")


def drop_partitions(*years: int) -> None:
    forget_partitions()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for year in years:
                cursor.execute(f"DROP TABLE IF EXISTS {partition_name(year)}")


def rows_by_partition() -> dict[str, int]:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT 'main', count(*) FROM {TABLE}")  # noqa: S608
        else:
            cursor.execute(
                f"SELECT tableoid::regclass::text, count(*) FROM {TABLE} GROUP BY 1"  # noqa: S608
            )
        return dict(cursor.fetchall())


def post_rows(token: str, stream: int, feature: int, years: tuple, number: int) -> list:
    """One client: three CreateObservations requests with rows of both years; the answers."""
    from django.test import Client

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answers = []
    for round_ in range(3):
        order = years if number % 2 else years[::-1]
        rows = [
            [f"{year}-{1 + i % 12:02d}-03T{number:02d}:{round_:02d}:{i:02d}Z", 0, feature]
            for i in range(50)
            for year in order
        ]
        for index, row in enumerate(rows):
            row[1] = number * 10_000 + round_ * 1_000 + index
        body = [
            {
                "Datastream": {"@iot.id": stream},
                "components": ["phenomenonTime", "result", "FeatureOfInterest/id"],
                "dataArray": rows,
            }
        ]
        response = api.post(
            "/sta/v1.1/CreateObservations", json.dumps(body), content_type="application/json"
        )
        answers.append(
            (response.status_code, response.json() if response.status_code < 500 else [])
        )
    return answers


def run_clients(arguments: list[tuple]) -> list:
    """Each client in a thread with its own database connection. (Forked processes, each
    with its own memory of partitions as the server's workers have, shared a connection
    inherited from earlier tests in the whole PostgreSQL suite; threads share that memory,
    so the forget_partitions() calls of the tests keep every client's first write cold.)"""
    answers = []
    from ..conftest import run_concurrently

    errors = run_concurrently([lambda a=a: answers.append(post_rows(*a)) for a in arguments])
    return answers + errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_create_observations_into_new_years_store_every_row_in_its_partition(
    datastream, feature, sta_token
):
    """Eight clients post CreateObservations into two years without partitions at once: no
    request fails, each row is stored once, in its year's partition, none in the DEFAULT."""
    forget_partitions()
    first = free_year() if connection.vendor == "postgresql" else 1978
    years = (first, first + 1)
    assert connection.vendor != "postgresql" or partition_name(first + 1) not in partitions()
    clients = 8
    # A long transaction that wrote a Datastream (an import, a batch) holds the lock a new
    # partition's foreign keys need, for longer than one lock timeout.
    other = make_datastream("Feuchte")
    blocker = connections.create_connection("default")
    blocker.inc_thread_sharing()  # committed by a timer thread
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("UPDATE sensors_datastream SET name = name WHERE id = %s", [other.pk])
    release = threading.Timer(5.0, blocker.commit)
    release.start()
    try:
        answers = run_clients(
            [(sta_token, datastream.pk, feature.pk, years, n) for n in range(clients)]
        )
        assert all(isinstance(a, list) for a in answers), answers
        answers = [answer for client in answers for answer in client]
        assert [status for status, _ in answers] == [201] * clients * 3
        assert all("error" not in links for _, links in answers)
        results = list(Observation.objects.values_list("result_number", flat=True))
        expected = clients * 3 * 50 * len(years)
        assert len(results) == len(set(results)) == expected
        if connection.vendor == "postgresql":
            assert rows_by_partition() == {
                partition_name(year): expected // len(years) for year in years
            }
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} "  # noqa: S608
                    "WHERE tableoid::regclass::text <> 'sensors_observation_y' "
                    "|| extract(year FROM phenomenon_time_start AT TIME ZONE 'UTC')"
                )
                assert cursor.fetchone()[0] == 0
    finally:
        release.join()
        blocker.close()
        drop_partitions(*years)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_routed_to_the_default_while_its_partition_is_attached_is_stored_there(
    datastream, feature, monkeypatch
):
    """An insert that routed its row to the DEFAULT partition just before another process
    attached the row's year is refused by PostgreSQL (a CheckViolation): it runs again."""
    from gemeinsam.sensors.services import record_observations

    monkeypatch.setattr(partitions_module, "CREATE_BUDGET", 0.5)
    forget_partitions()
    year = free_year()
    name = partition_name(year)
    other = connections.create_connection("default")
    other.inc_thread_sharing()
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        assert not ensure_partitions(
            datetime(year, 1, 1, tzinfo=UTC), datetime(year, 2, 1, tzinfo=UTC)
        )
        with other.cursor() as cursor:  # the other process attaches the year's partition
            cursor.execute(
                f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM "
                f"('{year}-01-01 00:00:00+00') TO ('{year + 1}-01-01 00:00:00+00')"
            )
        commit = threading.Timer(1.0, other.commit)
        commit.start()
        stored = record_observations(
            [
                Observation(
                    datastream=datastream,
                    feature_of_interest=feature,
                    phenomenon_time_start=datetime(year, 5, 1, tzinfo=UTC),
                    result_number=1.0,
                )
            ]
        )
        commit.join()
        assert partition_of(stored[0]) == name
        assert rows_by_partition() == {name: 1}
    finally:
        other.rollback()
        other.close()
        drop_partitions(year)


@pytest.fixture
def without_next_year():
    """The database without next year's partition (and without this process's memory of it),
    as a database migrated in an earlier year is; put back afterwards."""
    next_year = datetime.now(UTC).year + 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {partition_name(next_year)}")  # noqa: S608
            assert cursor.fetchone()[0] == 0
        drop_partitions(next_year)
        assert partition_name(next_year) not in partitions()
    yield next_year
    forget_partitions()
    ensure_partitions(datetime(next_year, 1, 1, tzinfo=UTC), datetime(next_year, 2, 1, tzinfo=UTC))


@pytest.mark.django_db(transaction=True)
def test_migrate_makes_the_partitions_of_this_year_and_the_next(without_next_year):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    if connection.vendor == "postgresql":
        this_year = without_next_year - 1
        assert {partition_name(this_year), partition_name(without_next_year)} <= partitions()


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_next_years_partition_when_it_starts(without_next_year, settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    call_command("worker", "--batch", verbosity=0)

    if connection.vendor == "postgresql":
        assert partition_name(without_next_year) in partitions()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_wrote_a_datastream_does_not_wait_for_a_partition_of_its_own(
    datastream,
):
    """Attaching a partition waits for writers of a Datastream: made from inside such a
    transaction, it would wait for the very transaction that waits for it. So the rows go to
    the DEFAULT then, and the partition is made by the next write outside one."""
    import time

    from django.db import transaction

    forget_partitions()
    year = free_year() if connection.vendor == "postgresql" else 1979
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, tzinfo=UTC)
    try:
        with transaction.atomic():
            Datastream.objects.filter(pk=datastream.pk).update(name="renamed")
            began = time.monotonic()
            made = ensure_partitions(start, end)
            waited = time.monotonic() - began
        assert waited < 1.0
        if connection.vendor == "postgresql":
            assert not made and partition_name(year) not in partitions()
            with transaction.atomic():
                Datastream.objects.filter(pk=datastream.pk).count()  # a reader only
                assert ensure_partitions(start, end)
            assert partition_name(year) in partitions()
    finally:
        drop_partitions(year)
