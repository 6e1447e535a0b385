"""The one bulk path for observations (OGC 18-088 section 14.4, dataArray).

CreateObservations, the MQTT bridge and the importers store through `record_observations`:
checked rows, one INSERT of our own, one time-extent UPDATE per stream, MQTT after commit.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import connection, models, transaction
from django.db.models import Count, Max, Min
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import models as m
from ..mqtt.publish import publish_on_commit
from ..partitions import ensure_partitions, insert_rerouting
from .entities import BY_NAME
from .values import (
    InvalidEntity,
    assign,
    check_result,
    entity_id,
    parse_instant,
    parse_interval,
    split_entity,
)

OBSERVATION = BY_NAME["Observation"]


# --- observations ----------------------------------------------------------------------------

_TIME_FIELDS = (
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time_start",
    "result_time_end",
)


_STREAM_MODELS = {"datastream_id": m.Datastream, "multi_datastream_id": m.MultiDatastream}


def _stream_key(obs: m.Observation) -> tuple[str, int]:
    """("datastream_id", id) or ("multi_datastream_id", id): the stream an observation is in."""
    values = obs.__dict__  # the attributes without Django's descriptors: this runs per row
    if values["datastream_id"] is not None:
        return "datastream_id", values["datastream_id"]
    return "multi_datastream_id", values["multi_datastream_id"]


def extend_time_extents(observations: list[m.Observation]) -> None:
    """Widen each (Multi)Datastream's phenomenonTime and resultTime: one UPDATE per stream."""
    extents: dict[tuple[str, int], list] = {}
    for obs in observations:
        values = obs.__dict__
        start = values["phenomenon_time_start"]
        end = values["phenomenon_time_end"] or start
        result = values["result_time"]
        extent = extents.get(key := _stream_key(obs))
        if extent is None:
            extents[key] = [start, end, result, result]
            continue
        if start < extent[0]:
            extent[0] = start
        if end > extent[1]:
            extent[1] = end
        if result is not None:
            if extent[2] is None or result < extent[2]:
                extent[2] = result
            if extent[3] is None or result > extent[3]:
                extent[3] = result
    for attname, model in _STREAM_MODELS.items():
        rows = [(pk, *extent) for (name, pk), extent in extents.items() if name == attname]
        for chunk in range(0, len(rows), 1000):
            _widen(model, rows[chunk : chunk + 1000])


