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

Exactness. All money is `Fraction`; no comparison is ever made on rounded numbers, so the
outcome is pabutools' (which uses gmpy2 rationals) exactly.

Speed. Voters with the same ballot are one weighted group, and voters who have paid for the
same selected projects hold the same money: they form a *budget class*. A voter's money
depends only on which selected projects they approve (for points: with how many points), so
classes are far fewer than voters. A project's rho is computed over the classes among its
supporters (counted with NumPy), by bisection over integer prefix sums: all money is kept
as integers over one common denominator, which is exact and spares a Fraction per voter.
As in pabutools, a rho computed earlier is a lower bound (money only shrinks within a run),
so projects whose bound exceeds the best rho of the round are not priced again.

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

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from math import lcm
from operator import mul

import numpy as np

from .election import BallotKind, Election, Outcome
from .greedy import greedy_utilitarian

SATISFACTIONS = ("cost", "cardinality", "additive")
COMPLETIONS = ("none", "greedy", "add1", "add1-greedy")
ZERO = Fraction(0)


@dataclass
class _Project:
    """A project MES prices: its supporters as ballot groups, with their satisfaction from it.

    Satisfaction is kept as small integers `u` per supporter (1 for cost and cardinality),
    with `scale` turning a rho computed over them into the true one: rho = rho_int · scale."""

    index: int
    id: str
    cost: Fraction
    groups: np.ndarray  # indices of the supporting ballot groups
    weights: np.ndarray  # their multiplicities (float64, exact below 2**53)
    utilities: list[int]  # the distinct integer satisfactions (one for cost/cardinality)
    utility_index: np.ndarray | None  # per supporting group, index into `utilities`
    scale: Fraction
    sort_factor: list[int]  # lcm(utilities) // u: orders money per unit of satisfaction
    first_bound: Fraction  # cost / total satisfaction: no rho is ever lower

    @property
    def uniform(self) -> bool:
        return self.utility_index is None


@dataclass
class _Prepared:
    projects: list[_Project]  # priced by MES, in the election's order
    free: list[str]  # supported projects costing nothing: funded first
    group_weights: list[int]
    voters: int
    cost_denominator: int  # lcm of the costs' denominators


