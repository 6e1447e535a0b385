"""What changed between versions of a strategy: `diff` compares two versions item by item
(matched by their stable keys), and `entries` puts each published version's changes in words
a reader understands: field names, titles instead of keys, the labels of choices, dates and
amounts in the page's language."""

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from gemeinsam.core.formats import money
from gemeinsam.core.i18n import localized
from gemeinsam.core.models import Organisation
from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    Indicator,
    Measure,
    StrategyVersion,
    Value,
    VersionItem,
)
from gemeinsam.strategy.services.versions import ITEM_TYPES, StrategyError
from gemeinsam.strategy.templatetags.strategy_pages import number

# Runs of fields that the comparison, the staff form and the exports all list.
MEASURE_RESPONSIBILITY = (
    "lead_organisation",
    "lead_unit",
    "partners",
    "budget",
    "funding_source",
    "start",
    "end",
)
MEASURE_PLACE = ("location_name", "longitude", "latitude")
INDICATOR_COURSE = (
    "unit",
    "direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "source",
)

# The fields compared by `diff`, per kind of item, in the order of the staff form; relations
# are compared by key.
COMPARED: dict[type[VersionItem], tuple[str, ...]] = {
    Value: ("name", "name_en", "description", "order"),
    FieldOfAction: ("title", "title_en", "guiding_idea", "order"),
    Goal: (
        "field_of_action",
        "title",
        "title_en",
        "description",
        "sector_goal_reference",
        "sector_goal_url",
        "order",
    ),
    Measure: (
        "title",
        "title_en",
        "summary",
        "description",
        "type",
        "status",
        "phase",
        "fields_of_action",
        "goals",
        *MEASURE_RESPONSIBILITY,
        *MEASURE_PLACE,
        "order",
    ),
    Indicator: (
        "name",
        "name_en",
        "description",
        "measure",
        *INDICATOR_COURSE,
        "source_config",
        "is_example",
        "order",
    ),
}


# Comparing versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of the changelog. For an added or removed item `field` is empty and the
    item's title is in `new` or `old`; references to other items are given by their keys."""

    kind: str  # "added", "removed" or "changed"
    item_type: str  # "value", "field_of_action", "goal" or "measure"
    key: str
    title: str
    field: str = ""
    old: Any = None
    new: Any = None


def item_title(item: VersionItem) -> str:
    return getattr(item, "title", None) or getattr(item, "name", "")


def _snapshot(
    item: VersionItem, names: tuple[str, ...], keys: Mapping[tuple[type, int], str]
) -> dict:
    snapshot = {}
    for name in names:
        field = item._meta.get_field(name)
        if isinstance(field, models.ManyToManyField):
            related = getattr(item, name).all()
            if field.related_model in (FieldOfAction, Goal):
                snapshot[name] = sorted(keys[field.related_model, r.pk] for r in related)
            else:
                snapshot[name] = sorted(o.slug for o in related)
        elif name in ("field_of_action", "measure"):
            snapshot[name] = str(getattr(item, name).key)
        elif name == "lead_organisation":
            snapshot[name] = item.lead_organisation.slug if item.lead_organisation else None
        else:
            snapshot[name] = getattr(item, name)
    return snapshot


def _items(version: StrategyVersion | None, model: type[VersionItem]) -> list[VersionItem]:
    if version is None:
        return []
    queryset = model.objects.filter(version=version)
    if model is Measure:
        queryset = queryset.select_related("lead_organisation").prefetch_related(
            "partners", "fields_of_action", "goals"
        )
    elif model is Goal:
        queryset = queryset.select_related("field_of_action")
    elif model is Indicator:
        queryset = queryset.select_related("measure")
    return list(queryset)


def diff(old_version: StrategyVersion | None, new_version: StrategyVersion) -> list[Change]:
    """What changed from one version to another, item by item (matched by key), in the order
    values, fields of action, goals, measures. With no old version, everything is added."""
    if old_version is not None and old_version.strategy_id != new_version.strategy_id:
        raise StrategyError(_("Only versions of the same strategy can be compared."))
    versions = [v for v in (old_version, new_version) if v is not None]
    # Keyed by (model, pk): goals and fields of action number their rows separately.
    item_keys = {
        (FieldOfAction, f.pk): str(f.key)
        for f in FieldOfAction.objects.filter(version__in=versions)
    } | {(Goal, g.pk): str(g.key) for g in Goal.objects.filter(version__in=versions)}
    changes: list[Change] = []
    for model, names in COMPARED.items():
        item_type = ITEM_TYPES[model]
        old = {str(item.key): item for item in _items(old_version, model)}
        new = {str(item.key): item for item in _items(new_version, model)}
        for key, item in old.items():
            if key not in new:
                title = item_title(item)
                changes.append(Change("removed", item_type, key, title, old=title))
        for key, item in new.items():
            title = item_title(item)
            if key not in old:
                changes.append(Change("added", item_type, key, title, new=title))
                continue
            before = _snapshot(old[key], names, item_keys)
            after = _snapshot(item, names, item_keys)
            changes += [
                Change("changed", item_type, key, title, name, before[name], after[name])
                for name in names
                if before[name] != after[name]
            ]
    return changes


