"""`gemeinsam sortition verify <panel>`: the recorded invitation lottery, draw and replacements
checked against what was announced: timing, hashes or format, the derived seed, the draw
repeated (the invitations too, while their register is kept)."""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC

from gemeinsam.sortition.algorithms import seed as seeds
from gemeinsam.sortition.algorithms.invitations import draw_invitations
from gemeinsam.sortition.algorithms.replacements import replace
from gemeinsam.sortition.exports import inputs_bytes
from gemeinsam.sortition.models import (
    Panel,
    SeedAnnouncement,
    SeedKind,
    SeedPurpose,
    SelectionRun,
)
from gemeinsam.sortition.selectors import distribution_of, instance_for
from gemeinsam.sortition.services.invitations import available_addresses, read_register
from gemeinsam.sortition.services.seeds import (
    canonical_values,
    draw_context,
    invitation_context,
    replacement_context,
)


@dataclass
class Report:
    """What was checked (`passed`), what differs (`problems`) and what cannot be checked."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, ok: bool, passed: str, problem: str) -> bool:
        (self.passed if ok else self.problems).append(passed if ok else problem)
        return ok

    @property
    def ok(self) -> bool:
        return not self.problems


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seed(
    report: Report, run: SelectionRun | None, announcement: SeedAnnouncement, what: str
) -> str:
    """The seed recomputed from the recorded reveal, after checking timing and the reveal
    (and, for a run's draws, that the commitment came first)."""
    if announcement.legacy:
        report.notes.append(
            f"{what}: legacy free seed “{announcement.seed}”, typed in at the draw; it was not "
            "fixed in advance, so only the draw itself can be repeated"
        )
        return announcement.seed
    known, announced = announcement.known_at, announcement.announced_at
    if run is not None:
        report.check(
            run.finished_at is not None and run.finished_at <= announced,
            f"{what}: the commitment was published before the announcement",
            f"{what}: the announcement ({announced}) is older than the commitment "
            f"({run.finished_at})",
        )
    report.check(
        announced < known,
        f"{what}: announced at {_utc(announced)}, before the moment {_utc(known)}",
        f"{what}: announced at {announced}, not before the announced moment {known}",
    )
    report.check(
        announcement.used_at >= known,
        f"{what}: drawn at {_utc(announcement.used_at)}, after the moment {_utc(known)}",
        f"{what}: drawn at {announcement.used_at}, before the announced moment {known}",
    )
    try:
        values = canonical_values(announcement, announcement.revealed)
    except seeds.SeedProblem as problem:
        report.problems.append(f"{what}: the recorded reveal does not fit: {problem}")
        return announcement.seed
    report.passed.append(
        f"{what}: the revealed value fits the announced form"
        if announcement.kind == SeedKind.PUBLIC_EVENT
        else f"{what}: every revealed secret matches its published SHA-256"
    )
    derived = seeds.derive_seed(announcement.context, values)
    report.check(
        derived == announcement.seed,
        f"{what}: seed {derived} derived from the reveal",
        f"{what}: the reveal gives the seed {derived}, not the recorded {announcement.seed}",
    )
    return derived


def _verify_draw(report: Report, run: SelectionRun) -> None:
    distribution = distribution_of(run)
    commitment = distribution.commitment(inputs_bytes(run))
    report.check(
        commitment == run.commitment,
        f"commitment {commitment} matches the published files",
        f"the published files give the commitment {commitment}, not {run.commitment}",
    )
    announcement = run.announcements.filter(purpose=SeedPurpose.DRAW, used_at__isnull=False).first()
    if announcement is None:
        report.problems.append("the draw has no recorded seed")
        return
    if not announcement.legacy:
        report.check(
            announcement.context == draw_context(run),
            "draw: the seed is bound to this panel and commitment",
            f"draw: the announcement is bound to “{announcement.context}”, not this commitment",
        )
    seed = _seed(report, run, announcement, "draw")
    report.check(
        run.seed == seed, "draw: the run records this seed", f"draw: the run records {run.seed}"
    )
    panel = sorted(distribution.draw(seed))
    report.check(
        panel == run.drawn_panel,
        f"draw: the seed draws the recorded panel ({len(panel)} members)",
        f"draw: the seed draws {', '.join(panel)}, the record says {', '.join(run.drawn_panel)}",
    )


def _verify_replacements(report: Report, panel: Panel, run: SelectionRun) -> None:
    volunteers = {v.ref: v for v in panel.volunteers.all()}
    candidates = [v for ref, v in volunteers.items() if ref in run.probabilities]
    for number, replacement in enumerate(run.replacements.select_related("announcement"), 1):
        what = f"replacement {number}"
        announcement = replacement.announcement
        if announcement is None:
            report.problems.append(f"{what}: no recorded seed")
            continue
        if not announcement.legacy:
            ordinal = run.announcements.filter(
                purpose=SeedPurpose.REPLACEMENT, pk__lte=announcement.pk
            ).count()
            context = replacement_context(run, ordinal, announcement.dropped)
            report.check(
                announcement.context == context,
                f"{what}: the seed is bound to this panel, commitment and who dropped out",
                f"{what}: the announcement is bound to “{announcement.context}”, not “{context}”",
            )
            report.check(
                announcement.dropped == replacement.dropped,
                f"{what}: who dropped out was announced with the seed procedure",
                f"{what}: announced {announcement.dropped}, replaced {replacement.dropped}",
            )
        seed = _seed(report, run, announcement, what)
        if replacement.seated_before is None:
            report.notes.append(f"{what}: recorded before its inputs were kept; not repeated")
            continue
        result = replace(
            instance_for(panel, candidates),
            replacement.seated_before,
            replacement.dropped,
            seed,
            excluded=replacement.excluded or [],
        )
        report.check(
            list(result.added) == replacement.added,
            f"{what}: the seed draws the recorded replacements ({', '.join(result.added) or '–'})",
            f"{what}: the seed draws {list(result.added)}, the record says {replacement.added}",
        )


def _redraw_invitations(
    report: Report, panel: Panel, announcement: SeedAnnouncement, first: int, what: str
) -> None:
    """Repeat a round from the kept register: the addresses of earlier rounds left out."""
    content = announcement.register.encode("utf-8")
    report.check(
        hashlib.sha256(content).hexdigest() == announcement.register_sha256,
        f"{what}: the kept register has the announced SHA-256",
        f"{what}: the kept register does not have the announced SHA-256",
    )
    register = read_register(content, announcement.stratum_column)
    invitations = list(panel.invitations.order_by("position"))
    earlier = {i.register_id for i in invitations if i.position < first}
    chosen = draw_invitations(
        available_addresses(register, earlier), announcement.count, announcement.seed
    )
    recorded = [i.register_id for i in invitations if i.position >= first][: len(chosen)]
    report.check(
        [a.id for a in chosen] == recorded,
        f"{what}: the seed draws the recorded {len(chosen)} invitations from the register",
        f"{what}: the seed draws other addresses from the register than the recorded ones",
    )


def _verify_invitations(report: Report, panel: Panel) -> None:
    used = panel.announcements.filter(purpose=SeedPurpose.INVITATIONS, used_at__isnull=False)
    first = 1  # each round's invitations follow the earlier rounds' in the draw order
    for number, announcement in enumerate(used.order_by("pk"), 1):
        what = f"invitations {number}"
        if not announcement.legacy:
            ordinal = panel.announcements.filter(
                purpose=SeedPurpose.INVITATIONS, pk__lte=announcement.pk
            ).count()
            context = invitation_context(
                panel,
                ordinal,
                announcement.register_sha256,
                announcement.count,
                announcement.stratum_column,
            )
            report.check(
                announcement.context == context,
                f"{what}: the seed is bound to this panel, the register's SHA-256 and the count",
                f"{what}: the announcement is bound to “{announcement.context}”, not “{context}”",
            )
        _seed(report, None, announcement, what)
        if announcement.legacy or not announcement.register:
            report.notes.append(f"{what}: register not kept, invitations not re-drawn")
        else:
            _redraw_invitations(report, panel, announcement, first, what)
        first += announcement.count or 0


def verify_panel(panel: Panel) -> Report:
    """Check the panel's invitation lottery, draw and replacements; a report, never an
    exception for a mismatch."""
    report = Report()
    _verify_invitations(report, panel)
    run = panel.drawn_run()
    if run is None:
        report.notes.append("the panel has not been drawn yet")
        return report
    _verify_draw(report, run)
    _verify_replacements(report, panel, run)
    return report
