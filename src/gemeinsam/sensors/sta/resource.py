"""Resource paths of the SensorThings API (OGC 18-088 section 9.2): parsed, then resolved.

`Things(1)/Datastreams`, `Datastreams(4)/Observations`, `Observations(7)/result/$value`,
`Things(1)/Locations/$ref` — a path is an entity set, then keyed entities and navigation
properties, optionally ending in a property (with `$value`) or `$ref`.
"""

import re
from dataclasses import dataclass

from django.db import models

from .entities import BY_NAME, BY_SET, EntityType, Kind, Nav, Prop

ID = Prop("@iot.id", "pk", Kind.TEXT, read_only=True)  # `Things(1)/id`
_SEGMENT = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*|\$value|\$ref)(?:\((?P<key>[^()]*)\))?")


class PathError(ValueError):
    """A path that names no resource: answered with 404 (or 400 for a malformed key)."""

    def __init__(self, message: str, status: int = 404) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Step:
    """One hop: the entity type reached, how (None for the entity set), and an optional key."""

    et: EntityType
    nav: Nav | None
    key: int | None


@dataclass(frozen=True)
class ResourcePath:
    steps: tuple[Step, ...]
    prop: Prop | None = None  # the path ends in a property of the last entity
    value: bool = False  # ... followed by $value
    ref: bool = False  # the path ends in $ref

    @property
    def et(self) -> EntityType:
        return self.steps[-1].et

    @property
    def is_collection(self) -> bool:
        last = self.steps[-1]
        return self.prop is None and last.key is None and (last.nav is None or last.nav.many)


def _key(text: str, segment: str) -> int:
    text = text.strip()
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        text = text[1:-1]
    if not text.isdigit() or len(text) > 18:
        raise PathError(
            f"{segment}: an id is a whole number, such as {segment.split('(')[0]}(1)", 404
        )
    return int(text)


def parse_path(path: str) -> ResourcePath:
    """Parse the part after /sta/v1.1/; raises PathError for anything that is not a resource."""
    segments = [s for s in path.strip("/").split("/")]
    if not segments or not segments[0]:
        raise PathError("no entity set named", 404)
    steps: list[Step] = []
    prop: Prop | None = None
    value = ref = False
    for index, segment in enumerate(segments):
        match = _SEGMENT.fullmatch(segment)
        if match is None:
            raise PathError(f"'{segment}' is not a resource path segment")
        name, key_text = match["name"], match["key"]
        last = index == len(segments) - 1
        if name == "$ref":
            if not last or prop is not None or not steps or key_text is not None:
                raise PathError("$ref ends a path to an entity or collection")
            ref = True
            continue
        if name == "$value":
            if not last or prop is None or value or key_text is not None:
                raise PathError("$value follows a property, as in Observations(1)/result/$value")
            value = True
            continue
        if prop is not None:
            raise PathError(f"'{segment}' cannot follow the property {prop.name}")
        if not steps:
            et = BY_SET.get(name)
            if et is None:
                raise PathError(f"there is no entity set '{name}'")
            key = _key(key_text, segment) if key_text is not None else None
            steps.append(Step(et, None, key))
            continue
        current = steps[-1]
        if current.key is None and (current.nav is None or current.nav.many):
            raise PathError(
                f"'{segment}' needs a single entity before it, such as {current.et.set_name}(1)"
            )
        nav = current.et.nav_by_name.get(name)
        if nav is not None:
            if key_text is not None and not nav.many:
                raise PathError(f"{name} is a single entity and takes no id")
            key = _key(key_text, segment) if key_text is not None else None
            steps.append(Step(BY_NAME[nav.target], nav, key))
            continue
        if name in current.et.prop_by_name and key_text is None:
            prop = current.et.prop_by_name[name]
            continue
        if name == "id" and key_text is None:
            prop = ID
            continue
        raise PathError(f"{current.et.name} has no property or navigation '{name}'")
    return ResourcePath(tuple(steps), prop, value, ref)


def related_queryset(parent: models.Model, nav: Nav) -> models.QuerySet:
    """The entities a to-many navigation of one instance leads to."""
    return getattr(parent, nav.accessor).all()