def _widen(model: type[models.Model], rows: list[tuple]) -> None:
    """One UPDATE for the streams of a batch (id, phenomenon start, end, result start, end):
    a hundred streams in a batch of MQTT messages made a hundred round trips otherwise."""
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # LEAST and GREATEST skip NULL on PostgreSQL: an unset extent takes the new value.
        least, greatest = "LEAST(d.{0}, v.{1})", "GREATEST(d.{0}, v.{1})"
        first = "(%s::bigint, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::timestamptz)"
        adapt = _identity
    else:
        # SQLite's MIN and MAX of a NULL are NULL: fall back to whichever value is set.
        least = "COALESCE(MIN(d.{0}, v.{1}), d.{0}, v.{1})"
        greatest = "COALESCE(MAX(d.{0}, v.{1}), d.{0}, v.{1})"
        first = "(%s, %s, %s, %s, %s)"
        adapt = connection.ops.adapt_datetimefield_value
    setters = ", ".join(
        f"{column} = " + (least if column.endswith("start") else greatest).format(column, alias)
        for column, alias in zip(_TIME_FIELDS, ("ps", "pe", "rs", "re"), strict=True)
    )
    values = ", ".join([first] + ["(%s, %s, %s, %s, %s)"] * (len(rows) - 1))
    parameters = [
        adapt(value) if index else value for row in rows for index, value in enumerate(row)
    ]
    sql = (
        f"WITH v(id, ps, pe, rs, re) AS (VALUES {values}) "  # noqa: S608 - names are ours
        f"UPDATE {table} AS d SET {setters} FROM v WHERE d.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)


def _identity(value):
    return value


def shrink_time_extents(obs: m.Observation) -> None:
    """After deleting an observation at the edge of its stream's extent, recompute it."""
    attname, pk = _stream_key(obs)
    model = _STREAM_MODELS[attname]
    stream = model.objects.filter(pk=pk).values(*_TIME_FIELDS).first()
    end = obs.phenomenon_time_end or obs.phenomenon_time_start
    edges = (obs.phenomenon_time_start, end, obs.result_time, obs.result_time)
    if not stream or not any(
        edge is not None and edge == stream[name]
        for edge, name in zip(edges, _TIME_FIELDS, strict=True)
    ):
        return
    rest = m.Observation.objects.filter(**{attname: pk}).exclude(pk=obs.pk)
    extent = rest.aggregate(
        p_start=Min("phenomenon_time_start"),
        p_end=Max(Coalesce("phenomenon_time_end", "phenomenon_time_start")),
        r_start=Min("result_time"),
        r_end=Max("result_time"),
    )
    model.objects.filter(pk=pk).update(**dict(zip(_TIME_FIELDS, extent.values(), strict=True)))


def _stream_things(keys: set[tuple[str, int]]) -> tuple[dict, dict]:
    """The Thing id of each stream key, and the number of properties of each MultiDatastream."""
    things, sizes = {}, {}
    for attname, model in _STREAM_MODELS.items():
        ids = {pk for name, pk in keys if name == attname}
        if ids:
            rows = model.objects.filter(pk__in=ids).values_list("pk", "thing_id")
            things.update(((attname, pk), thing) for pk, thing in rows)
    if mds_ids := {pk for name, pk in keys if name == "multi_datastream_id"}:
        sizes = dict(
            m.MultiDatastreamProperty.objects.filter(multi_datastream__in=mds_ids)
            .values("multi_datastream")
            .annotate(n=Count("pk"))
            .values_list("multi_datastream", "n")
        )
    return things, sizes


def features_from_locations(thing_ids: set[int]) -> dict[int, int]:
    """The FeatureOfInterest made from each Thing's current Location (created if needed)."""
    links = m.Thing.locations.through.objects.filter(thing_id__in=thing_ids)
    location_of = {}
    for thing_id, location_id in links.values_list("thing_id", "location_id"):
        location_of[thing_id] = max(location_id, location_of.get(thing_id, 0))
    locations = m.Location.objects.in_bulk(set(location_of.values()))
    feature_of: dict[int, int] = {}
    for feature in m.FeatureOfInterest.objects.filter(from_location__in=locations).order_by("-id"):
        location = locations[feature.from_location_id]
        # A Location that moved since gets a new feature; older observations keep the old one.
        if feature.from_location_id not in feature_of and feature.feature == location.location:
            feature_of[feature.from_location_id] = feature.pk
    for location in locations.values():
        if location.pk not in feature_of:
            feature = m.FeatureOfInterest.objects.create(
                name=location.name,
                description=location.description,
                encoding_type=location.encoding_type,
                feature=location.location,
                from_location=location,
            )
            publish_on_commit(BY_NAME["FeatureOfInterest"], [feature])
            feature_of[location.pk] = feature.pk
    return {thing: feature_of[location] for thing, location in location_of.items()}


def prepare_observations(
    observations: list[m.Observation], *, raise_first: bool
) -> list[str | None]:
    """Check observations against their streams and fill defaults; an error message per row.

    Fills phenomenonTime (now) and the FeatureOfInterest from the Thing's Location. With
    `raise_first`, the first error raises InvalidEntity instead.
    """
    errors: list[str | None] = [None] * len(observations)

    def fail(index: int, message: str) -> None:
        if raise_first:
            raise InvalidEntity(message)
        errors[index] = message

    keys = [_stream_key(obs) if _has_one_stream(obs) else None for obs in observations]
    things, sizes = _stream_things(set(keys) - {None})
    now = timezone.now()
    missing_features, given_features = set(), set()
    for index, (obs, key) in enumerate(zip(observations, keys, strict=True)):
        values = obs.__dict__
        if key is None:
            fail(index, "Observation: exactly one of Datastream and MultiDatastream is required")
            continue
        if key not in things:
            fail(index, f"{_STREAM_MODELS[key[0]].__name__} with @iot.id {key[1]} does not exist")
            continue
        if key[0] == "multi_datastream_id":
            size = sizes.get(key[1], 0)
            result = obs.result
            if not isinstance(result, list) or len(result) != size:
                fail(
                    index,
                    f"Observation: the result of MultiDatastream {key[1]} must be an array "
                    f"of {size} values, one per ObservedProperty",
                )
                continue
        if values["phenomenon_time_start"] is None:
            values["phenomenon_time_start"] = now
        if values["feature_of_interest_id"] is None:
            missing_features.add(things[key])
        else:
            given_features.add(values["feature_of_interest_id"])
    existing = set(
        m.FeatureOfInterest.objects.filter(pk__in=given_features).values_list("pk", flat=True)
    )
    features = features_from_locations(missing_features) if missing_features else {}
    for index, (obs, key) in enumerate(zip(observations, keys, strict=True)):
        if errors[index] is not None:
            continue
        values = obs.__dict__
        if (feature := values["feature_of_interest_id"]) is not None:
            if feature not in existing:
                fail(index, f"FeatureOfInterest with @iot.id {feature} does not exist")
        elif (feature := features.get(things[key])) is not None:
            values["feature_of_interest_id"] = feature  # no related object cached: unsaved
        else:
            fail(
                index,
                "Observation: FeatureOfInterest is required, as the Thing of its "
                "Datastream has no Location to derive it from",
            )
    return errors


def _has_one_stream(obs: m.Observation) -> bool:
    values = obs.__dict__
    return (values["datastream_id"] is None) != (values["multi_datastream_id"] is None)


# Observations are inserted with one statement of our own: Django's bulk_create prepares
# each value of each field in Python, which costs more than the database's work.
_INSERT_FIELDS = [f for f in m.Observation._meta.concrete_fields if not f.primary_key]
_INSERT_ATTNAMES = [f.attname for f in _INSERT_FIELDS]
_JSON_ATTNAMES = {f.attname for f in _INSERT_FIELDS if isinstance(f, models.JSONField)}
_TIME_ATTNAMES = {f.attname for f in _INSERT_FIELDS if isinstance(f, models.DateTimeField)}


def _columns_sql() -> tuple[str, str]:
    table = connection.ops.quote_name(m.Observation._meta.db_table)
    return table, ", ".join(connection.ops.quote_name(f.column) for f in _INSERT_FIELDS)


@functools.cache
def _postgresql_insert() -> str:
    """INSERT ... SELECT FROM unnest(one binary array per column) RETURNING id."""
    arrays = []
    for field in _INSERT_FIELDS:
        if isinstance(field, models.JSONField):
            arrays.append("%b::text[]::jsonb[]")
        else:
            db_type = (field.target_field if field.is_relation else field).rel_db_type(connection)
            arrays.append(f"%b::{db_type.split('(')[0]}[]")
    table, columns = _columns_sql()
    return (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from _meta
        f"SELECT * FROM unnest({', '.join(arrays)}) RETURNING id"
    )


def _insert_postgresql(columns: list[list]) -> list[int]:
    """PostgreSQL: the rows as one binary array per column, bound on the server."""
    for attname, values in zip(_INSERT_ATTNAMES, columns, strict=True):
        if attname in _JSON_ATTNAMES:
            values[:] = [None if v is None else json.dumps(v) for v in values]
    connection.ensure_connection()
    # Django's cursors bind on the client, which renders arrays as text in Python; a
    # psycopg server-binding cursor sends them in binary. Wrapped as Django wraps its own,
    # so that errors and query logging behave the same.
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    with connection._prepare_cursor(raw) as cursor:
        cursor.execute(_postgresql_insert(), columns)
        return [pk for (pk,) in cursor.fetchall()]


def _insert_sqlite(columns: list[list]) -> list[int]:
    """SQLite: a multi-row VALUES with RETURNING, values stored as Django stores them."""
    for attname, values in zip(_INSERT_ATTNAMES, columns, strict=True):
        if attname in _JSON_ATTNAMES:
            values[:] = [None if v is None else json.dumps(v) for v in values]
        elif attname in _TIME_ATTNAMES:  # naive UTC, str()
            values[:] = [
                None if v is None else str(v.astimezone(UTC).replace(tzinfo=None)) for v in values
            ]
    rows = list(zip(*columns, strict=True))
    table, names = _columns_sql()
    placeholders = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
    per_statement = connection.features.max_query_params // len(_INSERT_FIELDS)
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({names}) "  # noqa: S608 - names from _meta
                f"VALUES {', '.join([placeholders] * len(chunk))} RETURNING id",
                [value for row in chunk for value in row],
            )
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def _insert(observations: list[m.Observation], publish: bool = True) -> list[m.Observation]:
    """Insert prepared observations with one statement, widen the extents, publish."""
    if not observations:
        return observations
    insert = {"postgresql": _insert_postgresql, "sqlite": _insert_sqlite}.get(connection.vendor)
    if insert is None:
        m.Observation.objects.bulk_create(observations)
    else:
        rows = [obs.__dict__ for obs in observations]
        starts = [row["phenomenon_time_start"] for row in rows]
        columns = [[row[a] for row in rows] for a in _INSERT_ATTNAMES]
        if ensure_partitions(min(starts), max(starts)):
            ids = insert(columns)
        else:
            ids = insert_rerouting(insert, columns)
        for obs, pk in zip(observations, ids, strict=True):
            obs.id = pk
            obs._state.adding = False
            obs._state.db = connection.alias
    extend_time_extents(observations)
    if publish:
        publish_on_commit(OBSERVATION, observations)
    return observations


