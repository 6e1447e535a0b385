"""What the city's staff do: create and change processes, their phases, categories,
invited people and moderators; every change is recorded in the audit log."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.hooks import phases_changed
from gemeinsam.core.predicates import require
from gemeinsam.participation.models import Category, Phase, PhaseType, Process, Visibility


@dataclass(frozen=True)
class PhaseSpec:
    type: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class CategorySpec:
    name: str
    name_en: str = ""
    pk: int | None = None  # an existing category keeps its ideas when renamed


def phase_problems(phases: list[PhaseSpec]) -> list[str]:
    """Why a list of phases cannot be saved: unknown type, end not after start, overlaps."""
    problems = []
    for number, phase in enumerate(phases, start=1):
        if phase.type not in PhaseType.values:
            problems.append(_("Phase %(number)s has an unknown type.") % {"number": number})
        if phase.ends_at <= phase.starts_at:
            problems.append(_("Phase %(number)s must end after it starts.") % {"number": number})
    # Compare each phase with the one reaching furthest so far, so that a long phase
    # is caught overlapping every later one, not only its direct successor.
    ordered = sorted(enumerate(phases, start=1), key=lambda item: item[1].starts_at)
    latest = None
    for number, phase in ordered:
        if latest is not None and phase.starts_at < latest[1].ends_at:
            problems.append(
                _(
                    "Phases %(first)s and %(second)s overlap: phase %(second)s starts "
                    "before phase %(first)s ends."
                )
                % {"first": latest[0], "second": number}
            )
        if latest is None or phase.ends_at > latest[1].ends_at:
            latest = (number, phase)
    return problems


@transaction.atomic
def set_phases(user, process: Process, phases: list[PhaseSpec]) -> list[Phase]:
    """Replace the phases of a process; their order is by start, then by list position."""
    require(user, "participation.change_process", process)
    problems = phase_problems(phases)
    if problems:
        raise ValidationError(problems)
    columns = ("type", "title", "description", "starts_at", "ends_at")
    before = list(process.phases.order_by("position", "pk").values_list(*columns))
    process.phases.all().delete()
    created = Phase.objects.bulk_create(
        Phase(
            process=process,
            type=phase.type,
            title=phase.title.strip(),
            description=phase.description.strip(),
            starts_at=phase.starts_at,
            ends_at=phase.ends_at,
            position=position,
        )
        for position, phase in enumerate(phases)
    )
    if [tuple(getattr(phase, name) for name in columns) for phase in created] != before:
        audit.record(user, "participation.set_phases", process, count=len(created))
    if hasattr(process, "_prefetched_objects_cache"):
        process._prefetched_objects_cache.pop("phases", None)
    transaction.on_commit(lambda: phases_changed.send(sender=Process, process=process))
    return created


@transaction.atomic
def set_categories(user, process: Process, categories: list[CategorySpec]) -> list[Category]:
    """Make the process's categories exactly these; removed ones leave their ideas uncategorised."""
    require(user, "participation.change_process", process)
    names = [c.name.strip().casefold() for c in categories]
    if any(not name for name in names):
        raise ValidationError(_("Every category needs a name."))
    if len(set(names)) != len(names):
        raise ValidationError(_("Two categories have the same name."))
    existing = {c.pk: c for c in process.categories.all()}
    before = {(c.pk, c.name, c.name_en) for c in existing.values()}
    kept = {c.pk for c in categories if c.pk in existing}
    process.categories.exclude(pk__in=kept).delete()
    # Names are unique per process: move the kept ones out of the way first, so that
    # two categories may swap names within one save.
    for pk in kept:
        Category.objects.filter(pk=pk).update(name=f"~{pk}~ (renaming)")
    result = []
    for spec in categories:
        category = existing[spec.pk] if spec.pk in kept else Category(process=process)
        category.name, category.name_en = spec.name.strip(), spec.name_en.strip()
        category.save()
        result.append(category)
    if {(c.pk, c.name, c.name_en) for c in result} != before:
        audit.record(user, "participation.set_categories", process, count=len(result))
    return result


