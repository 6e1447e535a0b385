"""Ballots: their check against the ballot kind's rules and the budget, and casting them
online, with a voting code or on paper (typed in by staff).

Each action checks its permission (budgeting/predicates.py) and runs in one transaction.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BallotKind,
    BallotSource,
    BudgetingProcess,
    Proposal,
    VotingCode,
)
from gemeinsam.budgeting.selectors import Part, parts
from gemeinsam.budgeting.services.codes import WrongCode, candidate_hashes, code_guess, code_hash
from gemeinsam.core import audit
from gemeinsam.core.formats import money
from gemeinsam.core.predicates import require

# The check ---------------------------------------------------------------------------------


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


def check_ballot(
    budgeting: BudgetingProcess,
    choices: Mapping[int, int],
    proposals: Sequence[Proposal] | None = None,
) -> BallotCheck:
    """Check choices {proposal id: value} against the ballot kind's rules and the budget.

    value: approval 1, cumulative the points (≥ 1), ordinal the rank (1 = best).
    """
    all_parts = parts(budgeting, proposals)
    on_ballot = {p.pk for part in all_parts for p in part.proposals}
    choices = {int(k): int(v) for k, v in choices.items() if int(v) != 0}
    checks = []
    for part in all_parts:
        chosen = [p for p in part.proposals if p.pk in choices]
        checks.append(PartCheck(part, chosen, sum((p.cost for p in chosen), Decimal(0))))
    result = BallotCheck(checks, points_used=sum(choices.values()))
    if error := _whole_ballot_error(choices, on_ballot):
        result.errors.append(error)
        return result
    check_part = {
        BallotKind.APPROVAL: _approval_errors,
        BallotKind.CUMULATIVE: _cumulative_errors,
        BallotKind.ORDINAL: _ordinal_errors,
    }.get(budgeting.ballot_kind)
    for check in checks:
        if check.chosen and check_part is not None:
            where = "" if len(checks) == 1 else f"{check.part.name}: "
            result.errors += [where + e for e in check_part(budgeting, check, choices)]
    return result


def _whole_ballot_error(choices: Mapping[int, int], on_ballot: set[int]) -> str | None:
    """What makes the ballot as a whole invalid, before its parts are looked at."""
    if any(pk not in on_ballot for pk in choices):
        return _("One of the chosen proposals is not on the ballot.")
    if any(v < 0 for v in choices.values()):
        return _("Points and ranks cannot be negative.")
    if not choices:
        return _("Your ballot is empty: choose at least one proposal.")
    return None


def _approval_errors(
    budgeting: BudgetingProcess, check: PartCheck, choices: Mapping[int, int]
) -> list[str]:
    errors = []
    n = len(check.chosen)
    if any(choices[p.pk] != 1 for p in check.chosen):
        errors.append(_("An approval ballot only ticks proposals."))
    if budgeting.max_projects is not None and n > budgeting.max_projects:
        errors.append(
            ngettext(
                "Choose at most %(max)s proposal; you chose %(n)s.",
                "Choose at most %(max)s proposals; you chose %(n)s.",
                budgeting.max_projects,
            )
            % {"max": budgeting.max_projects, "n": n}
        )
    if budgeting.min_projects is not None and n < budgeting.min_projects:
        errors.append(
            ngettext(
                "Choose at least %(min)s proposal; you chose %(n)s.",
                "Choose at least %(min)s proposals; you chose %(n)s.",
                budgeting.min_projects,
            )
            % {"min": budgeting.min_projects, "n": n}
        )
    if budgeting.knapsack and check.over_budget > 0:
        currency = budgeting.currency
        errors.append(
            _(
                "Your selection costs %(cost)s, %(over)s more than the budget of "
                "%(budget)s. Please remove a proposal."
            )
            % {
                "cost": money(check.total_cost, currency),
                "over": money(check.over_budget, currency),
                "budget": money(check.part.budget, currency),
            }
        )
    return errors


def _cumulative_errors(
    budgeting: BudgetingProcess, check: PartCheck, choices: Mapping[int, int]
) -> list[str]:
    used = sum(choices[p.pk] for p in check.chosen)
    if used > budgeting.points:
        return [
            _("You gave %(used)s points, but you have %(available)s to distribute.")
            % {"used": used, "available": budgeting.points}
        ]
    return []


def _ordinal_errors(
    budgeting: BudgetingProcess, check: PartCheck, choices: Mapping[int, int]
) -> list[str]:
    errors = []
    ranks = [choices[p.pk] for p in check.chosen]
    if len(set(ranks)) != len(ranks):
        errors.append(_("Each rank can be given to one proposal only."))
    if any(r > budgeting.max_rank for r in ranks) or len(check.chosen) > budgeting.max_rank:
        errors.append(
            _("Rank at most %(k)s proposals, with ranks from 1 to %(k)s.")
            % {"k": budgeting.max_rank}
        )
    return errors


def _raise_unless_ok(check: BallotCheck) -> None:
    if not check.ok:
        raise ValidationError(check.errors)


# Casting ---------------------------------------------------------------------------------


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


def cast_code_ballot(
    request: HttpRequest, budgeting: BudgetingProcess, code: str, choices: Mapping[int, int]
) -> Ballot:
    """Cast a ballot with a voting code entered in `request`: wrong codes count against the
    connection and the process (VOTING_CODE_FAILED_RATE); past a limit CodeEntryLocked."""
    with code_guess(request, budgeting):
        return cast_ballot(code, budgeting, choices)


def _cast_with_code(code: str, budgeting: BudgetingProcess, choices: Mapping[int, int]) -> Ballot:
    require(AnonymousUser(), "budgeting.vote_with_code", budgeting)
    invalid = WrongCode(_("This voting code is not valid or has already been used."))
    row = (
        VotingCode.objects.select_for_update()
        .filter(budgeting=budgeting, code_hash__in=candidate_hashes(code))
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
    # A code stored under an old pepper or as legacy SHA-256 is stored anew under the current.
    row.code_hash = code_hash(code)
    row.save(update_fields=["used_at", "code_hash"])
    _replace_items(ballot, choices)
    return ballot


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
    # How many, never what: a paper ballot is as secret as any other.
    paper = budgeting.ballots.filter(source=BallotSource.PAPER).count()
    audit.record(staff, "budgeting.enter_paper_ballot", budgeting, count=paper)
    return ballot
