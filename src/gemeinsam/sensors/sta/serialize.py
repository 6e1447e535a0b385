"""SensorThings JSON of one entity: its properties, @iot.id, @iot.selfLink and navigation links.

Used by the HTTP views, the batch endpoint and the MQTT notifications, so all three send the
same document for the same entity (OGC 18-088 section 9.2 and 23-019 section 8).
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import orjson
from django.conf import settings
from django.db import models

from .entities import EntityType, Kind, Prop

API_PATH = "/sta/v1.1"
# How many digits of a second a time keeps: what the API prints, or every one there is (for
# JSON Patch documents and change detection, which must see any change).
MILLISECONDS = "milliseconds"
MICROSECONDS = "microseconds"


def dumps(document: Any) -> bytes:
    """UTF-8 JSON of a response or message. orjson writes a page of observations in a
    fraction of the standard library's time; what it refuses (integers beyond 64 bits that
    a client put into `properties`) goes through the standard library instead."""
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=False, default=str).encode()


def sta_base() -> str:
    """The API root as the outside world reaches it, for MQTT messages and commands."""
    return settings.SITE_URL + API_PATH


def format_time(value: datetime | None, precision: str = MILLISECONDS) -> str | None:
    """ISO 8601 in UTC with a Z; with MILLISECONDS, milliseconds only when there are any (as
    FROST writes them), with MICROSECONDS every digit there is."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    if precision == MILLISECONDS:
        timespec = "milliseconds" if value.microsecond >= 1000 else "seconds"
    else:
        timespec = "auto"
    # isoformat is several times faster than strftime, and every observation passes here.
    return value.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def format_interval(
    start: datetime | None, end: datetime | None, precision: str = MILLISECONDS
) -> str | None:
    if start is None:
        return None
    if end is None:
        return format_time(start, precision)
    return f"{format_time(start, precision)}/{format_time(end, precision)}"


def prop_value(prop: Prop, obj: models.Model, *, precision: str = MILLISECONDS) -> Any:
    """The JSON value of one property of an instance, its times to `precision`."""
    match prop.kind:
        case Kind.TIME:
            return format_time(getattr(obj, prop.field), precision)
        case Kind.INTERVAL:
            start = getattr(obj, f"{prop.field}_start")
            end = getattr(obj, f"{prop.field}_end")
            if prop.read_only and start is not None and end is None:
                end = start  # a Datastream's extent is always an interval
            return format_interval(start, end, precision)
        case Kind.RESULT:
            return obj.result
    return getattr(obj, prop.field)


def self_path(et: EntityType, pk: int) -> str:
    return f"{et.set_name}({pk})"


def _getter(prop: Prop) -> Callable[[models.Model], Any]:
    """prop_value for one property, with the decisions taken once."""
    match prop.kind:
        case Kind.TIME:
            field = attrgetter(prop.field)
            return lambda obj: format_time(field(obj))
        case Kind.INTERVAL if not prop.read_only:
            bounds = attrgetter(f"{prop.field}_start", f"{prop.field}_end")
            return lambda obj: format_interval(*bounds(obj))
        case Kind.INTERVAL:
            return lambda obj: prop_value(prop, obj)
        case Kind.RESULT:
            return attrgetter("result")
    return attrgetter(prop.field)


_PLANS: dict[str, tuple[tuple[tuple[str, Callable], ...], tuple[tuple[str, str], ...]]] = {}


def _plan(et: EntityType) -> tuple[tuple[tuple[str, Callable], ...], tuple[tuple[str, str], ...]]:
    """Per entity type, the getter of each property and the suffix of each navigation link:
    worked out once, since a page of observations passes here a hundred times per request."""
    plan = _PLANS.get(et.name)
    if plan is None:
        props = tuple((prop.name, _getter(prop)) for prop in et.props)
        navs = tuple((f"{nav.name}@iot.navigationLink", f"/{nav.name}") for nav in et.navs)
        plan = _PLANS[et.name] = (props, navs)
    return plan


def entity_json(
    et: EntityType,
    obj: models.Model,
    *,
    base: str,
    select: frozenset[str] | set[str] | None = None,
) -> dict[str, Any]:
    """The entity as SensorThings JSON; `select` names the properties to keep (`id`,
    `selfLink`, property and navigation names), None keeps all.

    Unset 1.1 `properties` are left out unless selected, as FROST does: its Python client
    refuses a Sensor whose properties are null.
    """
    link = f"{base}/{et.set_name}({obj.pk})"
    props, navs = _plan(et)
    if select is None:
        document: dict[str, Any] = {"@iot.selfLink": link, "@iot.id": obj.pk}
        for name, get in props:
            value = get(obj)
            if value is not None or name != "properties":
                document[name] = value
        for key, suffix in navs:
            document[key] = link + suffix
        return document
    document = {}
    if "selfLink" in select:
        document["@iot.selfLink"] = link
    if "id" in select:
        document["@iot.id"] = obj.pk
    for name, get in props:
        if name in select:
            document[name] = get(obj)
    for key, suffix in navs:
        if suffix[1:] in select:
            document[key] = link + suffix
    return document
