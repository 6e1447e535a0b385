"""The public changelog: each published version's differences to the one before
(services.diff), in words a reader understands: field names, titles instead of keys, the
labels of choices, dates and amounts in the page's language."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from gemeinsam.core.i18n import localized
from gemeinsam.core.models import Organisation
from gemeinsam.strategy import services
from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    Indicator,
    Measure,
    StrategyVersion,
    Value,
)
from gemeinsam.strategy.templatetags.strategy_pages import euros, number

MODELS = {name: model for model, name in services.ITEM_TYPES.items()}
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
        return euros(value) if name == "budget" else number(value)
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
    previous = None
    for version in versions:
        changes = services.diff(previous, version)
        changes_by_version[version.pk] = changes
        for change in changes:
            if change.field == "partners":
                slugs.update(change.old or [])
                slugs.update(change.new or [])
            elif change.field == "lead_organisation":
                slugs.update(s for s in (change.old, change.new) if s)
        previous = version
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
            found = items.get(services.ITEM_TYPES[model])
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
