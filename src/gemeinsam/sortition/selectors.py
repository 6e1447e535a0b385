"""Reads of sortition: a panel's quotas, pool and instance, why no run can start, and the
view models that the public page, the staff pages and the API share."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gemeinsam.lib import codes
from gemeinsam.lib.messages import format_message
from gemeinsam.sortition.algorithms.checks import check_instance, conflicting_quotas
from gemeinsam.sortition.algorithms.distribution import ALGORITHM_VERSION, Distribution
from gemeinsam.sortition.algorithms.instance import Instance
from gemeinsam.sortition.algorithms.instance import Quota as QuotaSpec
from gemeinsam.sortition.models import (
    SEATED,
    Algorithm,
    Invitation,
    Panel,
    Quota,
    Replacement,
    RunState,
    SeedAnnouncement,
    SelectionRun,
    Status,
    Volunteer,
)

PENDING = (RunState.QUEUED, RunState.RUNNING)
IN_POOL = [status for status in Status.values if status != Status.WITHDRAWN]
VOLUNTEERS_PER_PAGE = 100


# Quotas, invitations and the pool ---------------------------------------------------------


def quota_specs(panel: Panel) -> list[QuotaSpec]:
    return [QuotaSpec(q.feature, q.value, q.min, q.max) for q in panel.quotas.all()]


def feature_choices(panel: Panel) -> dict[str, list[str]]:
    """Feature -> its values in the quota table's order (the registration form's choices)."""
    choices: dict[str, list[str]] = {}
    for quota in panel.quotas.all():
        choices.setdefault(quota.feature, []).append(quota.value)
    return choices


def shown_code(code: str) -> str:
    """A code as printed: groups of five, e.g. ABCDE-FGHJK."""
    return codes.grouped(code, 5)


def invitation_for(panel: Panel, code: str) -> Invitation | None:
    """The unused invitation of this panel with this code, or None."""
    code = codes.normalise(code)
    if not code:
        return None
    return panel.invitations.filter(code=code, used_at__isnull=True).first()


def pool(panel: Panel) -> list[Volunteer]:
    """The volunteers who take part in a run: all but those who withdrew."""
    return list(panel.volunteers.exclude(status=Status.WITHDRAWN).order_by("number"))


def instance_for(panel: Panel, volunteers: Sequence[Volunteer] | None = None) -> Instance:
    volunteers = pool(panel) if volunteers is None else volunteers
    people = [v.ref for v in volunteers]
    households = {}
    if panel.household_rule:
        households = {v.ref: v.household for v in volunteers if v.household}
    return Instance(
        people=people,
        values={v.ref: dict(v.features) for v in volunteers},
        quotas=quota_specs(panel),
        size=panel.size,
        households=households,
    )


def problems(panel: Panel) -> list[str]:
    """Why no run can start: counting checks first, then the quotas that conflict."""
    if not panel.quotas.exists():
        return [_("The panel has no quotas yet.")]
    instance = instance_for(panel)
    if not instance.people:
        return [_("There are no volunteers yet.")]
    found = check_instance(instance)
    if found:
        return [format_message(_(problem.template), problem.params) for problem in found]
    conflict = conflicting_quotas(instance)
    if conflict:
        names = "; ".join(f"{q.feature} = {q.value} ({q.min}–{q.max})" for q in conflict)
        return [_("No panel meets these quotas together: %(quotas)s.") % {"quotas": names}]
    return []


# Runs, the draw and the deletion ----------------------------------------------------------


def distribution_of(selection: SelectionRun) -> Distribution:
    return Distribution.from_json(selection.distribution)


def latest_leximin(panel: Panel) -> SelectionRun | None:
    """The newest finished LEXIMIN run: the one that can be drawn."""
    return panel.runs.filter(state=RunState.DONE, algorithm=Algorithm.LEXIMIN).first()


def open_announcement(panel: Panel, purpose: str) -> SeedAnnouncement | None:
    """The seed announcement of the panel waiting for its reveal, if any."""
    return (
        SeedAnnouncement.objects.filter(
            panel=panel, purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
        )
        .select_related("run")
        .first()
    )


def panel_members(panel: Panel) -> list[Volunteer]:
    return list(panel.volunteers.filter(status__in=SEATED).order_by("number"))


def deletion_due(panel: Panel) -> datetime | None:
    selection = panel.drawn_run()
    if selection is None or panel.personal_data_deleted_at is not None:
        return None
    return selection.drawn_at + timedelta(days=panel.delete_after_days)


# Transparency -----------------------------------------------------------------------------


def composition(panel: Panel, refs: Iterable[str] | None = None) -> list[dict]:
    """Per quota: target range, volunteers with the value, and panel members with it."""
    volunteers = list(panel.volunteers.all())
    if refs is None:
        members = [v for v in volunteers if v.status in SEATED]
    else:
        wanted = set(refs)
        members = [v for v in volunteers if v.ref in wanted]
    pool_members = [v for v in volunteers if v.status != Status.WITHDRAWN]
    rows = []
    for quota in panel.quotas.all():
        has = lambda v, q=quota: v.features.get(q.feature) == q.value  # noqa: E731
        count = sum(1 for v in members if has(v))
        rows.append(
            {
                "feature": quota.feature,
                "value": quota.value,
                "min": quota.min,
                "max": quota.max,
                "volunteers": sum(1 for v in pool_members if has(v)),
                "panel": count,
                "kept": quota.min <= count <= quota.max,
            }
        )
    return rows


def histogram(probabilities: Mapping[str, float], bins: int = 20) -> list[dict]:
    """Counts of selection probabilities in equal-width bins from 0 to the largest."""
    values = list(probabilities.values())
    if not values:
        return []
    top = max(values) or 1.0
    width = top / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(value / width))] += 1
    return [
        {"low": i * width, "high": (i + 1) * width, "count": count}
        for i, count in enumerate(counts)
    ]


def _run_record(run: SelectionRun) -> dict:
    return {
        "id": run.pk,
        "algorithm": run.algorithm,
        "volunteers": run.volunteers,
        "min_probability": run.min_probability,
        "gini": run.gini,
        "panels_in_support": run.panels_in_support,
        "commitment": run.commitment,
        "finished_at": run.finished_at,
        "seed": run.seed,
        "seed_source": run.seed_source,
        "drawn_at": run.drawn_at,
        "drawn_panel": run.drawn_panel,
    }


def _announcement_record(announcement: SeedAnnouncement) -> dict:
    return {
        "purpose": announcement.purpose,
        "kind": announcement.kind,
        "run": announcement.run_id,
        "announced_at": None if announcement.legacy else announcement.announced_at,
        "source": announcement.source,
        "known_at": announcement.known_at,
        "value_format": announcement.value_format,
        "value_count": announcement.value_count,
        "value_min": announcement.value_min,
        "value_max": announcement.value_max,
        "value_pattern": announcement.value_pattern,
        "witnesses": announcement.witnesses,
        "dropped": announcement.dropped,
        "register_sha256": announcement.register_sha256,
        "count": announcement.count,
        "context": announcement.context,
        "revealed": announcement.revealed if announcement.used_at else [],
        "seed": announcement.seed,
        "used_at": announcement.used_at,
        "superseded_at": announcement.superseded_at,
    }


def announcements(panel: Panel) -> QuerySet[SeedAnnouncement]:
    """Every seed announcement of the panel, used, superseded or waiting, oldest first."""
    return SeedAnnouncement.objects.filter(panel=panel).order_by("pk")


def _replacement_record(replacement: Replacement) -> dict:
    return {
        "dropped": replacement.dropped,
        "added": replacement.added,
        "unkept": replacement.unkept,
        "shortfall": replacement.shortfall,
        "seed": replacement.seed,
        "created_at": replacement.created_at,
    }


def transparency(panel: Panel) -> dict:
    """What the public page and API show: no names, no contact details, no addresses."""
    selection = panel.drawn_run()
    latest = selection or latest_leximin(panel)
    return {
        "panel": panel.slug,
        "title": panel.title,
        "size": panel.size,
        "household_rule": panel.household_rule,
        "invitations": panel.invitations.count(),
        "invitation_seed": panel.invitation_seed,
        "register_size": panel.register_size,
        "register_sha256": panel.register_sha256,
        "volunteers": panel.volunteers.exclude(status=Status.WITHDRAWN).count(),
        "algorithm_version": ALGORITHM_VERSION,
        "quotas": composition(panel),
        "run": _run_record(latest) if latest is not None else None,
        "replacements": [_replacement_record(r) for r in selection.replacements.all()]
        if selection is not None
        else [],
        "seed_announcements": [_announcement_record(a) for a in announcements(panel)],
        "personal_data_deleted_at": panel.personal_data_deleted_at,
    }


def replaced(replacements: Sequence[Mapping]) -> dict:
    """The replacement draws of a transparency record added up, for the public page."""
    return {
        "dropped": sum(len(r["dropped"]) for r in replacements),
        "added": sum(len(r["added"]) for r in replacements),
        "shortfall": sum(r["shortfall"] for r in replacements),
        "unkept": [quota for r in replacements for quota in r["unkept"]],
    }


def probability_figures(probability: float | None) -> dict:
    """A probability as people read it: a percentage and "1 in N"."""
    if probability is None:
        return {"percent": None, "one_in": None}
    return {"percent": probability * 100, "one_in": round(1 / probability) if probability else None}


# The staff pages ----------------------------------------------------------------------------


def _count(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(panel=OuterRef("pk"), **filters)
        .order_by()
        .values("panel")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def panels_with_figures() -> QuerySet[Panel]:
    """Every panel with its counts of quotas, invitations and volunteers, and its draw."""
    drawn = SelectionRun.objects.filter(panel=OuterRef("pk"), drawn_at__isnull=False)
    return Panel.objects.annotate(
        quota_count=_count(Quota),
        invitation_count=_count(Invitation),
        volunteer_count=_count(Volunteer, status__in=IN_POOL),
        drawn_at=Subquery(drawn.values("drawn_at")[:1]),
    )


def progress(panel: Panel) -> dict:
    """What the dashboard's checklist shows about each step."""
    runs = list(panel.runs.all()[:20])
    leximin = next(
        (r for r in runs if r.algorithm == Algorithm.LEXIMIN and r.state == RunState.DONE), None
    )
    return {
        "quotas": panel.quotas.count(),
        "invitations": panel.invitations.aggregate(
            total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))
        ),
        "volunteers": panel.volunteers.exclude(status=Status.WITHDRAWN).count(),
        "pending": next((r for r in runs if r.state in PENDING), None),
        "leximin": leximin,
        "minimum": probability_figures(leximin.min_probability if leximin else None),
        "drawn": panel.drawn_run(),
        "replacements": Replacement.objects.filter(run__panel=panel).count(),
        "deletion_due": deletion_due(panel),
    }


