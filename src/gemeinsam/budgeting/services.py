"""Budgeting actions: proposals, review, ballots (online, by code, on paper), voting codes.

Each action checks its permission (budgeting/predicates.py) and runs in one transaction.
"""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BallotKind,
    BallotSource,
    BudgetingProcess,
    Feasibility,
    Proposal,
    VotingCode,
)
from gemeinsam.core.models import District
from gemeinsam.core.predicates import require
from gemeinsam.lib import codes
from gemeinsam.participation import services as participation
from gemeinsam.participation.models import Idea

# Codes are read off paper: no 0/O, 1/I/L. 12 of 31 symbols are about 59 bits.
CODE_LENGTH = 12
MAX_CODES_PER_BATCH = 5000


def money(amount: Decimal | Fraction | int, currency: str) -> str:
    """An amount as people read it: grouped, cents only where there are any."""
    amount = (
        Decimal(amount.numerator) / amount.denominator if isinstance(amount, Fraction) else amount
    )
    places = 0 if Decimal(amount) == Decimal(amount).to_integral_value() else 2
    # Rounded to the cent here: number_format would cut the digits off instead.
    amount = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{formats.number_format(amount, places, use_l10n=True, force_grouping=True)} {currency}"


# The ballot and its check ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One election of a process: the whole city, or a district with its own budget."""

    district: District | None
    budget: Decimal
    proposals: list[Proposal]

    @property
    def name(self) -> str:
        return self.district.name if self.district else _("Whole area")


@dataclass
class PartCheck:
    part: Part
    chosen: list[Proposal]
    total_cost: Decimal

    @property
    def over_budget(self) -> Decimal:
        return max(self.total_cost - self.part.budget, Decimal(0))

    @property
    def remaining(self) -> Decimal:
        return max(self.part.budget - self.total_cost, Decimal(0))


@dataclass
class BallotCheck:
    """What a ballot costs against the budget, and what is wrong with it, in sentences."""

    parts: list[PartCheck]
    errors: list[str] = field(default_factory=list)
    points_used: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_cost(self) -> Decimal:
        return sum((p.total_cost for p in self.parts), Decimal(0))


def ballot_proposals(budgeting: BudgetingProcess):
    """The proposals on the ballot: found feasible, not hidden by moderators."""
    return (
        Proposal.objects.filter(
            budgeting=budgeting, feasibility=Feasibility.FEASIBLE, idea__is_hidden=False
        )
        .select_related("idea", "district")
        .defer("district__geometry")
        .order_by("idea__title", "pk")
    )


def parts(budgeting: BudgetingProcess, proposals: Sequence[Proposal] | None = None) -> list[Part]:
    """One part per district budget; proposals without one form the city-wide part."""
    proposals = list(ballot_proposals(budgeting) if proposals is None else proposals)
    district_budgets = list(budgeting.district_budgets.select_related("district"))
    if not district_budgets:
        return [Part(None, budgeting.budget, proposals)]
    result = [
        Part(db.district, db.amount, [p for p in proposals if p.district_id == db.district_id])
        for db in district_budgets
    ]
    covered = {db.district_id for db in district_budgets}
    rest = [p for p in proposals if p.district_id not in covered]
    citywide = budgeting.budget - sum((db.amount for db in district_budgets), Decimal(0))
    if rest or citywide > 0:
        result.insert(0, Part(None, max(citywide, Decimal(0)), rest))
    return result