def _partitions_first(observations: list[m.Observation]) -> None:
    """Make missing yearly partitions before the transaction that inserts, which would hold
    locks that making one waits for (rows without a phenomenonTime get the current year)."""
    starts = [obs.__dict__["phenomenon_time_start"] for obs in observations]
    if any(start is None for start in starts):
        starts = [start for start in starts if start is not None] + [timezone.now()]
    if starts:
        ensure_partitions(min(starts), max(starts))


def record_observations(
    observations: list[m.Observation], *, publish: bool = True
) -> list[m.Observation]:
    """The bulk path for observations (CreateObservations, MQTT, importers).

    Checks every row (InvalidEntity on the first bad one), fills phenomenonTime and the
    FeatureOfInterest, inserts with one INSERT, widens the streams' time extents with one
    UPDATE, and publishes after the commit unless `publish` is off (an import of history).
    """
    _partitions_first(observations)
    with transaction.atomic():
        prepare_observations(observations, raise_first=True)
        return _insert(observations, publish)


def record_observations_per_row(observations: list[m.Observation]) -> list[str | None]:
    """As record_observations, but a bad row is refused alone: per row None or the reason."""
    _partitions_first(observations)
    with transaction.atomic():
        errors = prepare_observations(observations, raise_first=False)
        _insert([obs for obs, error in zip(observations, errors, strict=True) if error is None])
    return errors