def strata(panel: Panel) -> list[dict]:
    """Per stratum: addresses in the register, invitations drawn and codes used."""
    counts = {
        row["stratum"]: row
        for row in panel.invitations.values("stratum")
        .order_by("stratum")
        .annotate(invited=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False)))
    }
    names = sorted(set(panel.register_strata) | set(counts))
    return [
        {
            "stratum": name,
            "register": panel.register_strata.get(name, 0),
            "invited": counts.get(name, {}).get("invited", 0),
            "used": counts.get(name, {}).get("used", 0),
        }
        for name in names
    ]


def strata_total(panel: Panel, rows: Sequence[Mapping]) -> dict:
    return {
        "register": panel.register_size or 0,
        "invited": sum(r["invited"] for r in rows),
        "used": sum(r["used"] for r in rows),
    }


def feature_rows(volunteers: Iterable[Volunteer], features: Sequence[str]) -> list[tuple]:
    """(volunteer, their values in the order of `features`): the staff tables' rows."""
    return [(v, [v.features.get(f, "") for f in features]) for v in volunteers]


def volunteer_list(panel: Panel, status: str, page_number) -> dict:
    """One page of the pool, optionally of one status, with the counts per status."""
    chosen = status if status in Status.values else ""
    found = panel.volunteers.order_by("number")
    if chosen:
        found = found.filter(status=chosen)
    page = Paginator(found, VOLUNTEERS_PER_PAGE).get_page(page_number)
    features = panel.features
    counts = dict(
        panel.volunteers.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "page": page,
        "rows": feature_rows(page, features),
        "features": features,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()),
        "chosen": chosen,
    }


def histogram_rows(run: SelectionRun) -> list[dict]:
    """The histogram of selection probabilities, with bar lengths against the largest bin."""
    bins = histogram(run.probabilities)
    top = max((b["count"] for b in bins), default=0) or 1
    return [
        b
        | {
            "low_percent": b["low"] * 100,
            "high_percent": b["high"] * 100,
            "bar": b["count"] * 100 / top,
        }
        for b in bins
    ]


def comparison(panel: Panel) -> list[dict]:
    """The newest finished LEXIMIN and LEGACY runs' minimum chances, when both exist."""
    finished = panel.runs.filter(state=RunState.DONE)
    latest = [finished.filter(algorithm=a).first() for a in (Algorithm.LEXIMIN, Algorithm.LEGACY)]
    if not all(latest):
        return []
    top = max(r.min_probability or 0 for r in latest) or 1
    return [
        {"run": r, "bar": (r.min_probability or 0) * 100 / top}
        | probability_figures(r.min_probability)
        for r in latest
    ]


def replacement_history(panel: Panel) -> list[Replacement]:
    """Every replacement draw of the panel, newest first."""
    return list(Replacement.objects.filter(run__panel=panel).order_by("-pk"))
