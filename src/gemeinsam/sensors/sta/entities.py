"""The entity types of SensorThings as the API names them, mapped onto models and fields.

One table for every layer that speaks SensorThings names: the URL resolver, the serializer,
the `$filter` translation, the write services and the MQTT topics all read it from here.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db import models

from .. import models as m


class Kind(StrEnum):
    """How a JSON property is stored."""

    TEXT = "text"  # a CharField or TextField
    JSON = "json"  # a JSONField holding any JSON value
    TIME = "time"  # a DateTimeField, an instant
    INTERVAL = "interval"  # two DateTimeFields, <name>_start and <name>_end; end null = instant
    RESULT = "result"  # Observation.result: result_number, result_string or result_json


@dataclass(frozen=True)
class Prop:
    name: str  # the JSON name, e.g. "encodingType"
    field: str  # the model field (for INTERVAL the prefix of _start/_end)
    kind: Kind
    required: bool = False  # must be given when the entity is created
    read_only: bool = False  # derived by the server (Datastream.phenomenonTime)


@dataclass(frozen=True)
class Nav:
    name: str  # e.g. "Datastreams"
    target: str  # the entity type name, e.g. "Datastream"
    many: bool
    accessor: str  # the ORM path from this model, e.g. "datastreams"
    required: bool = False  # a to-one link that must be set on create


@dataclass(frozen=True)
class EntityType:
    name: str  # "Thing"
    set_name: str  # "Things"
    model: type[models.Model]
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]
    prop_by_name: dict[str, Prop] = field(init=False, repr=False, compare=False)
    nav_by_name: dict[str, Nav] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prop_by_name", {p.name: p for p in self.props})
        object.__setattr__(self, "nav_by_name", {n.name: n for n in self.navs})


_NAME = Prop("name", "name", Kind.TEXT, required=True)
_DESCRIPTION = Prop("description", "description", Kind.TEXT, required=True)
_ENCODING = Prop("encodingType", "encoding_type", Kind.TEXT, required=True)
_PROPERTIES = Prop("properties", "properties", Kind.JSON)
_DATASTREAM_TIMES = (
    Prop("observedArea", "observed_area", Kind.JSON, read_only=True),
    Prop("phenomenonTime", "phenomenon_time", Kind.INTERVAL, read_only=True),
    Prop("resultTime", "result_time", Kind.INTERVAL, read_only=True),
)

TYPES: tuple[EntityType, ...] = (
    EntityType(
        "Thing",
        "Things",
        m.Thing,
        (_NAME, _DESCRIPTION, _PROPERTIES),
        (
            Nav("Locations", "Location", True, "locations"),
            Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
            Nav("Datastreams", "Datastream", True, "datastreams"),
            Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
        ),
    ),
    EntityType(
        "Location",
        "Locations",
        m.Location,
        (
            _NAME,
            _DESCRIPTION,
            _ENCODING,
            Prop("location", "location", Kind.JSON, True),
            _PROPERTIES,
        ),
        (
            Nav("Things", "Thing", True, "things"),
            Nav("HistoricalLocations", "HistoricalLocation", True, "historical_locations"),
        ),
    ),
    EntityType(
        "HistoricalLocation",
        "HistoricalLocations",
        m.HistoricalLocation,
        (Prop("time", "time", Kind.TIME, required=True),),
        (
            Nav("Thing", "Thing", False, "thing", required=True),
            Nav("Locations", "Location", True, "locations"),
        ),
    ),
    EntityType(
        "Datastream",
        "Datastreams",
        m.Datastream,
        (
            _NAME,
            _DESCRIPTION,
            Prop("observationType", "observation_type", Kind.TEXT, required=True),
            Prop("unitOfMeasurement", "unit_of_measurement", Kind.JSON, required=True),
            *_DATASTREAM_TIMES,
            _PROPERTIES,
        ),
        (
            Nav("Thing", "Thing", False, "thing", required=True),
            Nav("Sensor", "Sensor", False, "sensor", required=True),
            Nav("ObservedProperty", "ObservedProperty", False, "observed_property", True),
            Nav("Observations", "Observation", True, "observations"),
        ),
    ),
    EntityType(
        "MultiDatastream",
        "MultiDatastreams",
        m.MultiDatastream,
        (
            _NAME,
            _DESCRIPTION,
            Prop("observationType", "observation_type", Kind.TEXT),
            Prop(
                "multiObservationDataTypes",
                "multi_observation_data_types",
                Kind.JSON,
                required=True,
            ),
            Prop("unitOfMeasurements", "unit_of_measurements", Kind.JSON, required=True),
            *_DATASTREAM_TIMES,
            _PROPERTIES,
        ),
        (
            Nav("Thing", "Thing", False, "thing", required=True),
            Nav("Sensor", "Sensor", False, "sensor", required=True),
            Nav("ObservedProperties", "ObservedProperty", True, "observed_properties"),
            Nav("Observations", "Observation", True, "observations"),
        ),
    ),
    EntityType(
        "Sensor",
        "Sensors",
        m.Sensor,
        (
            _NAME,
            _DESCRIPTION,
            _ENCODING,
            Prop("metadata", "metadata", Kind.JSON, True),
            _PROPERTIES,
        ),
        (
            Nav("Datastreams", "Datastream", True, "datastreams"),
            Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
        ),
    ),
    EntityType(
        "ObservedProperty",
        "ObservedProperties",
        m.ObservedProperty,
        (
            _NAME,
            Prop("definition", "definition", Kind.TEXT, required=True),
            _DESCRIPTION,
            _PROPERTIES,
        ),
        (
            Nav("Datastreams", "Datastream", True, "datastreams"),
            Nav("MultiDatastreams", "MultiDatastream", True, "multi_datastreams"),
        ),
    ),
    EntityType(
        "Observation",
        "Observations",
        m.Observation,
        (
            Prop("phenomenonTime", "phenomenon_time", Kind.INTERVAL),
            Prop("resultTime", "result_time", Kind.TIME),
            Prop("result", "result", Kind.RESULT, required=True),
            Prop("resultQuality", "result_quality", Kind.JSON),
            Prop("validTime", "valid_time", Kind.INTERVAL),
            Prop("parameters", "parameters", Kind.JSON),
        ),
        (
            Nav("Datastream", "Datastream", False, "datastream"),
            Nav("MultiDatastream", "MultiDatastream", False, "multi_datastream"),
            Nav("FeatureOfInterest", "FeatureOfInterest", False, "feature_of_interest"),
        ),
    ),
    EntityType(
        "FeatureOfInterest",
        "FeaturesOfInterest",
        m.FeatureOfInterest,
        (_NAME, _DESCRIPTION, _ENCODING, Prop("feature", "feature", Kind.JSON, True), _PROPERTIES),
        (Nav("Observations", "Observation", True, "observations"),),
    ),
)

BY_NAME: dict[str, EntityType] = {t.name: t for t in TYPES}
BY_SET: dict[str, EntityType] = {t.set_name: t for t in TYPES}
BY_MODEL: dict[type[models.Model], EntityType] = {t.model: t for t in TYPES}
