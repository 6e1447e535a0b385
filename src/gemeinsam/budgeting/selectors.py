"""Reads of budgeting that pages, the API and the services share: the ballot and its parts, a
person's ballot, the stored ballots as an election, voting's end, counts and their view model.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BallotKind,
    BudgetingProcess,
    Feasibility,
    Proposal,
    Result,
    ResultState,
    VotingCode,
)
from gemeinsam.budgeting.rules.election import BallotKind as RuleKind
from gemeinsam.budgeting.rules.election import Election, Project
from gemeinsam.budgeting.rules.pabulib import number
from gemeinsam.budgeting.services.codes import candidate_hashes
from gemeinsam.core.models import District
from gemeinsam.participation import selectors as participation
from gemeinsam.participation.models import PhaseType, Process


def visible_budgeting(user, slug: str) -> BudgetingProcess | None:
    """The budgeting process of a participation process the user may see, else None."""
    process = participation.visible_processes(user).filter(slug=slug).first()
    budgeting = BudgetingProcess.objects.filter(process=process).first() if process else None
    if budgeting is not None:
        budgeting.process = process
    return budgeting


# Proposals and the parts of the ballot ----------------------------------------------------


def public_proposals(budgeting: BudgetingProcess) -> list[Proposal]:
    """Every proposal not hidden by moderators, reviewed or not, by title."""
    return list(
        Proposal.objects.filter(budgeting=budgeting, idea__is_hidden=False)
        .select_related("idea", "district")
        .defer("district__geometry")
        .order_by("idea__title", "pk")
    )


def proposals_for_review(budgeting: BudgetingProcess) -> QuerySet[Proposal]:
    """Staff's review list: every proposal, those still pending first."""
    return (
        Proposal.objects.filter(budgeting=budgeting)
        .select_related("idea", "reviewed_by")
        .order_by("feasibility", "idea__title", "pk")
    )


def ballot_proposals(budgeting: BudgetingProcess) -> QuerySet[Proposal]:
    """The proposals on the ballot: found feasible, not hidden by moderators."""
    return (
        Proposal.objects.filter(
            budgeting=budgeting, feasibility=Feasibility.FEASIBLE, idea__is_hidden=False
        )
        .select_related("idea", "district")
        .defer("district__geometry")
        .order_by("idea__title", "pk")
    )


@dataclass(frozen=True)
class Part:
    """One election of a process: the whole city, or a district with its own budget."""

    district: District | None
    budget: Decimal
    proposals: list[Proposal]

    @property
    def name(self) -> str:
        return self.district.name if self.district else _("Whole area")


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


# Ballots ----------------------------------------------------------------------------------


def my_ballot(user, budgeting: BudgetingProcess) -> Ballot | None:
    if not user.is_authenticated:
        return None
    return Ballot.objects.filter(budgeting=budgeting, voter=user).first()


def ballot_choices(ballot: Ballot | None) -> dict[int, int]:
    if ballot is None:
        return {}
    return dict(ballot.items.values_list("proposal_id", "value"))


def ballot_context(budgeting: BudgetingProcess, proposals, choices, check) -> dict:
    """What the ballot template needs: the parts with each proposal's current value.

    `check` is a services.ballots.BallotCheck of the choices, or None before any."""
    rows = []
    checks = {id(c.part): c for c in check.parts} if check else {}
    all_parts = [c.part for c in check.parts] if check else parts(budgeting, proposals)
    for part in all_parts:
        rows.append(
            {
                "part": part,
                "check": checks.get(id(part)),
                "items": [(p, choices.get(p.pk, "")) for p in part.proposals],
            }
        )
    return {
        "budgeting": budgeting,
        "process": budgeting.process,
        "rows": rows,
        "check": check,
        "BallotKind": BallotKind,
        "rank_choices": range(1, budgeting.max_rank + 1),
    }


def code_is_usable(budgeting: BudgetingProcess, code: str) -> bool:
    return VotingCode.objects.filter(
        budgeting=budgeting, code_hash__in=candidate_hashes(code), used_at__isnull=True
    ).exists()


def code_batches(budgeting: BudgetingProcess) -> QuerySet:
    """Each printed batch of codes with how many there are and how many were used."""
    return (
        budgeting.codes.values("batch")
        .annotate(total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False)))
        .order_by("batch")
    )


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
) -> Election:
    """The stored ballots of one part as a budgeting.rules Election.

    Project ids are the Pabulib ids of imported proposals, else the proposal pks (as
    strings; Project.extra["proposal"] holds the pk); projects in creation order, so that
    the rules' tie-breaking sees an imported election as the file has it. `rows` are the
    process's `ballot_rows`, when the caller loaded them once for several parts.
    """
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


# Voting's end and the counts --------------------------------------------------------------


def voting_end(process: Process) -> datetime | None:
    """When the last voting phase ends; None for a process without one."""
    ends = [p.ends_at for p in process.ordered_phases() if p.type == PhaseType.VOTING]
    return max(ends) if ends else None


def voting_closed(process: Process, when: datetime | None = None) -> bool:
    end = voting_end(process)
    return end is not None and (when or timezone.now()) >= end


def published(budgeting: BudgetingProcess) -> Result | None:
    """The result everyone sees: the newest final count that is done."""
    return budgeting.results.filter(final=True, state=ResultState.DONE).first()


def newest(budgeting: BudgetingProcess) -> Result | None:
    """The newest count that is done, provisional or final (for staff)."""
    return budgeting.results.filter(state=ResultState.DONE).first()


# The results page's view of a count -------------------------------------------------------


def percent(part, whole) -> float:
    return float(Fraction(part) * 100 / Fraction(whole)) if whole else 0.0


