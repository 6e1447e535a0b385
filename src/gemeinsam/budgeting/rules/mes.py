"""The Method of Equal Shares (MES) with its completions, exact and fast, as pabutools runs it.

Peters, Pierczyński, Skowron, "Proportional participatory budgeting with additive utilities"
(NeurIPS 2021); the iterated "Add1" completion as on https://equalshares.net.

The rule. Every voter starts with an equal share x = budget / voters of the money. In rounds,
each project j still open gets its affordability rho_j: the least rho at which its supporters,
each paying min(their money, rho·u_ij), pay its cost (u_ij is the voter's satisfaction from j:
the cost of j under cost satisfaction, 1 under cardinality, the points under additive). The
project with the least rho is bought, its supporters pay, and the rounds go on until nobody
can pay for anything. Ties go to the smaller project id compared as strings, pabutools'
default `lexico_tie_breaking`. Projects nobody supports or costing nothing are never priced
(pabutools); a free project with support is funded before all others.

Exactness and speed. All money is exact, so the outcome is pabutools' (which uses gmpy2
rationals) exactly; voters are counted in budget classes and projects priced with floats
that bracket the exact rho (mes_pricing.py). As in pabutools, a rho computed earlier is a
lower bound (money only shrinks within a run), so projects whose bound exceeds the best rho
of the round are not priced again.

Add1 (`completion="add1"`). pabutools' `method_of_equal_shares(..., voter_budget_increment=1)`
reruns MES with x, x+1, x+2, ... money per voter (x = budget / voters) and stops at the
first outcome that costs more than the budget (returning the outcome one step before) or
that is exhaustive: no project MES prices (positive cost and support) still fits in the
budget left (returning it). On Budapest VIII that is 153,145 reruns. We give the same answer
with few runs, using a monotonicity certificate: for a fixed order of purchases, more money
per voter leaves everyone at least as much money in every round, so every rho is at most as
large. A run at x + k that buys the reference run's projects in the same order while every
other project there is dearer than the reference's choice was at x (`run_mes(reference=)`)
proves that every amount in between buys the same projects, so the k - 1 steps between
would each have found the same feasible, non-exhaustive outcome and pabutools would have
stepped on. Certified jumps double, failed ones halve down to a plain unit step; the outcome
is exactly what stepping by one gives. `details["add1_steps"]` is the number of unit steps
pabutools takes (its reruns minus one), `details["mes_runs"]` ours.

Completions `greedy` and `add1-greedy` follow pabutools' `completion_by_rule_combination`:
if the MES (or Add1) outcome is not exhaustive over all projects, greedy utilitarian
welfare with the same satisfaction funds more, starting from it (`greedy.py`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from math import inf, nextafter

import numpy as np

from . import mes_pricing as pricing
from .election import Election, Outcome
from .greedy import greedy_utilitarian
from .mes_pricing import ZERO, Money, Prepared, prepare

COMPLETIONS = ("none", "greedy", "add1", "add1-greedy")


@dataclass
class _Run:
    """One MES run: what it bought, at which rho, and the money left at the end."""

    selected: list[int]  # indices into Prepared.projects, in buying order
    rho: dict[int, Fraction]  # affordability of each bought project
    money: "Money | None"  # the budget classes when the run ended


class _NotCertified(Exception):
    """A run at more money may not decide as the reference run did (see `run_mes`)."""


def run_mes(prepared: Prepared, per_voter: Fraction, reference: _Run | None = None) -> _Run:
    """One run of MES with `per_voter` money per voter.

    With a `reference` run at less money per voter, also certify that every amount in
    between buys the same projects in the same order, or raise `_NotCertified`. Within one
    order of purchases, more money per voter leaves every voter at least as much money in
    every round and so makes every rho at most as large. So if in each round r every project
    other than the reference's choice c_r costs more here (rho_j here > rho_c_r in the reference,
    or equal with a larger id), then at any amount in between rho_j ≥ rho_j(here) > rho_c_r(ref) ≥
    rho_c_r, and c_r is bought there too; and a run that ends here with nothing affordable ends
    so in between."""
    projects = prepared.projects
    money = Money(per_voter, prepared.cost_denominator, len(prepared.group_weights))
    # Lower bounds on rho, as floats (exact values, never above the true rho).
    bound = {p.index: nextafter(float(p.first_bound), 0) for p in projects}
    remaining = set(bound)
    selected: list[int] = []
    rho_of: dict[int, Fraction] = {}
    while True:
        rounds = len(selected)
        if reference is None:
            threshold, expected = None, None
        elif rounds < len(reference.selected):
            expected = reference.selected[rounds]
            threshold = reference.rho[expected]
        else:
            threshold, expected = None, -1  # the reference run ended: nothing may be bought
        # Float comparisons are exact here: rounding keeps order, so a float above (below)
        # float(threshold) is above (below) the threshold itself.
        limit = inf if threshold is None else float(threshold)
        prices: dict[int, pricing.Price] = {}
        # Visit by lower bound: once one exceeds the limit, all later ones do.
        for j in sorted(remaining, key=bound.__getitem__):
            if bound[j] > limit:
                break
            price = pricing.price(projects[j], money)
            if price is None:  # unaffordable now, and for the rest of the run
                remaining.discard(j)
                continue
            bound[j] = price.low
            prices[j] = price
            if expected is None:
                limit = min(limit, price.high)
            elif j != expected and (
                expected == -1 or _beats(projects, money, prices, j, expected, threshold)
            ):
                raise _NotCertified
        if expected is None:
            # Only projects whose interval reaches the least upper bound can be the cheapest.
            tied = [j for j, price in prices.items() if price.low <= limit]
            if len(tied) > 1:
                best = min(pricing.settle(projects[j], money, prices[j]) for j in tied)
                tied = [j for j in tied if prices[j].rho == best]
        elif expected != -1:
            if expected not in prices:
                raise _NotCertified  # cannot happen: more money never makes it unaffordable
            tied = [expected]
        else:
            tied = []
        if not tied:
            break
        chosen = min(tied, key=lambda j: projects[j].id)
        price = prices[chosen]
        remaining.discard(chosen)
        selected.append(chosen)
        rho_of[chosen] = pricing.settle(projects[chosen], money, price)
        pricing.pay(projects[chosen], price, money)
    return _Run(selected, rho_of, money)


def _beats(projects, money, prices, j, expected, threshold) -> bool:
    """Whether project j is chosen over the reference's choice at `threshold` (its rho)."""
    price, limit = prices[j], float(threshold)
    if price.low > limit:
        return False
    if price.high < limit:
        return True
    rho = pricing.settle(projects[j], money, price)
    return rho < threshold or (rho == threshold and projects[j].id < projects[expected].id)


