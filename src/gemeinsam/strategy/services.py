"""Strategy actions: start a draft from the published version, edit it, publish it, compare
two versions for the changelog, and seed a strategy from GD:B's structure."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    HandbookPhase,
    Indicator,
    Measure,
    MeasureStatus,
    MeasureType,
    Strategy,
    StrategyVersion,
    Value,
    VersionItem,
    VersionState,
)


class StrategyError(Exception):
    """An action the strategy's state does not allow (a second draft, publishing twice)."""


# The fields compared by `diff`, per kind of item; relations are compared by key.
COMPARED: dict[type[VersionItem], tuple[str, ...]] = {
    Value: ("name", "name_en", "description", "order"),
    FieldOfAction: ("title", "title_en", "guiding_idea", "order"),
    Goal: (
        "title",
        "title_en",
        "description",
        "sector_goal_reference",
        "sector_goal_url",
        "field_of_action",
        "order",
    ),
    Measure: (
        "title",
        "title_en",
        "summary",
        "description",
        "type",
        "lead_organisation",
        "lead_unit",
        "partners",
        "budget",
        "funding_source",
        "start",
        "end",
        "status",
        "phase",
        "fields_of_action",
        "goals",
        "location_name",
        "longitude",
        "latitude",
        "order",
    ),
    Indicator: (
        "name",
        "name_en",
        "description",
        "measure",
        "unit",
        "direction",
        "baseline_value",
        "baseline_date",
        "target_value",
        "target_date",
        "source",
        "source_config",
        "is_example",
        "order",
    ),
}
ITEM_TYPES: dict[type[VersionItem], str] = {
    Value: "value",
    FieldOfAction: "field_of_action",
    Goal: "goal",
    Measure: "measure",
    Indicator: "indicator",
}
MANY_TO_MANY = ("partners", "fields_of_action", "goals")


# Drafts and publishing ------------------------------------------------------------------


@transaction.atomic
def create_strategy(name: str, *, slug: str = "", name_en: str = "", user=None) -> Strategy:
    """A new strategy with an empty draft as its first version."""
    strategy = Strategy.objects.create(name=name, name_en=name_en, slug=slug or slugify(name))
    StrategyVersion.objects.create(strategy=strategy, number=1, created_by=user)
    return strategy


@transaction.atomic
def start_draft(strategy: Strategy, user=None) -> StrategyVersion:
    """A new draft holding a copy of every item of the latest published version, keys kept."""
    # The lock orders concurrent starts; the partial unique constraint is the guarantee.
    Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.versions.filter(state=VersionState.DRAFT).exists():
        raise StrategyError(_("This strategy already has a draft; edit or publish it first."))
    number = (strategy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    source = strategy.published_version
    try:
        with transaction.atomic():
            draft = StrategyVersion.objects.create(
                strategy=strategy, number=number, created_by=user
            )
    except IntegrityError as error:
        raise StrategyError(
            _("This strategy already has a draft; edit or publish it first.")
        ) from error
    if source is not None:
        _copy_items(source, draft)
    return draft


def _copy_items(source: StrategyVersion, draft: StrategyVersion) -> None:
    def copy(item: VersionItem, **links) -> VersionItem:
        item.pk = None
        item.id = None
        item._state.adding = True
        item.version = draft
        for name, value in links.items():
            setattr(item, name, value)
        return item

    Value.objects.bulk_create([copy(value) for value in source.values.all()])
    fields = {}
    for field in source.fields_of_action.all():
        old_pk = field.pk
        fields[old_pk] = copy(field)
    FieldOfAction.objects.bulk_create(fields.values())
    goals = {}
    for goal in source.goals.all():
        old_pk = goal.pk
        goals[old_pk] = copy(goal, field_of_action=fields[goal.field_of_action_id])
    Goal.objects.bulk_create(goals.values())
    measures = list(source.measures.prefetch_related("partners", "fields_of_action", "goals"))
    originals = [
        (
            [p.pk for p in measure.partners.all()],
            [f.pk for f in measure.fields_of_action.all()],
            [g.pk for g in measure.goals.all()],
        )
        for measure in measures
    ]
    old_measure_pks = [measure.pk for measure in measures]
    copies = Measure.objects.bulk_create([copy(measure) for measure in measures])
    measure_copies = dict(zip(old_measure_pks, copies, strict=True))
    partner_links, field_links, goal_links = [], [], []
    for measure, (partner_pks, field_pks, goal_pks) in zip(copies, originals, strict=True):
        partner_links += [
            Measure.partners.through(measure_id=measure.pk, organisation_id=pk)
            for pk in partner_pks
        ]
        field_links += [
            Measure.fields_of_action.through(measure_id=measure.pk, fieldofaction_id=fields[pk].pk)
            for pk in field_pks
        ]
        goal_links += [
            Measure.goals.through(measure_id=measure.pk, goal_id=goals[pk].pk) for pk in goal_pks
        ]
    Measure.partners.through.objects.bulk_create(partner_links)
    Measure.fields_of_action.through.objects.bulk_create(field_links)
    Measure.goals.through.objects.bulk_create(goal_links)
    Indicator.objects.bulk_create(
        [
            copy(indicator, measure=measure_copies[indicator.measure_id])
            for indicator in source.indicators.all()
        ]
    )


@transaction.atomic
def publish(version: StrategyVersion, user=None, change_note: str = "") -> StrategyVersion:
    """Freeze the draft with a note on what changed; from now on it is what the public sees."""
    version = StrategyVersion.objects.select_for_update().get(pk=version.pk)
    version.ensure_draft()
    if not change_note.strip():
        raise StrategyError(_("Say in a change note what changed in this version."))
    version.state = VersionState.PUBLISHED
    version.change_note = change_note.strip()
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["state", "change_note", "published_at", "published_by"])
    return version