def parse_observation(data: Any) -> m.Observation | None:
    """An unsaved Observation from its JSON when every link is an @iot.id (a device's
    message); None when it creates a linked entity inline, which create_entity does."""
    props, navs = split_entity(OBSERVATION, data)
    values = dict.fromkeys(_OBSERVATION_FIELDS)
    obs = _new_observation(values)
    for prop in OBSERVATION.props:
        if prop.name in props:
            assign(OBSERVATION, obs, prop, props[prop.name])
        elif prop.required:
            raise InvalidEntity(f"Observation: {prop.name} is required")
    for name, value in navs.items():
        nav = OBSERVATION.nav_by_name[name]
        if not isinstance(value, dict) or value.get("@iot.id") is None:
            return None
        obs.__dict__[nav.accessor + "_id"] = entity_id(BY_NAME[nav.target], value["@iot.id"])
    return obs


# --- CreateObservations (dataArray, 18-088 section 14.4) --------------------------------------

_OBSERVATION_FIELDS = [f.attname for f in m.Observation._meta.concrete_fields]


def _set_result(values: dict, value: Any) -> None:
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise InvalidEntity("Observation: result must be a finite number")
        values["result_number"] = value
    elif kind is str:
        values["result_string"] = value
    elif kind is int:
        values["result_number"] = float(check_result(value))
    else:
        values["result_json"] = check_result(value)


def _set_phenomenon_time(values: dict, value: Any) -> None:
    if type(value) is str and "/" not in value:  # the common case, an instant
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidEntity(f"Observation: phenomenonTime {value!r} is not ISO 8601") from None
        values["phenomenon_time_start"] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    elif value is not None:
        interval = parse_interval(value, "Observation: phenomenonTime")
        values["phenomenon_time_start"], values["phenomenon_time_end"] = interval


def _set_result_time(values: dict, value: Any) -> None:
    if value is not None:
        values["result_time"] = parse_instant(value, "Observation: resultTime")


