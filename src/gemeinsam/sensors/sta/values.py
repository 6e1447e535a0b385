"""Values of SensorThings entities: times, intervals, results and JSON checked on the way in.

Shared by the write services and the observation bulk path; errors are `InvalidEntity`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely.geometry
from django.db import models
from django.utils.dateparse import parse_duration

from .entities import EntityType, Kind, Prop

Model = models.Model


class InvalidEntity(ValueError):
    """A request body the API refuses with 400; `message` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- values ----------------------------------------------------------------------------------


def parse_instant(value: Any, what: str) -> datetime:
    """An ISO 8601 instant; without an offset it is UTC."""
    if not isinstance(value, str):
        raise InvalidEntity(f"{what} must be an ISO 8601 time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEntity(f"{what}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _duration(text: str, what: str) -> timedelta:
    duration = parse_duration(text)
    if duration is None:
        raise InvalidEntity(f"{what}: {text!r} is not an ISO 8601 duration")
    return duration


def parse_interval(value: Any, what: str) -> tuple[datetime, datetime | None]:
    """An instant or an ISO 8601 interval `start/end` (also `start/duration`, `duration/end`)."""
    if not isinstance(value, str) or "/" not in value:
        return parse_instant(value, what), None
    first, _, second = value.partition("/")
    try:
        if first.startswith("P"):
            end = parse_instant(second, what)
            return end - _duration(first, what), end
        start = parse_instant(first, what)
        end = start + _duration(second, what) if second.startswith("P") else None
        end = end or parse_instant(second, what)
    except OverflowError:
        raise InvalidEntity(f"{what}: {value!r} is out of range") from None
    if end < start:
        raise InvalidEntity(f"{what}: the interval {value!r} ends before it starts")
    return start, end


def check_result(value: Any, what: str = "Observation: result") -> Any:
    """A result the database can hold: a finite number, not one beyond a double's range."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidEntity(f"{what} must be a finite number")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**1023:
        raise InvalidEntity(f"{what} is too large")
    return value


def _check_geometry(et: EntityType, name: str, value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise InvalidEntity(f"{et.name}: {name} must be a GeoJSON object")
    geometry = value.get("geometry") if value["type"] == "Feature" else value
    if value["type"] == "FeatureCollection" or geometry is None:
        return
    try:
        shapely.geometry.shape(geometry)
    except Exception:  # shapely raises several kinds for malformed GeoJSON
        raise InvalidEntity(f"{et.name}: {name} is not a valid GeoJSON geometry") from None


def _check_json(et: EntityType, prop: Prop, value: Any) -> None:
    """The shape of the JSON properties that the spec fixes."""
    name = prop.name
    if value is None:
        if prop.required:
            raise InvalidEntity(f"{et.name}: {name} must not be null")
        return
    if name in ("properties", "parameters") and not isinstance(value, dict):
        raise InvalidEntity(f"{et.name}: {name} must be a JSON object")
    if name == "unitOfMeasurement" and not isinstance(value, dict):
        raise InvalidEntity(f"{et.name}: unitOfMeasurement must be a JSON object")
    if name == "unitOfMeasurements" and not (
        isinstance(value, list) and all(isinstance(u, dict) for u in value)
    ):
        raise InvalidEntity(f"{et.name}: unitOfMeasurements must be an array of JSON objects")
    if name == "multiObservationDataTypes" and not (
        isinstance(value, list) and all(isinstance(t, str) for t in value)
    ):
        raise InvalidEntity(f"{et.name}: multiObservationDataTypes must be an array of strings")
    if name in ("location", "feature"):
        _check_geometry(et, name, value)


def _max_length(model: type[Model], field: str) -> int | None:
    return getattr(model._meta.get_field(field), "max_length", None)


def assign(et: EntityType, obj: Model, prop: Prop, value: Any) -> None:
    """Set one property from its JSON value, or raise InvalidEntity."""
    what = f"{et.name}: {prop.name}"
    match prop.kind:
        case Kind.TEXT:
            if value is None:
                if prop.required:
                    raise InvalidEntity(f"{what} must not be null")
                value = obj._meta.get_field(prop.field).get_default()
            elif not isinstance(value, str):
                raise InvalidEntity(f"{what} must be a string")
            limit = _max_length(et.model, prop.field)
            if limit and len(value) > limit:
                raise InvalidEntity(f"{what} is longer than {limit} characters")
            setattr(obj, prop.field, value)
        case Kind.JSON:
            _check_json(et, prop, value)
            setattr(obj, prop.field, value)
        case Kind.TIME:
            if value is None and not prop.required:
                setattr(obj, prop.field, None)
            else:
                setattr(obj, prop.field, parse_instant(value, what))
        case Kind.INTERVAL:
            start, end = (None, None) if value is None else parse_interval(value, what)
            setattr(obj, prop.field + "_start", start)
            setattr(obj, prop.field + "_end", end)
        case Kind.RESULT:
            obj.result = check_result(value, what)


# --- shapes and links ------------------------------------------------------------------------


def split_entity(et: EntityType, data: Any) -> tuple[dict, dict]:
    """Properties and navigation properties of a JSON object; annotations are ignored."""
    if not isinstance(data, dict):
        raise InvalidEntity(f"{et.name}: expected a JSON object")
    props, navs = {}, {}
    for key, value in data.items():
        if key in et.prop_by_name:
            props[key] = value
        elif key in et.nav_by_name:
            navs[key] = value
        elif "@" not in key:  # @iot.id, @iot.selfLink, Datastreams@iot.navigationLink
            raise InvalidEntity(f"{et.name}: unknown property {key!r}")
    return props, navs


def entity_id(et: EntityType, value: Any) -> int:
    """An `@iot.id` as given in a link: a positive integer, or its digits as a string."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise InvalidEntity(f"{et.name}: @iot.id must be a positive integer, not {value!r}")
    return value


def fetch(et: EntityType, value: Any) -> Model:
    """The entity a link `{"@iot.id": value}` names."""
    pk = entity_id(et, value)
    obj = et.model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidEntity(f"{et.name} with @iot.id {pk} does not exist")
    return obj