def _money_left(prepared: Prepared, run: _Run) -> dict[int, Fraction]:
    """Per project not bought: the money its supporters held when the run ended."""
    money, left = run.money, {}
    for project in prepared.projects:
        if project.index not in run.rho:
            counts = np.bincount(money.class_of[project.groups], weights=project.weights)
            classes = np.flatnonzero(counts)
            held = int(np.dot(counts[classes].astype(np.int64), money.exact(classes)))
            left[project.index] = Fraction(held, money.D)
    return left


def _is_exhaustive(cost: Fraction, budget: Fraction, chosen: set[str], costs: Iterable) -> bool:
    return all(project_id in chosen or c + cost > budget for project_id, c in costs)


def equal_shares(
    election: Election,
    satisfaction: str = "cost",
    completion: str = "none",
    progress: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    """The Method of Equal Shares, optionally completed (see the module docstring).

    `satisfaction`: "cost" or "cardinality" (any ballot, read as approval of the projects it
    names) or "additive" (cumulative points). `completion`: "none", "greedy", "add1" or
    "add1-greedy". `progress(runs, None)` is called after each MES run of Add1.

    `details["projects"]` explains the outcome per project: its cost and supporters, its
    status ("mes", "greedy" or "rejected"); for projects MES bought rho (money per unit of
    satisfaction) and, for cost and cardinality, the price per supporter (one with less paid
    all it had); for the
    others the money its supporters still held when MES ended (`supporters_money`).
    """
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}: expected one of {COMPLETIONS}")
    prepared = prepare(election, satisfaction)
    budget = election.budget
    per_voter = budget / prepared.voters if prepared.voters else ZERO
    details: dict = {"satisfaction": satisfaction, "completion": completion}

    if prepared.voters == 0:
        run, selected = _Run([], {}, None), []
    elif completion.startswith("add1"):
        run, selected, per_voter, steps, runs = _add1(prepared, budget, per_voter, progress)
        details.update(add1_steps=steps, mes_runs=runs)
    else:
        run = run_mes(prepared, per_voter)
        selected = list(prepared.free) + [prepared.projects[j].id for j in run.selected]
    details["budget_per_voter"] = per_voter
    mes_selected = list(selected)

    if completion.endswith("greedy"):
        chosen = set(selected)
        cost = election.cost(selected)
        all_costs = [(p.id, p.cost) for p in election.projects]
        if not _is_exhaustive(cost, budget, chosen, all_costs):
            selected = greedy_utilitarian(election, satisfaction, initial=selected).selected

    details["projects"] = _explain(election, prepared, run, mes_selected, selected)
    return Outcome(
        selected=selected,
        total_cost=election.cost(selected),
        budget=budget,
        rule="mes",
        details=details,
    )


