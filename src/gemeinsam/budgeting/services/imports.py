"""Importing a Pabulib election into a process: its projects as feasible proposals, its
ballots as imported ones (`gemeinsam pb import`, the demo)."""

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BallotKind,
    BallotSource,
    BudgetingProcess,
    Feasibility,
    Proposal,
)
from gemeinsam.budgeting.rules.election import BallotKind as RuleKind
from gemeinsam.budgeting.rules.election import Election
from gemeinsam.core import audit
from gemeinsam.participation.models import Idea

KINDS = {
    RuleKind.APPROVAL: BallotKind.APPROVAL,
    RuleKind.CHOOSE_1: BallotKind.APPROVAL,
    RuleKind.CUMULATIVE: BallotKind.CUMULATIVE,
    RuleKind.ORDINAL: BallotKind.ORDINAL,
}


def decimal(amount: Fraction) -> Decimal:
    return Decimal(amount.numerator) / amount.denominator


@transaction.atomic
def import_election(
    budgeting: BudgetingProcess, election: Election, *, author=None
) -> tuple[int, int]:
    """Store a budgeting.rules Election's projects as feasible proposals and its ballots.

    The projects keep their Pabulib ids (Proposal.external_id); ballots are marked imported.
    """
    kind = KINDS[election.kind]
    if budgeting.ballots.exclude(source=BallotSource.IMPORTED).exists():
        raise ValidationError(_("This process already has ballots cast on the platform."))
    budgeting.ballot_kind = kind
    budgeting.budget = decimal(election.budget)
    budgeting.save(update_fields=["ballot_kind", "budget"])
    ids = _proposals(budgeting, election, author)
    ballots = _ballots(budgeting, election, ids)
    audit.record(author, "budgeting.import_ballots", budgeting, proposals=len(ids), ballots=ballots)
    return len(ids), ballots


def _proposals(budgeting: BudgetingProcess, election: Election, author) -> dict[str, int]:
    """Each project as an idea with a feasible proposal; their pks by project id."""
    ids: dict[str, int] = {}
    for project in election.projects:
        idea = Idea.objects.create(
            process=budgeting.process,
            author=author,
            title=(project.name or project.id)[:200],
            description=project.extra.get("description", "") or project.name or project.id,
        )
        cost = decimal(project.cost)
        proposal = Proposal.objects.create(
            idea=idea,
            budgeting=budgeting,
            cost_estimate=cost,
            final_cost=cost,
            feasibility=Feasibility.FEASIBLE,
            external_id=project.id,
        )
        ids[project.id] = proposal.pk
    return ids


def _ballots(budgeting: BudgetingProcess, election: Election, ids: dict[str, int]) -> int:
    """The election's ballots, referenced by their voter ids; returns how many."""
    voter_ids = election.voter_ids or [str(n) for n in range(1, len(election.ballots) + 1)]
    ballots = Ballot.objects.bulk_create(
        Ballot(budgeting=budgeting, source=BallotSource.IMPORTED, reference=str(v)[:64])
        for v in voter_ids
    )
    if any(b.pk is None for b in ballots):  # backends without RETURNING
        ballots = list(budgeting.ballots.filter(source=BallotSource.IMPORTED).order_by("pk"))
    items = []
    for ballot, vote in zip(ballots, election.ballots, strict=True):
        if isinstance(vote, tuple):
            values = {pid: rank for rank, pid in enumerate(vote, start=1)}
        elif isinstance(vote, Mapping):
            values = dict(vote)
        else:
            values = dict.fromkeys(vote, 1)
        items += [
            BallotItem(ballot=ballot, proposal_id=ids[pid], value=int(v))
            for pid, v in values.items()
            if int(v) > 0
        ]
    BallotItem.objects.bulk_create(items, batch_size=5000)
    return len(ballots)