# Editing a draft -------------------------------------------------------------------------


@transaction.atomic
def add_item(version: StrategyVersion, model: type[VersionItem], **fields) -> VersionItem:
    """A new value, field of action, goal or measure in a draft (many-to-many fields included)."""
    version.ensure_draft()
    many = {name: fields.pop(name) for name in MANY_TO_MANY if name in fields}
    item = model(version=version, **fields)
    item.full_clean(exclude=["version"])
    item.save()
    for name, values in many.items():
        getattr(item, name).set(values)
    return item


@transaction.atomic
def edit_item(item: VersionItem, **changes) -> VersionItem:
    """Change fields of an item of a draft (many-to-many fields given as lists)."""
    StrategyVersion.objects.get(pk=item.version_id).ensure_draft()  # fresh: not a stale copy
    for name in MANY_TO_MANY:
        if name in changes:
            getattr(item, name).set(changes.pop(name))
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean(exclude=["version"])
    item.save()
    return item


@transaction.atomic
def remove_item(item: VersionItem) -> None:
    StrategyVersion.objects.get(pk=item.version_id).ensure_draft()  # fresh: not a stale copy
    item.delete()


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


def _title(item: VersionItem) -> str:
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
                changes.append(Change("removed", item_type, key, _title(item), old=_title(item)))
        for key, item in new.items():
            if key not in old:
                changes.append(Change("added", item_type, key, _title(item), new=_title(item)))
                continue
            before = _snapshot(old[key], names, item_keys)
            after = _snapshot(item, names, item_keys)
            changes += [
                Change("changed", item_type, key, _title(item), name, before[name], after[name])
                for name in names
                if before[name] != after[name]
            ]
    return changes


# GD:B ------------------------------------------------------------------------------------


@transaction.atomic
def load_gdb(structure: Mapping, *, slug: str = "gemeinsam-digital-berlin", user=None) -> Strategy:
    """A strategy seeded from the shape of GD:B's structure (shared/data/gdb/structure.json):
    the values of its compass, its fields of action with their sub-fields as goals, and its
    pilots as central measures. Published as version 1; the texts are for staff to fill in."""
    names = structure["strategy"]
    if Strategy.objects.filter(slug=slug).exists():
        raise StrategyError(_("A strategy with the short name %(slug)s exists.") % {"slug": slug})
    strategy = create_strategy(names["de"], slug=slug, name_en=names.get("en", ""), user=user)
    if adopted := names.get("adopted"):
        strategy.adopted_on = date.fromisoformat(adopted)
        strategy.save(update_fields=["adopted_on"])
    version = strategy.versions.get()
    Value.objects.bulk_create(
        Value(version=version, order=i, name=value["de"], name_en=value.get("en", ""))
        for i, value in enumerate(structure.get("values_compass", []))
    )
    for i, field in enumerate(structure.get("fields_of_action", [])):
        field_of_action = FieldOfAction.objects.create(
            version=version, order=i, title=field["de"], title_en=field.get("en", "")
        )
        Goal.objects.bulk_create(
            Goal(
                version=version,
                field_of_action=field_of_action,
                order=j,
                title=sub["de"],
                title_en=sub.get("en", ""),
            )
            for j, sub in enumerate(field.get("subfields", []))
        )
    Measure.objects.bulk_create(
        Measure(
            version=version,
            order=i,
            title=pilot["de"],
            title_en=pilot.get("en", ""),
            type=MeasureType.CENTRAL,
            status=MeasureStatus.RUNNING,
            phase=HandbookPhase.IMPLEMENTATION,
        )
        for i, pilot in enumerate(structure.get("pilots", []))
    )
    publish(version, user, _("Structure of the strategy as adopted."))
    return strategy
