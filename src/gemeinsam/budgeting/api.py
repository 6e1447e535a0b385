"""The JSON API of budgeting: the proposals on the ballot, and my ballot (read, cast, change).

Same permissions and services as the pages; mounted at /api/budgeting by BudgetingConfig.ready.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import BudgetingProcess, Result
from gemeinsam.budgeting.services import ballots, results
from gemeinsam.core.api import found
from gemeinsam.core.predicates import can

router = Router(tags=["budgeting"])


class ProposalOut(Schema):
    id: int
    idea: int
    title: str
    cost: Decimal
    district: str | None


class BallotItemIn(Schema):
    proposal: int
    value: int = Field(1, ge=1, description="approval 1, cumulative points, ordinal rank")


class BallotIn(Schema):
    items: list[BallotItemIn]


class BallotOut(Schema):
    items: list[BallotItemIn]
    total_cost: Decimal
    budget: Decimal
    currency: str
    source: str | None


def _budgeting(request: HttpRequest, slug: str) -> BudgetingProcess:
    return found(selectors.visible_budgeting(request.user, slug))


def _ballot_out(budgeting: BudgetingProcess, user) -> BallotOut:
    ballot = selectors.my_ballot(user, budgeting)
    choices = selectors.ballot_choices(ballot)
    check = ballots.check_ballot(budgeting, choices)
    return BallotOut(
        items=[BallotItemIn(proposal=k, value=v) for k, v in sorted(choices.items())],
        total_cost=check.total_cost,
        budget=budgeting.budget,
        currency=budgeting.currency,
        source=ballot.source if ballot else None,
    )


@router.get("/{slug}/proposals", response=list[ProposalOut], summary="Proposals on the ballot")
def proposals(request: HttpRequest, slug: str):
    budgeting = _budgeting(request, slug)
    return [
        ProposalOut(
            id=p.pk,
            idea=p.idea_id,
            title=p.idea.title,
            cost=p.cost,
            district=p.district.name if p.district else None,
        )
        for p in selectors.ballot_proposals(budgeting)
    ]


@router.get("/{slug}/ballot", response=BallotOut, auth=django_auth, summary="My ballot")
def my_ballot(request: HttpRequest, slug: str):
    return _ballot_out(_budgeting(request, slug), request.user)


@router.put(
    "/{slug}/ballot",
    response=BallotOut,
    auth=django_auth,
    summary="Cast my ballot; casting again replaces it until the voting phase ends",
)
def cast(request: HttpRequest, slug: str, payload: BallotIn):
    budgeting = _budgeting(request, slug)
    if not can(request.user, "budgeting.vote", budgeting):
        raise PermissionDenied(_("Voting is not possible now or not for you."))
    choices: dict[int, int] = {}
    for item in payload.items:
        choices[item.proposal] = item.value
    ballots.cast_ballot(request.user, budgeting, choices)
    return _ballot_out(budgeting, request.user)


class CodeBallotIn(Schema):
    code: str = Field(..., max_length=64, description="the voting code printed on the card")
    items: list[BallotItemIn]


@router.post(
    "/{slug}/code-ballot",
    response=BallotOut,
    summary="Cast a ballot with a voting code (no account); each code votes once. "
    "Wrong codes are throttled per connection and per process: 429 with Retry-After",
)
def cast_with_code(request: HttpRequest, slug: str, payload: CodeBallotIn):
    budgeting = _budgeting(request, slug)
    if not can(request.user, "budgeting.vote_with_code", budgeting):
        raise PermissionDenied(_("Voting is not possible now or not for you."))
    choices = {item.proposal: item.value for item in payload.items}
    ballot = ballots.cast_code_ballot(request, budgeting, payload.code, choices)
    check = ballots.check_ballot(budgeting, choices)
    return BallotOut(
        items=[BallotItemIn(proposal=k, value=v) for k, v in sorted(choices.items())],
        total_cost=check.total_cost,
        budget=budgeting.budget,
        currency=budgeting.currency,
        source=ballot.source,
    )


class ResultOut(Schema):
    count: int
    final: bool
    state: str
    counted_at: datetime | None
    ballots: int
    data: dict = Field(
        description="winners per part in the order chosen, greedy and equal shares for "
        "comparison, votes and explanations per proposal; amounts as exact numbers in text"
    )


def _result_out(result: Result) -> ResultOut:
    return ResultOut(
        count=result.pk,
        final=result.final,
        state=result.state,
        counted_at=result.finished_at,
        ballots=result.ballots,
        data=result.data,
    )


@router.get(
    "/{slug}/results",
    response=ResultOut,
    summary="The published result (staff: ?provisional=true for the newest count)",
)
def published_result(request: HttpRequest, slug: str, provisional: bool = False):
    budgeting = _budgeting(request, slug)
    result = selectors.published(budgeting)
    if provisional:
        if not can(request.user, "budgeting.view_provisional_results", budgeting):
            raise PermissionDenied(_("Only staff see provisional counts."))
        result = selectors.newest(budgeting)
    if result is None:
        results.ensure_final(budgeting)
        raise HttpError(404, _("There is no result yet."))
    return _result_out(result)


@router.post(
    "/{slug}/results/count",
    response={202: ResultOut},
    auth=django_auth,
    summary="Count the ballots now (staff); final once voting closed, else provisional",
)
def count_results(request: HttpRequest, slug: str):
    budgeting = _budgeting(request, slug)
    return 202, _result_out(results.request_count(request.user, budgeting))
