"""Writing SensorThings entities (OGC 18-088 section 10, 23-019 section 10 and 14.3), and
issuing and revoking the access tokens with which devices write.

Create with deep insert and links, update (JSON merge, JSON Patch, replace), delete with the
spec's cascades, and the one bulk path for observations that CreateObservations, the MQTT
ingest and the importers share. Every write runs in one transaction and is published on
MQTT after the commit. Entity writes are not audited (30,000 observations a second pass
here); tokens are.
"""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
from django.db import models, transaction
from django.db.models import Count
from django.db.models.fields.related import ForeignKey, ManyToManyField
from django.db.models.fields.reverse_related import ManyToManyRel, ManyToOneRel
from django.utils import timezone

from gemeinsam.core import audit
from gemeinsam.core.predicates import require

from . import models as m
from .mqtt.publish import publish_on_commit
from .sta.entities import BY_MODEL, BY_NAME, EntityType, Nav
from .sta.observations import (
    create_observations,
    extend_time_extents,
    features_from_locations,
    parse_observation,
    prepare_observations,
    record_observations,
    record_observations_per_row,
    shrink_time_extents,
)
from .sta.serialize import MICROSECONDS, format_time, prop_value
from .sta.values import InvalidEntity, assign, fetch, split_entity

# The verbs, the bulk path for observations (sta/observations.py) included: views, the MQTT
# bridge and the importers write through this module only.
__all__ = [
    "InvalidEntity",
    "create_entity",
    "create_observations",
    "delete_entity",
    "features_from_locations",
    "issue_token",
    "json_patch_entity",
    "parse_observation",
    "record_observations",
    "record_observations_per_row",
    "replace_entity",
    "revoke_token",
    "unlink_entity",
    "update_entity",
]

Model = models.Model

OBSERVATION = BY_NAME["Observation"]
THING = BY_NAME["Thing"]
HISTORICAL_LOCATION = BY_NAME["HistoricalLocation"]


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
        props, navs = split_entity(et, data)
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
    document = {
        p.name: prop_value(p, obj, precision=MICROSECONDS) for p in et.props if not p.read_only
    }
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
    props, navs = split_entity(et, data)
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
            before = prop_value(prop, obj, precision=MICROSECONDS)
            if et is OBSERVATION and prop.name == "phenomenonTime" and value is None:
                value = format_time(timezone.now(), MICROSECONDS)
            assign(et, obj, prop, value)
            if prop_value(prop, obj, precision=MICROSECONDS) != before:
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
            prepare_observations([obj], raise_first=True)
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
            extend_time_extents([obj])
        if changed:
            publish_on_commit(et, [obj], changed=changed)
    return obj


def unlink_entity(owner: Model, nav: Nav, pk: int, *, user=None) -> None:
    """DELETE `Things(1)/Locations(2)/$ref`: entity `pk` leaves a to-many navigation of
    `owner`; both ends are published as changed. A link that is not there is no error.

    Only links of their own can go: an entity that cannot be without its owner (a
    Datastream without its Thing) is deleted or linked elsewhere instead, and the
    ObservedProperties of a MultiDatastream change only with its result arrays.
    """
    et, target = BY_MODEL[type(owner)], BY_NAME[nav.target]
    if _relation(et, nav)[0] != "m2m":
        raise InvalidEntity(
            f"a {target.name} can not be without its {et.name}: link it to another one or delete it"
        )
    if _is_ranked(et, nav):
        raise InvalidEntity(
            "the ObservedProperties of a MultiDatastream change only together with its "
            "multiObservationDataTypes and unitOfMeasurements: PATCH the MultiDatastream"
        )
    links = getattr(owner, nav.accessor)
    with transaction.atomic():
        linked = links.filter(pk=pk).first()
        if linked is None:
            return
        links.remove(linked)
        back = next(n.name for n in target.navs if n.many and n.target == et.name)
        publish_on_commit(et, [owner], changed={nav.name})
        publish_on_commit(target, [linked], changed={back})


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
            shrink_time_extents(obj)
        obj.delete()


# --- access tokens ---------------------------------------------------------------------------


def issue_token(actor, owner, name: str) -> tuple[m.AccessToken, str]:
    """A new token that writes on behalf of `owner`, and its secret, which is shown once and
    not stored. `actor` is None on the command line."""
    if actor is not None:
        require(actor, "sensors.manage_tokens")
    with transaction.atomic():
        token, secret = m.AccessToken.issue(owner, name)
        audit.record(actor, "sensors.issue_token", token)
    return token, secret


def revoke_token(actor, token: m.AccessToken) -> None:
    """The token writes no more, in this process at once and in others within
    auth.TOKEN_CACHE_SECONDS. Revoking a revoked token changes and records nothing."""
    if actor is not None:
        require(actor, "sensors.manage_tokens")
    with transaction.atomic():
        if m.AccessToken.objects.select_for_update().get(pk=token.pk).revoked:
            return
        token.revoked = True
        token.save(update_fields=["revoked"])  # post_save drops it from the token cache
        audit.record(actor, "sensors.revoke_token", token)