def check_ballot(
    budgeting: BudgetingProcess,
    choices: Mapping[int, int],
    proposals: Sequence[Proposal] | None = None,
) -> BallotCheck:
    """Check choices {proposal id: value} against the ballot kind's rules and the budget.

    value: approval 1, cumulative the points (≥ 1), ordinal the rank (1 = best).
    """
    all_parts = parts(budgeting, proposals)
    by_id = {p.pk: p for part in all_parts for p in part.proposals}
    choices = {int(k): int(v) for k, v in choices.items() if int(v) != 0}
    checks = []
    for part in all_parts:
        chosen = [p for p in part.proposals if p.pk in choices]
        checks.append(PartCheck(part, chosen, sum((p.cost for p in chosen), Decimal(0))))
    result = BallotCheck(checks, points_used=sum(choices.values()))
    errors = result.errors
    if any(pk not in by_id for pk in choices):
        errors.append(_("One of the chosen proposals is not on the ballot."))
        return result
    if any(v < 0 for v in choices.values()):
        errors.append(_("Points and ranks cannot be negative."))
        return result
    if not choices:
        errors.append(_("Your ballot is empty: choose at least one proposal."))
        return result
    kind, currency = budgeting.ballot_kind, budgeting.currency
    for check in checks:
        if not check.chosen:
            continue
        where = "" if len(checks) == 1 else f"{check.part.name}: "
        n = len(check.chosen)
        if kind == BallotKind.APPROVAL:
            if any(choices[p.pk] != 1 for p in check.chosen):
                errors.append(where + _("An approval ballot only ticks proposals."))
            if budgeting.max_projects is not None and n > budgeting.max_projects:
                errors.append(
                    where
                    + ngettext(
                        "Choose at most %(max)s proposal; you chose %(n)s.",
                        "Choose at most %(max)s proposals; you chose %(n)s.",
                        budgeting.max_projects,
                    )
                    % {"max": budgeting.max_projects, "n": n}
                )
            if budgeting.min_projects is not None and n < budgeting.min_projects:
                errors.append(
                    where
                    + ngettext(
                        "Choose at least %(min)s proposal; you chose %(n)s.",
                        "Choose at least %(min)s proposals; you chose %(n)s.",
                        budgeting.min_projects,
                    )
                    % {"min": budgeting.min_projects, "n": n}
                )
            if budgeting.knapsack and check.over_budget > 0:
                errors.append(
                    where
                    + _(
                        "Your selection costs %(cost)s, %(over)s more than the budget of "
                        "%(budget)s. Please remove a proposal."
                    )
                    % {
                        "cost": money(check.total_cost, currency),
                        "over": money(check.over_budget, currency),
                        "budget": money(check.part.budget, currency),
                    }
                )
        elif kind == BallotKind.CUMULATIVE:
            used = sum(choices[p.pk] for p in check.chosen)
            if used > budgeting.points:
                errors.append(
                    where
                    + _("You gave %(used)s points, but you have %(available)s to distribute.")
                    % {"used": used, "available": budgeting.points}
                )
        elif kind == BallotKind.ORDINAL:
            ranks = [choices[p.pk] for p in check.chosen]
            if len(set(ranks)) != len(ranks):
                errors.append(where + _("Each rank can be given to one proposal only."))
            if any(r > budgeting.max_rank for r in ranks) or n > budgeting.max_rank:
                errors.append(
                    where
                    + _("Rank at most %(k)s proposals, with ranks from 1 to %(k)s.")
                    % {"k": budgeting.max_rank}
                )
    return result


def _raise_unless_ok(check: BallotCheck) -> None:
    if not check.ok:
        raise ValidationError(check.errors)


def _replace_items(ballot: Ballot, choices: Mapping[int, int]) -> None:
    ballot.items.all().delete()
    BallotItem.objects.bulk_create(
        BallotItem(ballot=ballot, proposal_id=int(pk), value=int(v))
        for pk, v in choices.items()
        if int(v) != 0
    )


@transaction.atomic
def cast_ballot(voter, budgeting: BudgetingProcess, choices: Mapping[int, int]) -> Ballot:
    """Cast or replace a ballot: `voter` is a user, or a voting code (str) for a code ballot.

    A person's ballot can be changed until the voting phase ends; a code votes once.
    The unique constraints on (process, voter) and (process, code) decide races.
    """
    if isinstance(voter, str):
        return _cast_with_code(voter, budgeting, choices)
    require(voter, "budgeting.vote", budgeting)
    _raise_unless_ok(check_ballot(budgeting, choices))
    ballot, created = Ballot.objects.get_or_create(
        budgeting=budgeting, voter=voter, defaults={"source": BallotSource.ONLINE}
    )
    if not created:
        # Concurrent changes of one ballot queue up here; the last one wins whole.
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        ballot.save(update_fields=["updated_at"])
    _replace_items(ballot, choices)
    return ballot


def code_hash(code: str) -> str:
    return hashlib.sha256(codes.normalise(code).encode()).hexdigest()


