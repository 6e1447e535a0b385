"""Writing SensorThings entities (OGC 18-088 section 10, 23-019 section 10 and 14.3).

Create with deep insert and links, update (JSON merge, JSON Patch, replace), delete with the
spec's cascades, and the one bulk path for observations that CreateObservations, the MQTT
ingest and the importers share. Every write runs in one transaction and is published on
MQTT after the commit.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonpatch
import jsonpointer
import psycopg
import shapely.geometry
from django.db import connection, models, transaction
from django.db.models import Count, F, Max, Min, Value
from django.db.models.base import ModelState
from django.db.models.fields.related import ForeignKey, ManyToManyField
from django.db.models.fields.reverse_related import ManyToManyRel, ManyToOneRel
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.dateparse import parse_duration

from . import models as m
from .entities import BY_MODEL, BY_NAME, EntityType, Kind, Nav, Prop
from .mqtt import publish_on_commit
from .partitions import ensure_partitions

Model = models.Model

OBSERVATION = BY_NAME["Observation"]
THING = BY_NAME["Thing"]
HISTORICAL_LOCATION = BY_NAME["HistoricalLocation"]


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


def _check_result(value: Any, what: str = "Observation: result") -> Any:
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
            obj.result = _check_result(value, what)


def _isoformat(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def prop_json(obj: Model, prop: Prop) -> Any:
    """The JSON value of one property (for JSON Patch and change detection)."""
    match prop.kind:
        case Kind.TIME:
            return _isoformat(getattr(obj, prop.field))
        case Kind.INTERVAL:
            start = _isoformat(getattr(obj, prop.field + "_start"))
            end = _isoformat(getattr(obj, prop.field + "_end"))
            return start if end is None else f"{start}/{end}"
        case Kind.RESULT:
            return obj.result
        case _:
            return getattr(obj, prop.field)


# --- relations -------------------------------------------------------------------------------


def _relation(et: EntityType, nav: Nav) -> tuple[str, str | None]:
    """How a to-many navigation is stored: ("fk", the child's field) or ("m2m", None)."""
    field = et.model._meta.get_field(nav.accessor)
    if isinstance(field, ManyToOneRel) and not isinstance(field, ManyToManyRel):
        return "fk", field.field.name
    if isinstance(field, ManyToManyField | ManyToManyRel):
        return "m2m", None
    assert isinstance(field, ForeignKey)
    return "to_one", None


def _is_move(et: EntityType, nav: Nav) -> bool:
    """Thing.Locations and Location.Things: a new link moves the Thing (18-088 8.2.3)."""
    return (et.name, nav.name) in (("Thing", "Locations"), ("Location", "Things"))


def _is_ranked(et: EntityType, nav: Nav) -> bool:
    return (et.name, nav.name) in (
        ("MultiDatastream", "ObservedProperties"),
        ("ObservedProperty", "MultiDatastreams"),
    )


def _split(et: EntityType, data: Any) -> tuple[dict, dict]:
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


def _entity_id(et: EntityType, value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise InvalidEntity(f"{et.name}: @iot.id must be a positive integer, not {value!r}")
    return value


def fetch(et: EntityType, value: Any) -> Model:
    pk = _entity_id(et, value)
    obj = et.model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidEntity(f"{et.name} with @iot.id {pk} does not exist")
    return obj


# --- the writer: one transaction's creations, links and moves --------------------------------


Parent = tuple[EntityType, Model, Nav]


class _Writer:
    def __init__(self) -> None:
        self.created: list[tuple[EntityType, Model]] = []
        self.observations: list[m.Observation] = []
        self.moves: dict[int, tuple[m.Thing, list[m.Location]]] = {}

    def create(self, et: EntityType, data: Any, parent: Parent | None = None) -> Model:
        if isinstance(data, dict) and data.get("@iot.id") is not None:
            obj = fetch(et, data["@iot.id"])  # a link: the other fields are ignored
            if parent:
                self.link(parent, obj)
            return obj
        props, navs = _split(et, data)
        obj = et.model()
        for prop in et.props:
            if prop.name in props and not prop.read_only:
                assign(et, obj, prop, props[prop.name])
            elif prop.required:
                raise InvalidEntity(f"{et.name}: {prop.name} is required")

        relation, parent_field = _relation(parent[0], parent[2]) if parent else (None, None)
        if relation == "to_one":
            raise InvalidEntity(f"{et.name} can not be created through {parent[2].name}")
        if relation == "fk":
            setattr(obj, parent_field, parent[1])
        for nav in et.navs:
            if not nav.many and nav.name in navs and nav.accessor != parent_field:
                target = BY_NAME[nav.target]
                setattr(obj, nav.accessor, self.create(target, navs[nav.name]))
            if nav.required and getattr(obj, nav.accessor + "_id") is None:
                raise InvalidEntity(f"{et.name}: {nav.name} is required")

        if et is OBSERVATION:
            self.observations.append(obj)  # stored in bulk by finish()
            return obj
        ranked = self._ranked_properties(et, navs, parent)
        obj.save()
        self.created.append((et, obj))
        if relation == "m2m" and not _is_ranked(parent[0], parent[2]):
            self.link(parent, obj)
        if ranked is not None:
            m.MultiDatastreamProperty.objects.bulk_create(
                m.MultiDatastreamProperty(multi_datastream=obj, observed_property=op, rank=rank)
                for rank, op in enumerate(ranked)
            )
        self.create_many(et, obj, navs)
        return obj

    def create_many(self, et: EntityType, obj: Model, navs: dict) -> None:
        for name, items in navs.items():
            nav = et.nav_by_name[name]
            if not nav.many or (_is_ranked(et, nav) and et.name == "MultiDatastream"):
                continue
            if not isinstance(items, list):
                raise InvalidEntity(f"{et.name}: {name} must be an array")
            for item in items:
                self.create(BY_NAME[nav.target], item, (et, obj, nav))

    def _ranked_properties(self, et: EntityType, navs: dict, parent: Parent | None):
        """The ObservedProperties of a new MultiDatastream in result order, lengths checked."""
        if et.name != "MultiDatastream":
            return None
        items = navs.get("ObservedProperties", [])
        if not isinstance(items, list):
            raise InvalidEntity("MultiDatastream: ObservedProperties must be an array")
        target = BY_NAME["ObservedProperty"]
        ranked = [self.create(target, item) for item in items]
        if parent and _is_ranked(parent[0], parent[2]):
            ranked.insert(0, parent[1])
        return ranked

    def link(self, parent: Parent, child: Model) -> None:
        """Link an entity (new or existing) into a to-many navigation of `parent`."""
        et, obj, nav = parent
        relation, field = _relation(et, nav)
        if relation == "to_one":
            raise InvalidEntity(f"{nav.name} of {et.name} can not be linked this way")
        if relation == "fk":
            if isinstance(child, m.Observation):
                type(child).objects.filter(pk=child.pk).update(**{field: obj})
            else:
                setattr(child, field, obj)
                child.save(update_fields=[field])
        elif _is_move(et, nav):
            thing, location = (obj, child) if et.name == "Thing" else (child, obj)
            self.moves.setdefault(thing.pk, (thing, []))[1].append(location)
        elif _is_ranked(et, nav):
            mds, op = (obj, child) if et.name == "MultiDatastream" else (child, obj)
            rank = m.MultiDatastreamProperty.objects.filter(multi_datastream=mds).count()
            m.MultiDatastreamProperty.objects.create(
                multi_datastream=mds, observed_property=op, rank=rank
            )
        else:
            getattr(obj, nav.accessor).add(child)

    def finish(self) -> None:
        """Move Things to their new Locations, store the observations, publish."""
        now = timezone.now()
        for thing, locations in self.moves.values():
            thing.locations.set(locations)
            historical = m.HistoricalLocation.objects.create(thing=thing, time=now)
            historical.locations.set(locations)
            self.created.append((HISTORICAL_LOCATION, historical))
        self.moves.clear()
        for et, objs in _grouped(self.created).items():
            if et.name == "MultiDatastream":
                for mds in objs:
                    _check_multi_datastream(mds)
            publish_on_commit(et, objs)
        self.created.clear()
        if self.observations:
            record_observations(self.observations)
            self.observations = []


def _grouped(pairs: list[tuple[EntityType, Model]]) -> dict[EntityType, list[Model]]:
    groups: dict[EntityType, list[Model]] = {}
    for et, obj in pairs:
        groups.setdefault(et, []).append(obj)
    return groups


def _check_multi_datastream(mds: m.MultiDatastream) -> None:
    """multiObservationDataTypes, unitOfMeasurements and ObservedProperties agree in length."""
    count = m.MultiDatastreamProperty.objects.filter(multi_datastream=mds).count()
    types, units = mds.multi_observation_data_types, mds.unit_of_measurements
    if count == 0:
        raise InvalidEntity("MultiDatastream: ObservedProperties is required")
    if len(types) != count or len(units) != count:
        raise InvalidEntity(
            f"MultiDatastream: multiObservationDataTypes ({len(types)}), unitOfMeasurements "
            f"({len(units)}) and ObservedProperties ({count}) must have the same length"
        )


# --- create, update, delete ------------------------------------------------------------------


def create_entity(et: EntityType, data: dict, *, user=None, parent: Parent | None = None) -> Model:
    """POST to an entity set, or to a navigation collection (`parent`), with deep insert."""
    if isinstance(data, dict) and data.get("@iot.id") is not None and parent is None:
        raise InvalidEntity(f"{et.name}: @iot.id is assigned by the server")
    with transaction.atomic():
        writer = _Writer()
        obj = writer.create(et, data, parent)
        writer.finish()
    return obj


def update_entity(obj: Model, data: dict, *, user=None) -> Model:
    """PATCH with a JSON merge: only the given properties and links change."""
    return _update(obj, data, replace=False)


def replace_entity(obj: Model, data: dict, *, user=None) -> Model:
    """PUT: every mandatory property is given; optional ones not given are reset."""
    return _update(obj, data, replace=True)


def json_patch_entity(obj: Model, operations: list, *, user=None) -> Model:
    """PATCH with a JSON Patch (RFC 6902) applied to the entity's properties."""
    et = BY_MODEL[type(obj)]
    document = {p.name: prop_json(obj, p) for p in et.props if not p.read_only}
    if not isinstance(operations, list):
        raise InvalidEntity("A JSON Patch must be an array of operations")
    try:
        patched = jsonpatch.JsonPatch(operations).apply(document)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as error:
        raise InvalidEntity(f"{et.name}: {error}") from None
    except (TypeError, KeyError, AttributeError, ValueError):
        raise InvalidEntity(f"{et.name}: malformed JSON Patch operation") from None
    if not isinstance(patched, dict):
        raise InvalidEntity(f"{et.name}: a JSON Patch must keep the entity an object")
    changes = {k: v for k, v in patched.items() if k not in document or document[k] != v}
    changes.update({k: None for k in document if k not in patched})
    return _update(obj, changes, replace=False)


def _update(obj: Model, data: Any, *, replace: bool) -> Model:
    et = BY_MODEL[type(obj)]
    props, navs = _split(et, data)
    given_id = data.get("@iot.id")
    if given_id is not None and str(given_id) != str(obj.pk):
        raise InvalidEntity(f"{et.name}: @iot.id can not be changed")
    with transaction.atomic():
        writer = _Writer()
        changed = set()
        for prop in et.props:
            if prop.read_only:
                continue
            if prop.name in props:
                value = props[prop.name]
            elif replace and prop.required:
                raise InvalidEntity(f"{et.name}: {prop.name} is required")
            elif replace:
                value = None
            else:
                continue
            before = prop_json(obj, prop)
            if et is OBSERVATION and prop.name == "phenomenonTime" and value is None:
                value = _isoformat(timezone.now())
            assign(et, obj, prop, value)
            if prop_json(obj, prop) != before:
                changed.add(prop.name)
        for name, value in navs.items():
            nav = et.nav_by_name[name]
            if nav.many:
                continue
            target = writer.create(BY_NAME[nav.target], value)
            if getattr(obj, nav.accessor + "_id") != target.pk:
                setattr(obj, nav.accessor, target)
                changed.add(name)
        if et is OBSERVATION:
            if "Datastream" in navs and "MultiDatastream" not in navs:
                obj.multi_datastream = None
            elif "MultiDatastream" in navs and "Datastream" not in navs:
                obj.datastream = None
            _prepare([obj], raise_first=True)
        obj.save()
        if et.name == "MultiDatastream" and "ObservedProperties" in navs:
            m.MultiDatastreamProperty.objects.filter(multi_datastream=obj).delete()
            ranked = writer._ranked_properties(et, navs, None)
            m.MultiDatastreamProperty.objects.bulk_create(
                m.MultiDatastreamProperty(multi_datastream=obj, observed_property=op, rank=rank)
                for rank, op in enumerate(ranked)
            )
            changed.add("ObservedProperties")
        if et.name == "MultiDatastream":
            _check_multi_datastream(obj)
        if et is THING and "Locations" in navs:
            writer.moves[obj.pk] = (obj, [])  # new Locations replace the current ones
        writer.create_many(et, obj, navs)
        writer.finish()
        if et is OBSERVATION:
            _extend_time_extents([obj])
        if changed:
            publish_on_commit(et, [obj], changed=changed)
    return obj


def delete_entity(obj: Model, *, user=None) -> None:
    """DELETE with the cascades of 18-088 section 10.4; observations go in one DELETE."""
    obs = m.Observation.objects
    with transaction.atomic():
        match obj:
            case m.Thing():
                streams = [
                    obs.filter(datastream__in=m.Datastream.objects.filter(thing=obj)),
                    obs.filter(multi_datastream__in=m.MultiDatastream.objects.filter(thing=obj)),
                ]
            case m.Sensor():
                streams = [
                    obs.filter(datastream__in=m.Datastream.objects.filter(sensor=obj)),
                    obs.filter(multi_datastream__in=m.MultiDatastream.objects.filter(sensor=obj)),
                ]
            case m.ObservedProperty():
                multi = m.MultiDatastream.objects.filter(observed_properties=obj)
                streams = [
                    obs.filter(datastream__in=m.Datastream.objects.filter(observed_property=obj)),
                    obs.filter(multi_datastream__in=multi.values("pk")),
                ]
            case m.Datastream():
                streams = [obs.filter(datastream=obj)]
            case m.MultiDatastream():
                streams = [obs.filter(multi_datastream=obj)]
            case m.FeatureOfInterest():
                streams = [obs.filter(feature_of_interest=obj)]
            case _:
                streams = []
        for queryset in streams:
            queryset._raw_delete(queryset.db)
        if isinstance(obj, m.ObservedProperty):
            # A MultiDatastream without one of its properties can not hold its results.
            m.MultiDatastream.objects.filter(
                pk__in=list(multi.values_list("pk", flat=True))
            ).delete()
        if isinstance(obj, m.Location):
            # History entries that pointed only at this Location say nothing any more.
            m.HistoricalLocation.objects.annotate(n=Count("locations")).filter(
                locations=obj, n=1
            ).delete()
        if isinstance(obj, m.Observation):
            _shrink_time_extents(obj)
        obj.delete()


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


def _extend_time_extents(observations: list[m.Observation]) -> None:
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
    for (attname, pk), (p_start, p_end, r_start, r_end) in extents.items():
        changes = {
            "phenomenon_time_start": _least("phenomenon_time_start", p_start),
            "phenomenon_time_end": _greatest("phenomenon_time_end", p_end),
        }
        if r_start is not None:
            changes["result_time_start"] = _least("result_time_start", r_start)
            changes["result_time_end"] = _greatest("result_time_end", r_end)
        _STREAM_MODELS[attname].objects.filter(pk=pk).update(**changes)


def _least(field: str, value: datetime) -> Least:
    return Least(Coalesce(F(field), Value(value)), Value(value))


def _greatest(field: str, value: datetime) -> Greatest:
    return Greatest(Coalesce(F(field), Value(value)), Value(value))


def _shrink_time_extents(obs: m.Observation) -> None:
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


def _prepare(observations: list[m.Observation], *, raise_first: bool) -> list[str | None]:
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


def _insert(observations: list[m.Observation]) -> list[m.Observation]:
    """Insert prepared observations with one statement, widen the extents, publish."""
    if not observations:
        return observations
    insert = {"postgresql": _insert_postgresql, "sqlite": _insert_sqlite}.get(connection.vendor)
    if insert is None:
        m.Observation.objects.bulk_create(observations)
    else:
        rows = [obs.__dict__ for obs in observations]
        starts = [row["phenomenon_time_start"] for row in rows]
        ensure_partitions(min(starts), max(starts))
        ids = insert([[row[a] for row in rows] for a in _INSERT_ATTNAMES])
        for obs, pk in zip(observations, ids, strict=True):
            obs.id = pk
            obs._state.adding = False
            obs._state.db = connection.alias
    _extend_time_extents(observations)
    publish_on_commit(OBSERVATION, observations)
    return observations


def record_observations(observations: list[m.Observation]) -> list[m.Observation]:
    """The bulk path for observations (CreateObservations, MQTT, importers).

    Checks every row (InvalidEntity on the first bad one), fills phenomenonTime and the
    FeatureOfInterest, inserts with one INSERT, widens each stream's time extents with one
    UPDATE per stream, and publishes after the commit.
    """
    with transaction.atomic():
        _prepare(observations, raise_first=True)
        return _insert(observations)


def record_observations_per_row(observations: list[m.Observation]) -> list[str | None]:
    """As record_observations, but a bad row is refused alone: per row None or the reason."""
    with transaction.atomic():
        errors = _prepare(observations, raise_first=False)
        _insert([obs for obs, error in zip(observations, errors, strict=True) if error is None])
    return errors


def parse_observation(data: Any) -> m.Observation | None:
    """An unsaved Observation from its JSON when every link is an @iot.id (a device's
    message); None when it creates a linked entity inline, which create_entity does."""
    props, navs = _split(OBSERVATION, data)
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
        obs.__dict__[nav.accessor + "_id"] = _entity_id(BY_NAME[nav.target], value["@iot.id"])
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
        values["result_number"] = float(_check_result(value))
    else:
        values["result_json"] = _check_result(value)


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
    values["feature_of_interest_id"] = _entity_id(BY_NAME["FeatureOfInterest"], value)


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
    key = key[0], _entity_id(BY_NAME[name], key[1])
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
