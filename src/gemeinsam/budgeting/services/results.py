"""Counting a budgeting process: its rule's winners, greedy beside it, and explanations.

Counting runs in the background worker (`tasks.count_ballots`), off the request path:

- a final count is queued for the moment voting closes (`schedule_final`, called whenever
  a process's phases change; the worker starts it at `run_after`);
- staff may ask for a count at any time (`request_count`): while voting runs it is
  provisional and shown to staff only; after voting closed it is final;
- opening the results after voting closed queues a final count if none was made, so that
  results appear even where phases were set around the services (admin, database).

Each count is a `Result` row; `count` fills its `data`, plain JSON:

    {"rule", "satisfaction", "completion", "currency", "budget", "ballots",
     "voting_closed_at", "parts": [
        {"district": pk or None, "name", "budget", "voters", "budget_per_voter",
         "selected": [proposal pks in the order the process's rule chose them],
         "greedy": [...], "mes": [...]   (greedy and equal shares, for the comparison),
         "spent": {"selected", "greedy", "mes"}, "covered": {...}  (voters with at least
         one project they voted for among the winners), "add1_steps",
         "projects": [{"proposal", "title", "cost", "votes", "points", "mes_status",
                       "rho", "price_per_supporter", "supporters_money", "supporters"}]}]}

Amounts are exact (Pabulib's number text, e.g. "1250.5" or "1/3"); pages round them.
"""

import logging
import time
from collections import Counter
from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import (
    BallotKind,
    BudgetingProcess,
    Result,
    ResultState,
)
from gemeinsam.budgeting.rules.greedy import greedy_utilitarian
from gemeinsam.budgeting.rules.mes import equal_shares
from gemeinsam.budgeting.rules.pabulib import format_number
from gemeinsam.budgeting.rules.phragmen import sequential_phragmen
from gemeinsam.budgeting.selectors import (
    Part,
    ballot_rows,
    parts,
    to_election,
    voting_closed,
    voting_end,
)
from gemeinsam.core import audit, leases
from gemeinsam.core.predicates import require

logger = logging.getLogger(__name__)

PENDING = (ResultState.QUEUED, ResultState.RUNNING)


# Asking for a count ---------------------------------------------------------------------


def stuck_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "BUDGETING_COUNT_TIMEOUT", 3600))


def request_count(user, budgeting: BudgetingProcess) -> Result:
    """Staff's "count now": final once voting closed, else provisional. Joins a pending one."""
    require(user, "budgeting.count_results", budgeting)
    return _queue(budgeting, final=voting_closed(budgeting.process), requested_by=user)


def schedule_final(budgeting: BudgetingProcess) -> Result | None:
    """Queue the final count for when voting closes (again, if the phases moved)."""
    end = voting_end(budgeting.process)
    if end is None:
        return None
    pending = budgeting.results.filter(final=True, state=ResultState.QUEUED).first()
    if pending is not None:
        if pending.run_after != end:
            pending.run_after = end
            pending.save(update_fields=["run_after"])
            transaction.on_commit(lambda: _enqueue(pending))
        return pending
    if budgeting.results.filter(final=True, state=ResultState.DONE, started_at__gte=end).exists():
        return None  # counted after this close already
    return _queue(budgeting, final=True, run_after=end)


def ensure_final(budgeting: BudgetingProcess) -> Result | None:
    """After voting closed: the pending final count, queued now if none was (or it was lost)."""
    process = budgeting.process
    if not voting_closed(process):
        return None
    pending = budgeting.results.filter(final=True, state__in=PENDING).first()
    if pending is None:
        if budgeting.results.filter(final=True, state=ResultState.DONE).exists():
            return None
        return _queue(budgeting, final=True, run_after=voting_end(process))
    due = pending.run_after or pending.created_at
    if (
        pending.state == ResultState.QUEUED
        and timezone.now() - due > timedelta(minutes=10)
        and not _backend_defers()
    ):
        transaction.on_commit(lambda: _enqueue(pending))  # a backend that could not wait
    return pending