@dataclass
class Row:
    """One proposal in one count: its numbers, whether each rule chose it, and why not."""

    proposal: Proposal | None  # None once deleted; the count keeps its title
    title: str
    cost: Fraction
    votes: int
    points: int | None
    won: bool
    greedy: bool
    mes: bool
    mes_status: str
    supporters: int
    order: int | None = None  # position in the winning order, from 1
    share: float = 0.0  # of the part's budget, in %
    bar: float = 0.0  # votes against the most voted, in %
    mine: bool = False
    price_per_supporter: Fraction | None = None
    supporters_money: Fraction | None = None

    @property
    def missing(self) -> Fraction | None:
        if self.supporters_money is None:
            return None
        return max(self.cost - self.supporters_money, Fraction(0))


@dataclass
class DistrictShare:
    name: str
    winners: int
    money: Fraction
    share: float


@dataclass
class PartView:
    district: int | None
    name: str
    budget: Fraction
    voters: int
    per_voter: Fraction
    add1_raised: bool
    rows: list[Row]
    winners: list[Row]
    spent: Fraction
    spent_share: float
    left: Fraction
    comparison: dict
    losers_explained: list[Row]
    districts: list[DistrictShare] = field(default_factory=list)
    mine_won: list[Row] = field(default_factory=list)
    mine_count: int = 0


def part_views(budgeting: BudgetingProcess, result: Result, mine: set[int]) -> list[PartView]:
    """Each part of a count as the results page shows it; `mine`: the reader's proposals."""
    data = result.data
    pks = [row["proposal"] for part in data["parts"] for row in part["projects"]]
    proposals = (
        Proposal.objects.filter(budgeting=budgeting, pk__in=pks)
        .select_related("idea", "district")
        .defer("district__geometry", "idea__description")
        .in_bulk()
    )
    return [_part_view(part, proposals, mine, data) for part in data["parts"]]


def _rows(part: dict, proposals: dict, mine: set[int]) -> list[Row]:
    budget = number(part["budget"])
    chosen = {key: set(part[key]) for key in ("selected", "greedy", "mes")}
    order = {pk: n for n, pk in enumerate(part["selected"], start=1)}
    top = max((row["votes"] for row in part["projects"]), default=0)
    rows = []
    for entry in part["projects"]:
        pk = entry["proposal"]
        cost = number(entry["cost"])
        row = Row(
            proposal=proposals.get(pk),
            title=entry["title"],
            cost=cost,
            votes=entry["votes"],
            points=entry.get("points"),
            won=pk in chosen["selected"],
            greedy=pk in chosen["greedy"],
            mes=pk in chosen["mes"],
            mes_status=entry["mes_status"],
            supporters=entry["supporters"],
            order=order.get(pk),
            share=percent(cost, budget),
            bar=percent(entry["votes"], top),
            mine=pk in mine,
        )
        for key in ("price_per_supporter", "supporters_money"):
            if key in entry:
                setattr(row, key, number(entry[key]))
        rows.append(row)
    return rows


def _comparison(part: dict, rows: list[Row]) -> dict:
    """Greedy beside equal shares: the winners of both, of each alone, and what each spends
    and how many voters it covers."""
    budget = number(part["budget"])
    return {
        "both": [r for r in rows if r.greedy and r.mes],
        "only_mes": [r for r in rows if r.mes and not r.greedy],
        "only_greedy": [r for r in rows if r.greedy and not r.mes],
        "rules": [
            {
                "key": key,
                "spent": number(part["spent"][key]),
                "spent_share": percent(number(part["spent"][key]), budget),
                "covered": part["covered"][key],
                "covered_share": percent(part["covered"][key], part["voters"]),
                "winners": len(part[key]),
            }
            for key in ("greedy", "mes")
        ],
    }


def _part_view(part: dict, proposals: dict, mine: set[int], data: dict) -> PartView:
    budget = number(part["budget"])
    rows = _rows(part, proposals, mine)
    winners = sorted((r for r in rows if r.won), key=lambda r: r.order)
    spent = sum((r.cost for r in winners), Fraction(0))
    rows.sort(key=lambda r: (-r.votes, r.title))
    voters = part["voters"]
    # Equal shares explains its losers: what their supporters still had against the cost.
    losers = [r for r in rows if not r.mes and r.supporters_money is not None]
    losers.sort(key=lambda r: (-(r.supporters_money / r.cost if r.cost else 0), r.title))
    view = PartView(
        district=part["district"],
        name=part["name"],
        budget=budget,
        voters=voters,
        per_voter=number(part["budget_per_voter"]),
        add1_raised=data["completion"].startswith("add1")
        and voters > 0
        and number(part["budget_per_voter"]) > budget / voters,
        rows=rows,
        winners=winners,
        spent=spent,
        spent_share=percent(spent, budget),
        left=budget - spent,
        comparison=_comparison(part, rows),
        losers_explained=losers,
        mine_won=[r for r in winners if r.mine],
        mine_count=sum(1 for r in rows if r.mine),
    )
    view.districts = _districts(winners, spent)
    return view


def _districts(winners: list[Row], spent: Fraction) -> list[DistrictShare]:
    """Where the winners' money goes, by the district of each proposal's place."""
    by_name: dict[str, list[Row]] = {}
    for row in winners:
        district = row.proposal.district if row.proposal else None
        name = district.name if district else _("Whole area or no place")
        by_name.setdefault(name, []).append(row)
    if len(by_name) < 2:
        return []
    shares = [
        DistrictShare(
            name,
            len(rows),
            money := sum((r.cost for r in rows), Fraction(0)),
            percent(money, spent),
        )
        for name, rows in by_name.items()
    ]
    return sorted(shares, key=lambda d: (-d.money, d.name))
