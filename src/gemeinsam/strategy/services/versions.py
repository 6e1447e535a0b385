"""Versions of a strategy: create a strategy, start a draft from the published version, edit
it, publish it, and seed a strategy from GD:B's structure. Comparing two versions is in
strategy.changelog.
"""

from collections.abc import Mapping
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.strategy import models
from gemeinsam.strategy.services import tracking


class StrategyError(Exception):
    """An action the strategy's state does not allow (a second draft, publishing twice)."""


ITEM_TYPES: dict[type[models.VersionItem], str] = {
    models.Value: "value",
    models.FieldOfAction: "field_of_action",
    models.Goal: "goal",
    models.Measure: "measure",
    models.Indicator: "indicator",
}
MANY_TO_MANY = ("partners", "fields_of_action", "goals")


# Drafts and publishing ------------------------------------------------------------------


@transaction.atomic
def create_strategy(name: str, *, slug: str = "", name_en: str = "", user=None) -> models.Strategy:
    """A new strategy with an empty draft as its first version and the handbook's steps."""
    strategy = models.Strategy.objects.create(
        name=name, name_en=name_en, slug=slug or slugify(name)
    )
    models.StrategyVersion.objects.create(strategy=strategy, number=1, created_by=user)
    tracking.seed_handbook(strategy)
    audit.record(user, "strategy.created", strategy)
    return strategy


@transaction.atomic
def start_draft(strategy: models.Strategy, user=None) -> models.StrategyVersion:
    """A new draft holding a copy of every item of the latest published version, keys kept."""
    # The lock orders concurrent starts; the partial unique constraint is the guarantee.
    models.Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.versions.filter(state=models.VersionState.DRAFT).exists():
        raise StrategyError(_("This strategy already has a draft; edit or publish it first."))
    number = (strategy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    source = strategy.published_version
    try:
        with transaction.atomic():
            draft = models.StrategyVersion.objects.create(
                strategy=strategy, number=number, created_by=user
            )
    except IntegrityError as error:
        raise StrategyError(
            _("This strategy already has a draft; edit or publish it first.")
        ) from error
    if source is not None:
        _copy_items(source, draft)
    audit.record(user, "strategy.draft_started", strategy, number=number)
    return draft


def _copy_items(source: models.StrategyVersion, draft: models.StrategyVersion) -> None:
    def copy(item: models.VersionItem, **links) -> models.VersionItem:
        item.pk = None
        item.id = None
        item._state.adding = True
        item.version = draft
        for name, value in links.items():
            setattr(item, name, value)
        return item

    models.Value.objects.bulk_create([copy(value) for value in source.values.all()])
    fields = {}
    for field in source.fields_of_action.all():
        old_pk = field.pk
        fields[old_pk] = copy(field)
    models.FieldOfAction.objects.bulk_create(fields.values())
    goals = {}
    for goal in source.goals.all():
        old_pk = goal.pk
        goals[old_pk] = copy(goal, field_of_action=fields[goal.field_of_action_id])
    models.Goal.objects.bulk_create(goals.values())
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
    copies = models.Measure.objects.bulk_create([copy(measure) for measure in measures])
    measure_copies = dict(zip(old_measure_pks, copies, strict=True))
    partner_links, field_links, goal_links = [], [], []
    for measure, (partner_pks, field_pks, goal_pks) in zip(copies, originals, strict=True):
        partner_links += [
            models.Measure.partners.through(measure_id=measure.pk, organisation_id=pk)
            for pk in partner_pks
        ]
        field_links += [
            models.Measure.fields_of_action.through(
                measure_id=measure.pk, fieldofaction_id=fields[pk].pk
            )
            for pk in field_pks
        ]
        goal_links += [
            models.Measure.goals.through(measure_id=measure.pk, goal_id=goals[pk].pk)
            for pk in goal_pks
        ]
    models.Measure.partners.through.objects.bulk_create(partner_links)
    models.Measure.fields_of_action.through.objects.bulk_create(field_links)
    models.Measure.goals.through.objects.bulk_create(goal_links)
    models.Indicator.objects.bulk_create(
        [
            copy(indicator, measure=measure_copies[indicator.measure_id])
            for indicator in source.indicators.all()
        ]
    )


@transaction.atomic
def publish(
    version: models.StrategyVersion, user=None, change_note: str = ""
) -> models.StrategyVersion:
    """Freeze the draft with a note on what changed; from now on it is what the public sees."""
    version = models.StrategyVersion.objects.select_for_update().get(pk=version.pk)
    version.ensure_draft()
    if not change_note.strip():
        raise StrategyError(_("Say in a change note what changed in this version."))
    version.state = models.VersionState.PUBLISHED
    version.change_note = change_note.strip()
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["state", "change_note", "published_at", "published_by"])
    audit.record(user, "strategy.published", version.strategy, number=version.number)
    return version