def _cast_with_code(code: str, budgeting: BudgetingProcess, choices: Mapping[int, int]) -> Ballot:
    require(AnonymousUser(), "budgeting.vote_with_code", budgeting)
    invalid = ValidationError(_("This voting code is not valid or has already been used."))
    row = (
        VotingCode.objects.select_for_update()
        .filter(budgeting=budgeting, code_hash=code_hash(code))
        .first()
    )
    if row is None or row.used_at is not None:
        raise invalid
    _raise_unless_ok(check_ballot(budgeting, choices))
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                budgeting=budgeting, voting_code=row, source=BallotSource.CODE
            )
    except IntegrityError:
        raise invalid from None
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    _replace_items(ballot, choices)
    return ballot


def code_is_usable(budgeting: BudgetingProcess, code: str) -> bool:
    return VotingCode.objects.filter(
        budgeting=budgeting, code_hash=code_hash(code), used_at__isnull=True
    ).exists()


def my_ballot(user, budgeting: BudgetingProcess) -> Ballot | None:
    if not user.is_authenticated:
        return None
    return Ballot.objects.filter(budgeting=budgeting, voter=user).first()


def ballot_choices(ballot: Ballot | None) -> dict[int, int]:
    if ballot is None:
        return {}
    return dict(ballot.items.values_list("proposal_id", "value"))


@transaction.atomic
def enter_paper_ballot(
    staff, budgeting: BudgetingProcess, choices: Mapping[int, int], reference: str = ""
) -> Ballot:
    """A paper ballot typed in by staff, marked as such with who entered it."""
    require(staff, "budgeting.enter_paper_ballot", budgeting)
    _raise_unless_ok(check_ballot(budgeting, choices))
    ballot = Ballot.objects.create(
        budgeting=budgeting,
        source=BallotSource.PAPER,
        entered_by=staff,
        reference=reference.strip()[:64],
    )
    _replace_items(ballot, choices)
    return ballot


# Voting codes ---------------------------------------------------------------------------


@transaction.atomic
def generate_codes(staff, budgeting: BudgetingProcess, count: int) -> tuple[int, list[str]]:
    """Make `count` new codes as one printed batch; the codes are returned once, never stored."""
    require(staff, "budgeting.manage_codes", budgeting)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValidationError(
            _("Generate between 1 and %(max)s codes at a time.") % {"max": MAX_CODES_PER_BATCH}
        )
    BudgetingProcess.objects.select_for_update().filter(pk=budgeting.pk).first()
    batch = (budgeting.codes.aggregate(m=Max("batch"))["m"] or 0) + 1
    printed = [codes.grouped(codes.new_code(CODE_LENGTH), 4) for _ in range(count)]
    VotingCode.objects.bulk_create(
        VotingCode(budgeting=budgeting, code_hash=code_hash(c), batch=batch, created_by=staff)
        for c in printed
    )
    return batch, printed


# Proposals ------------------------------------------------------------------------------


@transaction.atomic
def submit_proposal(
    user,
    budgeting: BudgetingProcess,
    *,
    title: str,
    description: str,
    cost_estimate: Decimal,
    category=None,
    point: participation.Point | None = None,
    images=(),
) -> Proposal:
    """An idea with a cost estimate, submitted in the proposal collection phase."""
    require(user, "budgeting.submit_proposal", budgeting)
    idea = participation.submit_idea(
        user,
        budgeting.process,
        title=title,
        description=description,
        category=category,
        point=point,
        images=images,
    )
    proposal = Proposal(
        idea=idea, budgeting=budgeting, cost_estimate=cost_estimate, district=idea.district
    )
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def review_proposal(
    staff,
    proposal: Proposal,
    *,
    feasibility: str,
    reason: str = "",
    final_cost: Decimal | None = None,
    district: District | None = None,
) -> Proposal:
    """Staff's feasibility review: not feasible needs a public reason; feasible a cost."""
    require(staff, "budgeting.review_proposal", proposal)
    if feasibility not in Feasibility.values:
        raise ValidationError(_("Unknown review result."))
    reason = reason.strip()
    if feasibility == Feasibility.NOT_FEASIBLE and not reason:
        raise ValidationError(_("Please give the public reason why it is not feasible."))
    proposal.feasibility = feasibility
    proposal.rejection_reason = reason if feasibility == Feasibility.NOT_FEASIBLE else ""
    proposal.final_cost = final_cost
    if district is not None:
        proposal.district = district
    proposal.reviewed_by, proposal.reviewed_at = staff, timezone.now()
    proposal.full_clean()
    proposal.save()
    return proposal


