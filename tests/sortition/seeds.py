"""Seed procedures for the tests: announce, let the announced moment pass (by moving the
recorded times back, as no clock is faked), reveal."""

from datetime import timedelta

from django.utils import timezone

from gemeinsam.sortition.algorithms.seed import secret_hash
from gemeinsam.sortition.models import (
    Invitation,
    Panel,
    Replacement,
    SeedAnnouncement,
    SeedKind,
    SelectionRun,
    ValueFormat,
)
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.invitations import announce_invitations, draw_invitations
from gemeinsam.sortition.services.replacements import announce_replacement, replace_dropouts
from gemeinsam.sortition.services.seeds import SeedProcedure

SECRETS = [("Anna Witness", "urn-4711-anna"), ("Ben Witness", "urn-0815-ben")]


def lotto(known_at=None, count: int = 6) -> SeedProcedure:
    return SeedProcedure(
        kind=SeedKind.PUBLIC_EVENT,
        known_at=known_at or timezone.now() + timedelta(days=1),
        source="the six numbers of the Lotto draw 6 aus 49 of Saturday 2027-03-06",
        value_format=ValueFormat.NUMBERS,
        value_count=count,
        value_min=1,
        value_max=49,
    )


def any_text(known_at=None) -> SeedProcedure:
    return SeedProcedure(
        kind=SeedKind.PUBLIC_EVENT,
        known_at=known_at or timezone.now() + timedelta(days=1),
        source="a text read out at the public meeting",
        value_format=ValueFormat.PATTERN,
        value_pattern=r".+",
    )


def witnesses(secrets=SECRETS, known_at=None) -> SeedProcedure:
    return SeedProcedure(
        kind=SeedKind.WITNESSES,
        known_at=known_at or timezone.now() + timedelta(days=1),
        witnesses=[(name, secret_hash(secret)) for name, secret in secrets],
    )


def let_time_pass(announcement: SeedAnnouncement, days: int = 2) -> None:
    """As if the announcement (and the run's commitment) had been made `days` ago: the
    announced moment is now in the past."""
    shift = timedelta(days=days)
    SeedAnnouncement.objects.filter(pk=announcement.pk).update(
        announced_at=announcement.announced_at - shift, known_at=announcement.known_at - shift
    )
    run = SelectionRun.objects.get(pk=announcement.run_id)
    SelectionRun.objects.filter(pk=run.pk).update(
        created_at=run.created_at - 2 * shift,
        started_at=run.started_at - 2 * shift,
        finished_at=run.finished_at - 2 * shift,
    )


def draw_with(staff, run: SelectionRun, value: str = "any text") -> SelectionRun:
    """Announce a public event of any text, let its moment pass, draw with `value`."""
    announcement = announce_draw(staff, run, any_text())
    let_time_pass(announcement)
    return draw(staff, run, [value])


def replace_with(staff, panel: Panel, dropped, value: str = "any text") -> Replacement:
    announcement = announce_replacement(staff, panel, dropped, any_text())
    SeedAnnouncement.objects.filter(pk=announcement.pk).update(
        announced_at=announcement.announced_at - timedelta(hours=2),
        known_at=announcement.known_at - timedelta(days=1, hours=1),
    )
    return replace_dropouts(staff, panel, [value])


def move_back(announcement: SeedAnnouncement, days: int = 2) -> None:
    """As if an announcement without a run had been made `days` ago."""
    shift = timedelta(days=days)
    SeedAnnouncement.objects.filter(pk=announcement.pk).update(
        announced_at=announcement.announced_at - shift, known_at=announcement.known_at - shift
    )


def invite_with(
    staff, panel: Panel, uploaded, count: int, value: str = "any text", **options
) -> list[Invitation]:
    """Announce the register and a public event of any text, let its moment pass, draw the
    invitations with `value`."""
    announcement = announce_invitations(staff, panel, uploaded, count, any_text(), **options)
    move_back(announcement)
    return draw_invitations(staff, panel, [value])