def _queue(
    budgeting: BudgetingProcess, *, final: bool, run_after=None, requested_by=None
) -> Result:
    _fail_stuck(budgeting)
    try:
        with transaction.atomic():
            result = Result.objects.create(
                budgeting=budgeting, final=final, run_after=run_after, requested_by=requested_by
            )
    except IntegrityError:  # one is queued or running already: join it
        return budgeting.results.get(final=final, state__in=PENDING)
    transaction.on_commit(lambda: _enqueue(result))
    return result


def _fail_stuck(budgeting: BudgetingProcess) -> None:
    """A count whose worker died no longer blocks: it is queued again at once (core/leases.py)
    and failed when its attempts are used up or it ran far longer than any should."""
    from gemeinsam.budgeting.tasks import count_ballots

    leases.fail_stuck(
        budgeting.results.filter(state=ResultState.RUNNING),
        count_ballots,
        "result_id",
        stuck_after(),
        "The count did not finish in time; its worker may have stopped.",
        ResultState.FAILED,
    )


def _backend_defers() -> bool:
    from gemeinsam.budgeting.tasks import count_ballots

    return count_ballots.get_backend().supports_defer


def _enqueue(result: Result) -> None:
    from gemeinsam.budgeting.tasks import count_ballots

    task = count_ballots
    if result.run_after is not None and result.run_after > timezone.now():
        if not _backend_defers():
            return  # ensure_final queues it again once voting closed
        task = task.using(run_after=result.run_after)
    task.enqueue(result_id=result.pk)


# Running a count ------------------------------------------------------------------------