# Pabulib import -------------------------------------------------------------------------


@transaction.atomic
def import_election(budgeting: BudgetingProcess, election, *, author=None) -> tuple[int, int]:
    """Store a budgeting.rules Election's projects as feasible proposals and its ballots.

    The projects keep their Pabulib ids (Proposal.external_id); ballots are marked imported.
    """
    from gemeinsam.budgeting.rules.election import BallotKind as RuleKind

    kind = {
        RuleKind.APPROVAL: BallotKind.APPROVAL,
        RuleKind.CHOOSE_1: BallotKind.APPROVAL,
        RuleKind.CUMULATIVE: BallotKind.CUMULATIVE,
        RuleKind.ORDINAL: BallotKind.ORDINAL,
    }[election.kind]
    if budgeting.ballots.exclude(source=BallotSource.IMPORTED).exists():
        raise ValidationError(_("This process already has ballots cast on the platform."))
    budgeting.ballot_kind = kind
    budgeting.budget = Decimal(election.budget.numerator) / election.budget.denominator
    budgeting.save(update_fields=["ballot_kind", "budget"])
    ids: dict[str, int] = {}
    for project in election.projects:
        idea = Idea.objects.create(
            process=budgeting.process,
            author=author,
            title=(project.name or project.id)[:200],
            description=project.extra.get("description", "") or project.name or project.id,
        )
        cost = Decimal(project.cost.numerator) / project.cost.denominator
        proposal = Proposal.objects.create(
            idea=idea,
            budgeting=budgeting,
            cost_estimate=cost,
            final_cost=cost,
            feasibility=Feasibility.FEASIBLE,
            external_id=project.id,
        )
        ids[project.id] = proposal.pk
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
    return len(ids), len(ballots)


def ballot_rows(budgeting: BudgetingProcess) -> list[tuple[int, int, int]]:
    """Every stored ballot item of the process as (ballot, proposal, value), in ballot order.

    Deliberately without a filter on the proposals: with `proposal IN (...)` SQLite probes
    the (ballot, proposal) index once per ballot and proposal, 6 s instead of 1 s at Łódź's
    size; callers keep the proposals of their part themselves."""
    rows = BallotItem.objects.filter(ballot__budgeting=budgeting).order_by("ballot_id", "pk")
    return list(rows.values_list("ballot_id", "proposal_id", "value"))


def to_election(
    budgeting: BudgetingProcess,
    part: Part | None = None,
    rows: Sequence[tuple[int, int, int]] | None = None,
):
    """The stored ballots of one part as a budgeting.rules Election.

    Project ids are the Pabulib ids of imported proposals, else the proposal pks (as
    strings; Project.extra["proposal"] holds the pk); projects in creation order, so that
    the rules' tie-breaking sees an imported election as the file has it. `rows` are the
    process's `ballot_rows`, when the caller loaded them once for several parts.
    """
    from gemeinsam.budgeting.rules.election import BallotKind as RuleKind
    from gemeinsam.budgeting.rules.election import Election, Project

    part = part or parts(budgeting)[0]
    proposals = sorted(part.proposals, key=lambda p: p.pk)
    project_id = {p.pk: p.external_id or str(p.pk) for p in proposals}
    projects = [
        Project(
            id=project_id[p.pk],
            cost=Fraction(p.cost),
            name=p.idea.title,
            extra={"proposal": str(p.pk)},
        )
        for p in proposals
    ]
    by_ballot: dict[int, dict[str, int]] = {}
    for ballot_id, proposal_id, value in ballot_rows(budgeting) if rows is None else rows:
        if proposal_id in project_id:
            by_ballot.setdefault(ballot_id, {})[project_id[proposal_id]] = value
    kind = RuleKind(budgeting.ballot_kind)
    ballots: list = []
    for values in by_ballot.values():
        if kind == RuleKind.APPROVAL:
            ballots.append(frozenset(values))
        elif kind == RuleKind.CUMULATIVE:
            ballots.append(values)
        else:
            ballots.append(tuple(sorted(values, key=values.get)))
    return Election(
        budget=Fraction(part.budget),
        projects=projects,
        kind=kind,
        ballots=ballots,
        voter_ids=[str(b) for b in by_ballot],
    )