def _set_valid_time(values: dict, value: Any) -> None:
    if value is not None:
        interval = parse_interval(value, "Observation: validTime")
        values["valid_time_start"], values["valid_time_end"] = interval


def _set_feature(values: dict, value: Any) -> None:
    values["feature_of_interest_id"] = entity_id(BY_NAME["FeatureOfInterest"], value)


def _set_parameters(values: dict, value: Any) -> None:
    if value is not None and not isinstance(value, dict):
        raise InvalidEntity("Observation: parameters must be a JSON object")
    values["parameters"] = value


def _set_result_quality(values: dict, value: Any) -> None:
    values["result_quality"] = value


# The dataArray components of 18-088 section 14.4 and how each sets the row's fields.
_COMPONENTS = {
    "phenomenonTime": _set_phenomenon_time,
    "resultTime": _set_result_time,
    "result": _set_result,
    "resultQuality": _set_result_quality,
    "validTime": _set_valid_time,
    "parameters": _set_parameters,
    "FeatureOfInterest/id": _set_feature,
}


def _new_observation(values: dict) -> m.Observation:
    """An unsaved Observation from all its attnames, made as unpickling makes one: without
    Model.__init__, which costs more than parsing and inserting the row together."""
    obs = m.Observation.__new__(m.Observation)
    obs.__dict__.update(values)
    obs._state = ModelState()
    return obs


def _parse_block(block: Any) -> tuple[tuple[str, int], list, list]:
    """The stream key, the setters of the components and the rows of one dataArray block."""
    if not isinstance(block, dict):
        raise InvalidEntity("CreateObservations: every element must be a JSON object")
    if ("Datastream" in block) == ("MultiDatastream" in block):
        raise InvalidEntity(
            "CreateObservations: each element needs a Datastream or a MultiDatastream"
        )
    name = "Datastream" if "Datastream" in block else "MultiDatastream"
    link = block[name]
    if not isinstance(link, dict) or "@iot.id" not in link:
        raise InvalidEntity(f'CreateObservations: {name} must be {{"@iot.id": ...}}')
    key = ("datastream_id" if name == "Datastream" else "multi_datastream_id", link["@iot.id"])
    key = key[0], entity_id(BY_NAME[name], key[1])
    components = block.get("components")
    if not isinstance(components, list) or "result" not in components:
        raise InvalidEntity("CreateObservations: components must list at least result")
    unknown = [c for c in components if c not in _COMPONENTS]
    if unknown or len(set(components)) != len(components):
        raise InvalidEntity(f"CreateObservations: unknown or repeated components {unknown}")
    data = block.get("dataArray")
    if not isinstance(data, list):
        raise InvalidEntity("CreateObservations: dataArray must be an array of rows")
    return key, [_COMPONENTS[c] for c in components], data


def create_observations(payload: list, *, user=None) -> list[int | str]:
    """POST /CreateObservations: per row the new Observation's id, or "error".

    A malformed block (no stream, unknown component) rejects the request; a bad row only
    itself. Rows are inserted together, in one transaction.
    """
    if not isinstance(payload, list):
        raise InvalidEntity("CreateObservations expects an array of dataArray objects")
    blocks = [_parse_block(block) for block in payload]
    keys = {key for key, _, _ in blocks}
    if missing := keys - _stream_things(keys)[0].keys():
        attname, pk = min(missing)
        raise InvalidEntity(f"{_STREAM_MODELS[attname].__name__} with @iot.id {pk} does not exist")
    rows: list[m.Observation | None] = []
    for (attname, pk), setters, data in blocks:
        base = dict.fromkeys(_OBSERVATION_FIELDS)
        base[attname] = pk
        width = len(setters)
        for row in data:
            if type(row) is not list or len(row) != width:
                rows.append(None)
                continue
            values = base.copy()
            try:
                for setter, value in zip(setters, row, strict=True):
                    setter(values, value)
            except InvalidEntity:
                rows.append(None)
                continue
            rows.append(_new_observation(values))
    good = [obs for obs in rows if obs is not None]
    errors = record_observations_per_row(good)
    accepted = {id(obs) for obs, error in zip(good, errors, strict=True) if error is None}
    return [obs.pk if obs is not None and id(obs) in accepted else "error" for obs in rows]