# Editing a draft -------------------------------------------------------------------------


def _record_item(
    user, verb: str, version: models.StrategyVersion, item: models.VersionItem
) -> None:
    facts = {"model": item._meta.label_lower, "key": str(item.key), "title": str(item)[:200]}
    audit.record(user, verb, version.strategy, number=version.number, **facts)


@transaction.atomic
def add_item(
    version: models.StrategyVersion, model: type[models.VersionItem], *, user=None, **fields
) -> models.VersionItem:
    """A new value, field of action, goal or measure in a draft (many-to-many fields included)."""
    version.ensure_draft()
    many = {name: fields.pop(name) for name in MANY_TO_MANY if name in fields}
    item = model(version=version, **fields)
    item.full_clean(exclude=["version"])
    item.save()
    for name, values in many.items():
        getattr(item, name).set(values)
    _record_item(user, "strategy.item_added", version, item)
    return item


@transaction.atomic
def edit_item(item: models.VersionItem, *, user=None, **changes) -> models.VersionItem:
    """Change fields of an item of a draft (many-to-many fields given as lists)."""
    version = models.StrategyVersion.objects.get(pk=item.version_id)  # fresh: not a stale copy
    version.ensure_draft()
    for name in MANY_TO_MANY:
        if name in changes:
            getattr(item, name).set(changes.pop(name))
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean(exclude=["version"])
    item.save()
    _record_item(user, "strategy.item_changed", version, item)
    return item


@transaction.atomic
def remove_item(item: models.VersionItem, *, user=None) -> None:
    version = models.StrategyVersion.objects.get(pk=item.version_id)  # fresh: not a stale copy
    version.ensure_draft()
    _record_item(user, "strategy.item_removed", version, item)
    item.delete()


# GD:B ------------------------------------------------------------------------------------


@transaction.atomic
def load_gdb(
    structure: Mapping, *, slug: str = "gemeinsam-digital-berlin", user=None
) -> models.Strategy:
    """A strategy seeded from the shape of GD:B's structure (shared/data/gdb/structure.json):
    the values of its compass, its fields of action with their sub-fields as goals, and its
    pilots as central measures. Published as version 1; the texts are for staff to fill in."""
    names = structure["strategy"]
    if models.Strategy.objects.filter(slug=slug).exists():
        raise StrategyError(_("A strategy with the short name %(slug)s exists.") % {"slug": slug})
    strategy = create_strategy(names["de"], slug=slug, name_en=names.get("en", ""), user=user)
    if adopted := names.get("adopted"):
        strategy.adopted_on = date.fromisoformat(adopted)
        strategy.save(update_fields=["adopted_on"])
    version = strategy.versions.get()
    models.Value.objects.bulk_create(
        models.Value(version=version, order=i, name=value["de"], name_en=value.get("en", ""))
        for i, value in enumerate(structure.get("values_compass", []))
    )
    for i, field in enumerate(structure.get("fields_of_action", [])):
        field_of_action = models.FieldOfAction.objects.create(
            version=version, order=i, title=field["de"], title_en=field.get("en", "")
        )
        models.Goal.objects.bulk_create(
            models.Goal(
                version=version,
                field_of_action=field_of_action,
                order=j,
                title=sub["de"],
                title_en=sub.get("en", ""),
            )
            for j, sub in enumerate(field.get("subfields", []))
        )
    models.Measure.objects.bulk_create(
        models.Measure(
            version=version,
            order=i,
            title=pilot["de"],
            title_en=pilot.get("en", ""),
            type=models.MeasureType.CENTRAL,
            status=models.MeasureStatus.RUNNING,
            phase=models.HandbookPhase.IMPLEMENTATION,
        )
        for i, pilot in enumerate(structure.get("pilots", []))
    )
    publish(version, user, _("Structure of the strategy as adopted."))
    return strategy