def prepare(election: Election, satisfaction: str) -> _Prepared:
    """Group identical ballots and index each project's supporters (done once per election)."""
    if satisfaction not in SATISFACTIONS:
        raise ValueError(f"unknown satisfaction {satisfaction!r}: expected one of {SATISFACTIONS}")
    additive = satisfaction == "additive"
    if additive and election.kind != BallotKind.CUMULATIVE:
        raise ValueError("additive satisfaction needs cumulative ballots (points)")
    counts: dict[Hashable, int] = {}
    for ballot in election.ballots:
        key = frozenset(ballot.items()) if additive else frozenset(ballot)
        counts[key] = counts.get(key, 0) + 1
    group_keys = list(counts)
    group_weights = [counts[key] for key in group_keys]

    supporters: dict[str, list[tuple[int, Fraction]]] = {p.id: [] for p in election.projects}
    for g, key in enumerate(group_keys):
        for item in key:
            project_id, points = item if additive else (item, 1)
            if points > 0:  # pabutools: a voter supports a project it gets satisfaction from
                supporters[project_id].append((g, Fraction(points)))

    projects, free = [], []
    for project in election.projects:
        rows = supporters[project.id]
        if not rows:
            continue
        if project.cost <= 0:
            free.append(project.id)
            continue
        groups = np.array([g for g, _ in rows], dtype=np.int64)
        weights = np.array([group_weights[g] for g, _ in rows], dtype=np.float64)
        if additive:
            values = sorted({u for _, u in rows})
            scale = Fraction(lcm(*(u.denominator for u in values)))
            utilities = [int(u * scale) for u in values]
            position = {u: i for i, u in enumerate(values)}
            utility_index = np.array([position[u] for _, u in rows], dtype=np.int64)
            total = sum((group_weights[g] * u for g, u in rows), ZERO)
        else:
            utilities, utility_index = [1], None
            scale = 1 / project.cost if satisfaction == "cost" else Fraction(1)
            total = int(weights.sum()) / scale
        common = lcm(*utilities)
        projects.append(
            _Project(
                index=len(projects),
                id=project.id,
                cost=project.cost,
                groups=groups,
                weights=weights,
                utilities=utilities,
                utility_index=utility_index,
                scale=scale,
                sort_factor=[common // u for u in utilities],
                first_bound=project.cost / total,
            )
        )
    denominator = lcm(*(p.cost.denominator for p in election.projects)) if projects else 1
    return _Prepared(projects, free, group_weights, len(election.ballots), denominator)


@dataclass
class _Run:
    """One MES run: what it bought, at which rho, and the money left at the end."""

    selected: list[int]  # indices into _Prepared.projects, in buying order
    rho: dict[int, Fraction]  # affordability of each bought project
    money: "_Money | None"  # the budget classes when the run ended


class _Money:
    """What each budget class holds, exactly: N[c] / D, with one common denominator D so that
    sorting and sums are on integers. Classes are renumbered when many have emptied; class 0
    holds the voters with nothing left."""

    def __init__(self, per_voter: Fraction, cost_denominator: int, groups: int):
        self.D = lcm(per_voter.denominator, cost_denominator)
        self.N = [0, per_voter.numerator * (self.D // per_voter.denominator)]
        self.class_of = np.ones(groups, dtype=np.int64)

    def compact(self) -> None:
        used = np.bincount(self.class_of, minlength=len(self.N)) > 0
        used[0] = True
        if used.sum() * 2 > len(self.N):
            return
        live = np.flatnonzero(used)
        renumber = np.zeros(len(self.N), dtype=np.int64)
        renumber[live] = np.arange(len(live))
        self.class_of = renumber[self.class_of]
        self.N = [self.N[c] for c in live.tolist()]


@dataclass
class _Price:
    """A project's rho over the classes among its supporters, sorted poorest per unit first."""

    classes: list[int]
    kinds: list[int]  # index into project.utilities
    poor: int  # the first `poor` entries pay all their money
    rho_int: Fraction  # rho over integer utilities (price per supporter for cost/cardinality)
    rho: Fraction


class _NotCertified(Exception):
    """A run at more money may not decide as the reference run did (see `run_mes`)."""


def run_mes(prepared: _Prepared, per_voter: Fraction, reference: _Run | None = None) -> _Run:
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
    money = _Money(per_voter, prepared.cost_denominator, len(prepared.group_weights))
    bound = {p.index: p.first_bound for p in projects}  # lower bounds on rho
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
        best = None
        tied: list[int] = []
        prices: dict[int, _Price] = {}
        # Visit by lower bound (floats only order the visits; skipping is decided exactly).
        for j in sorted(remaining, key=lambda j: float(bound[j])):
            limit = best if expected is None else threshold
            if limit is not None and bound[j] > limit:
                continue
            price = _price(projects[j], money)
            if price is None:  # unaffordable now, and for the rest of the run
                remaining.discard(j)
                continue
            bound[j] = price.rho
            prices[j] = price
            if expected is not None:
                if j != expected and (
                    expected == -1
                    or price.rho < threshold
                    or (price.rho == threshold and projects[j].id < projects[expected].id)
                ):
                    raise _NotCertified
            elif best is None or price.rho < best:
                best, tied = price.rho, [j]
            elif price.rho == best:
                tied.append(j)
        if expected is not None and expected != -1:
            if expected not in prices:
                raise _NotCertified  # cannot happen: more money never makes it unaffordable
            tied = [expected]
        if not tied:
            break
        chosen = min(tied, key=lambda j: projects[j].id)
        price = prices[chosen]
        remaining.discard(chosen)
        selected.append(chosen)
        rho_of[chosen] = price.rho
        _pay(projects[chosen], price, money)
    return _Run(selected, rho_of, money)


def _money_left(prepared: _Prepared, run: _Run) -> dict[int, Fraction]:
    """Per project not bought: the money its supporters held when the run ended."""
    money, left = run.money, {}
    for project in prepared.projects:
        if project.index not in run.rho:
            counts = np.bincount(money.class_of[project.groups], weights=project.weights)
            held = sum(int(counts[c]) * money.N[c] for c in np.flatnonzero(counts).tolist())
            left[project.index] = Fraction(held, money.D)
    return left


def _price(project: _Project, money: _Money) -> _Price | None:
    """rho of the project now, or None if its supporters cannot pay for it.

    The same scan as pabutools' `mes_inner_algo` over supporters sorted by money per unit of
    satisfaction, but over classes instead of voters (a class is poor or rich as a whole) and
    by bisection over prefix sums: entry k pays rho·u_k out of its money iff
    (cost - money of the entries before k) · u_k ≤ N_k · (satisfaction of entries from k)."""
    cls = money.class_of[project.groups]
    if project.uniform:
        counts = np.bincount(cls, weights=project.weights)
        keys = np.flatnonzero(counts[1:]) + 1
        classes, kinds = keys.tolist(), [0] * len(keys)
    else:
        width = len(project.utilities)
        counts = np.bincount(cls * width + project.utility_index, weights=project.weights)
        keys = np.flatnonzero(counts[width:]) + width
        classes, kinds = (keys // width).tolist(), (keys % width).tolist()
    weights = counts[keys].astype(np.int64).tolist()
    N = money.N
    if project.uniform:
        order = sorted(range(len(classes)), key=[N[c] for c in classes].__getitem__)
    else:
        factor = project.sort_factor
        keyed = [N[c] * factor[k] for c, k in zip(classes, kinds, strict=True)]
        order = sorted(range(len(classes)), key=keyed.__getitem__)
    classes = [classes[i] for i in order]
    kinds = [kinds[i] for i in order]
    weights = [weights[i] for i in order]
    held = [N[c] for c in classes]
    utility = [project.utilities[k] for k in kinds]
    paid = list(accumulate(map(mul, weights, held), initial=0))
    if paid[-1] < project.cost * money.D:
        return None
    cost = (project.cost * money.D).numerator  # D is a multiple of the costs' denominators
    satisfied = list(accumulate(map(mul, weights, utility), initial=0))
    total_u = satisfied[-1]
    low, high = 0, len(classes) - 1  # the last entry is always rich
    while low < high:
        k = (low + high) // 2
        if (cost - paid[k]) * utility[k] <= held[k] * (total_u - satisfied[k]):
            high = k
        else:
            low = k + 1
    rho_int = Fraction(cost - paid[low], money.D * (total_u - satisfied[low]))
    return _Price(classes, kinds, low, rho_int, rho_int * project.scale)


def _pay(project: _Project, price: _Price, money: _Money) -> None:
    """The supporters pay: poor classes everything (to class 0), rich ones rho·u (new classes)."""
    a, b = price.rho_int.numerator, price.rho_int.denominator
    new_D = lcm(money.D, b)
    if new_D != money.D:
        grow = new_D // money.D
        money.N = [n * grow for n in money.N]
        money.D = new_D
    per_unit = a * (new_D // b)
    width = len(project.utilities)
    classes, kinds = price.classes[price.poor :], price.kinds[price.poor :]
    first = len(money.N)
    new_class = np.zeros(first * width, dtype=np.int64)  # class 0 for the poor
    new_class[np.array(classes, dtype=np.int64) * width + np.array(kinds, dtype=np.int64)] = (
        np.arange(first, first + len(classes))
    )
    N, utilities = money.N, project.utilities
    N.extend([N[c] - per_unit * utilities[k] for c, k in zip(classes, kinds, strict=True)])
    cls = money.class_of[project.groups]
    keys = cls if project.uniform else cls * width + project.utility_index
    money.class_of[project.groups] = new_class[keys]
    money.compact()


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


def _add1(prepared: _Prepared, budget: Fraction, start: Fraction, progress=None):
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
