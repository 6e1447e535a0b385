"""The seed procedure: announced with the commitment, before the seed can be known, and the
reveal at the draw checked against it (the derivation is in algorithms/seed.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.sortition.algorithms import seed as seeds
from gemeinsam.sortition.models import (
    Panel,
    SeedAnnouncement,
    SeedKind,
    SeedPurpose,
    SelectionRun,
    ValueFormat,
)


@dataclass
class SeedProcedure:
    """What staff announce: a public event (source, moment, form of its value) or witnesses
    (name and SHA-256 of each one's secret) who reveal at the moment."""

    kind: str
    known_at: datetime
    source: str = ""
    value_format: str = ""
    value_count: int | None = None
    value_min: int | None = None
    value_max: int | None = None
    value_pattern: str = ""
    witnesses: list[tuple[str, str]] = field(default_factory=list)


def problem_message(problem: seeds.SeedProblem) -> str:
    """A SeedProblem said in the reader's language."""
    messages = {
        "pattern": _("The form of the value is not a regular expression: %(error)s"),
        "empty": _("Enter the value of the announced event."),
        "long": _("The value is longer than %(max)s characters."),
        "pattern_mismatch": _("“%(value)s” does not have the announced form %(pattern)s."),
        "not_numbers": _("“%(value)s” is not a list of numbers as announced."),
        "count": _("The value has %(found)s numbers; the announcement says %(count)s."),
        "range": _("%(number)s is not between %(low)s and %(high)s as announced."),
        "witnesses": _("Name at least two witnesses."),
        "hash": _("“%(hash)s” is not a SHA-256 in hex (64 digits 0–9, a–f)."),
        "same_hash": _("Two witnesses gave the same hash: each needs a secret of their own."),
        "secret_count": _("%(found)s secrets for %(count)s witnesses."),
        "secret_missing": _("The secret of %(name)s is missing."),
        "secret_mismatch": _("The secret of %(name)s does not match the hash published for it."),
    }
    return messages.get(problem.code, str(problem)) % problem.params


def value_format(announcement: SeedAnnouncement) -> seeds.NumbersFormat | seeds.PatternFormat:
    if announcement.value_format == ValueFormat.NUMBERS:
        return seeds.NumbersFormat(
            announcement.value_count, announcement.value_min, announcement.value_max
        )
    return seeds.PatternFormat(announcement.value_pattern)


def _check_procedure(procedure: SeedProcedure, now: datetime) -> None:
    if procedure.kind not in (SeedKind.PUBLIC_EVENT, SeedKind.WITNESSES):
        raise ValidationError(_("Choose a public random event or witnesses."))
    if procedure.known_at is None or procedure.known_at <= now:
        raise ValidationError(
            _("The moment the seed becomes known must lie in the future: after the announcement.")
        )
    try:
        if procedure.kind == SeedKind.WITNESSES:
            seeds.check_witness_hashes([h for _name, h in procedure.witnesses])
            names = [name for name, _hash in procedure.witnesses]
            if any(not name for name in names) or len(set(names)) != len(names):
                raise ValidationError(_("Give each witness a name of their own."))
            return
        if not procedure.source.strip():
            raise ValidationError(_("Describe the public event the seed is taken from."))
        if procedure.value_format == ValueFormat.PATTERN:
            seeds.check_pattern(procedure.value_pattern)
            return
        low, high, count = procedure.value_min, procedure.value_max, procedure.value_count
        if procedure.value_format != ValueFormat.NUMBERS or None in (low, high, count):
            raise ValidationError(_("Say the form of the value: how many numbers, from, to."))
        if count < 1 or low > high:
            raise ValidationError(_("The count must be at least 1 and “from” not above “to”."))
    except seeds.SeedProblem as problem:
        raise ValidationError(problem_message(problem)) from problem


def announce(
    user,
    panel: Panel,
    purpose: str,
    procedure: SeedProcedure,
    context: str,
    *,
    run: SelectionRun | None = None,
    **facts,
) -> SeedAnnouncement:
    """Record the procedure (the caller holds the panel lock); an earlier announcement of the
    same purpose not used yet is superseded, and stays on the public page as such."""
    now = timezone.now()
    _check_procedure(procedure, now)
    # One open announcement per panel and purpose: announcing for two runs and choosing
    # the run once the seed is known would be a way to choose the panel.
    SeedAnnouncement.objects.filter(
        panel=panel, purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)
    event = procedure.kind == SeedKind.PUBLIC_EVENT
    announcement = SeedAnnouncement.objects.create(
        panel=panel,
        run=run,
        purpose=purpose,
        kind=procedure.kind,
        source=procedure.source.strip()[:300],
        known_at=procedure.known_at,
        value_format=procedure.value_format if event else "",
        value_count=procedure.value_count if event else None,
        value_min=procedure.value_min if event else None,
        value_max=procedure.value_max if event else None,
        value_pattern=procedure.value_pattern if event else "",
        witnesses=[]
        if event
        else [{"name": name.strip(), "sha256": h} for name, h in procedure.witnesses],
        context=context,
        announced_at=now,
        announced_by=user,
        **facts,
    )
    # The invitation lottery has no run: its event names the register instead.
    where = {"run": run.pk} if run else {"register_sha256": announcement.register_sha256}
    audit.record(
        user,
        "sortition.announce_seed" if run else "sortition.announce_invitation_seed",
        panel,
        **where,
        purpose=purpose,
        kind=procedure.kind,
        known_at=procedure.known_at.isoformat(),
    )
    return announcement


def open_announcement(run: SelectionRun | None, purpose: str) -> SeedAnnouncement | None:
    if run is None:
        return None
    return run.announcements.filter(
        purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
    ).first()


def canonical_values(announcement: SeedAnnouncement, values: Sequence[str]) -> list[str]:
    """The revealed values checked against the announcement, in their one spelling; raises
    SeedProblem."""
    if announcement.kind == SeedKind.LEGACY:
        return list(values)
    if announcement.kind == SeedKind.PUBLIC_EVENT:
        if len(values) != 1:
            raise seeds.SeedProblem("empty", "no value was entered")
        return [seeds.canonical_value(values[0], value_format(announcement))]
    secrets = [value.strip() for value in values]
    seeds.check_secrets(
        announcement.witness_names, [w["sha256"] for w in announcement.witnesses], secrets
    )
    return secrets


def reveal(announcement: SeedAnnouncement | None, values: Sequence[str]) -> SeedAnnouncement:
    """Check the reveal against the announcement and record it with the derived seed (the
    caller holds the panel lock and saves nothing else of the announcement)."""
    if announcement is None:
        raise ValidationError(
            _("Announce the seed procedure first: the draw needs a seed fixed in advance.")
        )
    now = timezone.now()
    if now < announcement.known_at:
        raise ValidationError(
            _("The seed cannot be known before %(moment)s, as announced: draw after it.")
            % {"moment": date_format(timezone.localtime(announcement.known_at), "DATETIME_FORMAT")}
        )
    try:
        canonical = canonical_values(announcement, values)
    except seeds.SeedProblem as problem:
        raise ValidationError(problem_message(problem)) from problem
    announcement.revealed = [value.strip() for value in values]
    announcement.seed = seeds.derive_seed(announcement.context, canonical)
    announcement.used_at = now
    announcement.save(update_fields=["revealed", "seed", "used_at"])
    return announcement


def draw_context(run: SelectionRun) -> str:
    return f"{run.panel.slug} {SeedPurpose.DRAW} {run.commitment}"


def invitation_context(
    panel: Panel, number: int, register_sha256: str, count: int, stratum_column: str
) -> str:
    """The invitation lottery's seed is bound to its round and the register as uploaded."""
    return f"{panel.slug} {SeedPurpose.INVITATIONS} {number} {register_sha256} {count} " + (
        stratum_column
    )


def replacement_context(run: SelectionRun, number: int, dropped: Sequence[str]) -> str:
    return f"{run.panel.slug} {SeedPurpose.REPLACEMENT} {number} {run.commitment} " + ",".join(
        dropped
    )