def _add1(prepared: Prepared, budget: Fraction, start: Fraction, progress=None):
    """pabutools' Add1 loop, skipping the unit steps that provably change nothing.

    From a run at `start + steps`, try a run `jump` steps further that certifies (see
    `run_mes`) the same outcome for every amount in between: those steps would each have
    found the same feasible, non-exhaustive outcome, and pabutools would have stepped on.
    A certified jump doubles the next one; a failed one halves it, down to a plain step.
    Returns the run behind the outcome, the outcome, its money per voter, the unit steps
    pabutools takes to stop (its reruns minus one) and our number of runs."""
    mes_costs = [(p.id, p.cost) for p in prepared.projects]
    previous = None
    steps, jump, runs = 0, 1, 1
    # Where the outcome changes at nearly every step (Łódź), failed jumps only cost runs:
    # after a jump of 2 fails, wait `patience` plain steps before trying again (doubling).
    patience, wait = 1, 0
    run = run_mes(prepared, start)
    while True:
        if progress is not None:
            progress(runs, None)
        selected = list(prepared.free) + [prepared.projects[j].id for j in run.selected]
        cost = sum((prepared.projects[j].cost for j in run.selected), ZERO)
        if cost > budget:
            if previous is None:  # cannot happen with budget / voters each: MES stays within
                return _Run([], {}, None), list(prepared.free), start, steps, runs
            return (*previous, steps, runs)
        if _is_exhaustive(cost, budget, set(selected), mes_costs):
            return run, selected, start + steps, steps, runs
        previous = (run, selected, start + steps)
        while jump > 1:
            runs += 1
            try:
                run = run_mes(prepared, start + steps + jump, reference=run)
            except _NotCertified:
                if jump == 2:
                    wait, patience = patience, patience * 2
                jump //= 2
                continue
            steps += jump
            previous = (run, selected, start + steps)
            jump, patience = jump * 2, 1
        runs += 1
        run = run_mes(prepared, start + steps + 1)
        steps += 1
        wait = max(wait - 1, 0)
        jump = 1 if wait else 2


def _explain(election, prepared, run, mes_selected, selected) -> dict:
    by_index = {p.id: p for p in prepared.projects}
    mes_chosen, chosen = set(mes_selected), set(selected)
    money_left = _money_left(prepared, run) if run.money is not None else {}
    explained = {}
    for project in election.projects:
        entry: dict = {"cost": project.cost}
        priced = by_index.get(project.id)
        if project.id in mes_chosen:
            entry["status"] = "mes"
            if priced is not None:
                rho = run.rho[priced.index]
                entry["rho"] = rho
                if priced.uniform:
                    entry["price_per_supporter"] = rho / priced.scale
        elif project.id in chosen:
            entry["status"] = "greedy"
        else:
            entry["status"] = "rejected"
        if priced is not None and priced.index in money_left:
            entry["supporters_money"] = money_left[priced.index]
        if priced is not None:
            entry["supporters"] = int(priced.weights.sum())
        explained[project.id] = entry
    return explained