PROCESS_FIELDS = (
    "title",
    "title_en",
    "slug",
    "summary",
    "summary_en",
    "description",
    "description_en",
    "description_easy",
    "image",
    "image_alt",
    "organisation",
    "field_of_action",
    "visibility",
)


def _stored_settings(process: Process) -> dict:
    """The process's own fields as stored (a form may have changed the object already)."""
    if process.pk is None:
        return {}
    return Process.objects.filter(pk=process.pk).values(*PROCESS_FIELDS).get()


def _related_pks(process: Process, relation: str) -> set[int]:
    if process.pk is None:
        return set()
    return set(getattr(process, relation).values_list("pk", flat=True))


def _fill_process(user, process: Process, fields: dict, related: dict) -> Process:
    """Set the fields, then districts, members, phases and categories where given (not None),
    and record in the audit log what changed."""
    unknown = set(fields) - set(PROCESS_FIELDS)
    if unknown:
        raise ValueError(f"not process fields: {sorted(unknown)}")
    created, before = process.pk is None, _stored_settings(process)
    for name, value in fields.items():
        if name == "image" and value in (None, False):  # none given, or "clear" ticked
            value = "" if value is False or not process.image else process.image
        setattr(process, name, value.strip() if isinstance(value, str) else value)
    if process.image and not process.image_alt:
        raise ValidationError({"image_alt": _("Describe the image for people who cannot see it.")})
    process.full_clean(exclude=["created_by", "digest_sent_until"])
    process.save()
    after = _stored_settings(process)
    changed = [name for name in PROCESS_FIELDS if before.get(name) != after[name]]
    for relation in ("districts", "members"):
        if related[relation] is not None:
            old = _related_pks(process, relation)
            getattr(process, relation).set(related[relation])
            if _related_pks(process, relation) != old:
                changed.append(relation)
    _record_changes(user, process, created, changed)
    if related["phases"] is not None:
        set_phases(user, process, related["phases"])
    if related["categories"] is not None:
        set_categories(user, process, related["categories"])
    return process


def _record_changes(user, process: Process, created: bool, changed: list[str]) -> None:
    if created:
        audit.record(user, "participation.create", process, visibility=process.visibility)
        return
    if "visibility" in changed:
        verb = "publish" if process.visibility == Visibility.PUBLIC else "restrict"
        audit.record(user, f"participation.{verb}", process, visibility=process.visibility)
        changed.remove("visibility")
    if "members" in changed:
        audit.record(user, "participation.set_members", process, count=process.members.count())
        changed.remove("members")
    if changed:
        audit.record(user, "participation.change", process, fields=changed)


@transaction.atomic
def create_process(
    user,
    *,
    fields: dict,
    districts=(),
    members=(),
    phases: list[PhaseSpec] | None = None,
    categories: list[CategorySpec] | None = None,
) -> Process:
    """A new process from the staff form; no districts means the whole city."""
    require(user, "participation.manage_processes")
    related = {
        "districts": districts,
        "members": members,
        "phases": phases,
        "categories": categories,
    }
    return _fill_process(user, Process(created_by=user), fields, related)


@transaction.atomic
def update_process(
    user,
    process: Process,
    *,
    fields: dict,
    districts=None,
    members=None,
    phases: list[PhaseSpec] | None = None,
    categories: list[CategorySpec] | None = None,
) -> Process:
    """Change a process; arguments left as None keep what the process has."""
    require(user, "participation.change_process", process)
    related = {
        "districts": districts,
        "members": members,
        "phases": phases,
        "categories": categories,
    }
    return _fill_process(user, process, fields, related)


@transaction.atomic
def add_moderator(user, process: Process, moderator) -> None:
    require(user, "participation.change_process", process)
    if not moderator.is_active:
        raise ValidationError(_("This account is deactivated."))
    if not process.moderators.filter(pk=moderator.pk).exists():
        process.moderators.add(moderator)
        audit.record(user, "participation.add_moderator", process, account=moderator.pk)


@transaction.atomic
def remove_moderator(user, process: Process, moderator) -> None:
    require(user, "participation.change_process", process)
    if process.moderators.filter(pk=moderator.pk).exists():
        process.moderators.remove(moderator)
        audit.record(user, "participation.remove_moderator", process, account=moderator.pk)