def run(result_id: int, *, resume: bool = False) -> str:
    """Run a queued count (the worker's task); returns what happened, for the task log.

    `resume`: a later attempt of the task, whose first worker was lost mid-count, takes the
    count over. Its start time is the count's fencing token: only the attempt that set it may
    finish the count, so a count is published (and audited) exactly once.
    """
    now = timezone.now()
    claimable = [ResultState.QUEUED, ResultState.RUNNING] if resume else [ResultState.QUEUED]
    claimed = Result.objects.filter(pk=result_id, state__in=claimable).update(
        state=ResultState.RUNNING, started_at=now
    )
    if not claimed:
        return "not queued"  # run by another task already, or gone
    result = Result.objects.select_related("budgeting__process").get(pk=result_id)
    budgeting = result.budgeting
    if result.final and not voting_closed(budgeting.process, now):
        return _wait_for_close(result)
    started = time.perf_counter()
    try:
        data = count(budgeting)
    except (OperationalError, InterfaceError):
        raise  # the worker waits for the database and runs the task again
    except Exception as error:
        logger.exception("Counting %s failed", budgeting)
        mine = Result.objects.filter(pk=result_id, state=ResultState.RUNNING, started_at=now)
        mine.update(
            state=ResultState.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        return "failed"
    return _finish(result, now, data, time.perf_counter() - started)


def _wait_for_close(result: Result) -> str:
    """The phases moved: voting runs longer. Wait for the new end."""
    end = voting_end(result.budgeting.process)
    result.state, result.started_at, result.run_after = ResultState.QUEUED, None, end
    if end is None:
        result.state, result.error = ResultState.FAILED, "The process has no voting phase."
    result.save(update_fields=["state", "started_at", "run_after", "error"])
    if end is not None:
        _enqueue(result)
    return "waiting for voting to close"


def _finish(result: Result, token, data: dict, seconds: float) -> str:
    with transaction.atomic():
        done = Result.objects.filter(pk=result.pk, state=ResultState.RUNNING, started_at=token)
        if not done.update(
            data=data,
            ballots=data["ballots"],
            seconds=seconds,
            state=ResultState.DONE,
            finished_at=timezone.now(),
        ):
            return "taken over by a later attempt"
        result.refresh_from_db()
        # A final count is published the moment it is done (selectors.published).
        audit.record(
            result.requested_by,
            "budgeting.publish_result" if result.final else "budgeting.count_provisional",
            result.budgeting,
            count=result.pk,
            rule=data["rule"],
            ballots=result.ballots,
            final=result.final,
        )
    return "done"


class CountPending(Exception):
    """`count_now` found a count of the same kind running; the message says how it stands."""


def count_now(budgeting: BudgetingProcess, *, final: bool | None = None) -> Result:
    """Count in this process, not the worker (commands, the demo, imports). A count of the
    same kind that waits for the worker is counted here; one that runs raises CountPending."""
    from gemeinsam.budgeting.tasks import count_ballots

    if final is None:
        final = voting_closed(budgeting.process)
    _fail_stuck(budgeting)
    try:
        with transaction.atomic():
            result = Result.objects.create(
                budgeting=budgeting, final=final, state=ResultState.QUEUED, run_after=None
            )
    except IntegrityError:
        result = budgeting.results.filter(final=final, state__in=PENDING).first()
        due = result is not None and (result.run_after or timezone.now()) <= timezone.now()
        if result is None or result.state != ResultState.QUEUED or not due:
            raise CountPending(
                _("A count of these ballots is already under way.")
                + " "
                + leases.describe(count_ballots, result_id=result.pk if result else 0)
            ) from None
    run(result.pk)
    result.refresh_from_db()
    return result


def satisfaction_of(budgeting: BudgetingProcess) -> str:
    """Cumulative ballots count points (additive); others the configured satisfaction."""
    if budgeting.ballot_kind == BallotKind.CUMULATIVE:
        return "additive"
    return budgeting.satisfaction


def count(budgeting: BudgetingProcess) -> dict:
    """Count every part of the process from the stored ballots (see the module docstring)."""
    process = budgeting.process
    satisfaction = satisfaction_of(budgeting)
    rows = ballot_rows(budgeting)  # once for all parts
    counted = [
        _count_part(budgeting, part, satisfaction, rows)
        for part in parts(budgeting)
        if part.proposals or part.district is None
    ]
    return {
        "rule": budgeting.rule,
        "satisfaction": satisfaction,
        "completion": budgeting.completion,
        "currency": budgeting.currency,
        "budget": format_number(Fraction(budgeting.budget)),
        "ballots": budgeting.ballots.count(),
        "voting_closed_at": (end.isoformat() if (end := voting_end(process)) else None),
        "parts": counted,
    }


def _count_part(budgeting: BudgetingProcess, part: Part, satisfaction: str, rows: list) -> dict:
    election = to_election(budgeting, part, rows)
    pk_of = {p.id: int(p.extra["proposal"]) for p in election.projects}
    greedy = greedy_utilitarian(election, satisfaction)
    mes = equal_shares(election, satisfaction, budgeting.completion)
    official = {
        "greedy": greedy,
        "mes": mes,
        "phragmen": sequential_phragmen(election) if budgeting.rule == "phragmen" else None,
    }[budgeting.rule]
    votes: Counter = Counter()
    points: Counter = Counter()
    for ballot in election.ballots:
        votes.update(iter(ballot))  # a project once per ballot (keys of points)
        if budgeting.ballot_kind == BallotKind.CUMULATIVE:
            points.update(ballot)
    named = [frozenset(ballot) for ballot in election.ballots]
    outcomes = {"selected": official, "greedy": greedy, "mes": mes}
    explained = mes.details.get("projects", {})
    projects = []
    for project in election.projects:
        entry = {
            "proposal": pk_of[project.id],
            "title": project.name,
            "cost": format_number(project.cost),
            "votes": votes[project.id],
        }
        if points:
            entry["points"] = points[project.id]
        why = explained.get(project.id, {})
        entry["mes_status"] = why.get("status", "rejected")
        entry["supporters"] = why.get("supporters", votes[project.id])
        for key in ("rho", "price_per_supporter", "supporters_money"):
            if key in why:
                entry[key] = format_number(why[key])
        projects.append(entry)
    return {
        "district": part.district.pk if part.district else None,
        "name": part.district.name if part.district else "",
        "budget": format_number(election.budget),
        "voters": len(election.ballots),
        "budget_per_voter": format_number(mes.details.get("budget_per_voter", 0)),
        "add1_steps": mes.details.get("add1_steps"),
        **{key: [pk_of[p] for p in outcome.selected] for key, outcome in outcomes.items()},
        "spent": {key: format_number(o.total_cost) for key, o in outcomes.items()},
        "covered": {key: _covered(named, o.selected) for key, o in outcomes.items()},
        "projects": projects,
    }


def _covered(ballots: list[frozenset], selected: list[str]) -> int:
    """Voters with at least one project they voted for among the winners."""
    chosen = frozenset(selected)
    return sum(1 for ballot in ballots if not ballot.isdisjoint(chosen))