def version_diffs(versions: list[StrategyVersion]) -> list[tuple[StrategyVersion, list[Change]]]:
    """Each version (given oldest first) with its changes from the one before it."""
    found = []
    previous = None
    for version in versions:
        found.append((version, diff(previous, version)))
        previous = version
    return found


# In words -------------------------------------------------------------------------------

MODELS = {name: model for model, name in ITEM_TYPES.items()}
KEY_FIELDS = {"field_of_action", "measure"}
KEY_LIST_FIELDS = {"fields_of_action", "goals"}
LONG_TEXT = 160  # longer texts are shown folded


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    long: bool


@dataclass
class ItemChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Group:
    label: str  # the kind of item, plural ("Measures")
    items: list[ItemChange]


@dataclass
class Entry:
    version: StrategyVersion
    first: bool
    groups: list[Group]
    added: int
    removed: int
    changed: int


def _titles(versions: list[StrategyVersion]) -> dict[str, str]:
    """Key → title in the page's language; a later version's title wins."""
    titles: dict[str, str] = {}
    order = {version.pk: version.number for version in versions}
    for model in MODELS.values():
        name = "title" if hasattr(model, "title") else "name"
        items = sorted(
            model.objects.filter(version__in=versions), key=lambda i: order[i.version_id]
        )
        for item in items:
            titles[str(item.key)] = localized(item, name)
    return titles


def _readable(
    model: type[models.Model],
    name: str,
    value: Any,
    titles: dict[str, str],
    organisations: dict[str, str],
) -> str:
    if value is None or value == "" or value == []:
        return "—"
    model_field = model._meta.get_field(name)
    if name in KEY_FIELDS:
        return titles.get(value, value)
    if name in KEY_LIST_FIELDS:
        return ", ".join(titles.get(key, key) for key in value)
    if name == "partners":
        return ", ".join(organisations.get(slug, slug) for slug in value)
    if name == "lead_organisation":
        return organisations.get(value, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal):
        return money(value, "€") if name == "budget" else number(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def entries(versions: list[StrategyVersion]) -> list[Entry]:
    """Every published version (given oldest first), newest first, with its changes."""
    titles = _titles(versions)
    changes_by_version = {}
    slugs: set[str] = set()
    for version, changes in version_diffs(versions):
        changes_by_version[version.pk] = changes
        for change in changes:
            if change.field == "partners":
                slugs.update(change.old or [])
                slugs.update(change.new or [])
            elif change.field == "lead_organisation":
                slugs.update(s for s in (change.old, change.new) if s)
    organisations = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "name"))
    result = []
    for index, version in enumerate(versions):
        items: dict[str, dict[str, ItemChange]] = defaultdict(dict)
        for change in changes_by_version[version.pk]:
            model = MODELS[change.item_type]
            title = titles.get(change.key, change.title)
            item = items[change.item_type].setdefault(change.key, ItemChange(change.kind, title))
            if change.kind != "changed":
                continue
            old = _readable(model, change.field, change.old, titles, organisations)
            new = _readable(model, change.field, change.new, titles, organisations)
            label = str(model._meta.get_field(change.field).verbose_name)
            item.fields.append(
                FieldChange(label[:1].upper() + label[1:], old, new, len(old + new) > LONG_TEXT)
            )
        groups = []
        for model in (Value, FieldOfAction, Goal, Measure, Indicator):
            found = items.get(ITEM_TYPES[model])
            if found:
                order = {"added": 0, "changed": 1, "removed": 2}
                listed = sorted(found.values(), key=lambda i: (order[i.kind], i.title.lower()))
                label = str(model._meta.verbose_name_plural)
                groups.append(Group(label[:1].upper() + label[1:], listed))
        all_items = [item for group in groups for item in group.items]
        result.append(
            Entry(
                version,
                index == 0,
                groups,
                sum(1 for i in all_items if i.kind == "added"),
                sum(1 for i in all_items if i.kind == "removed"),
                sum(1 for i in all_items if i.kind == "changed"),
            )
        )
    return list(reversed(result))
