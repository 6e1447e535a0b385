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
supporters (counted with NumPy). Floats (NumPy) find rho and bracket it for sure; exact
integers over one common denominator work rho out only where floats cannot decide: for the
project bought and for near ties (see `_price`, `_settle`).
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
from math import inf, lcm, nextafter
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
    utilities: np.ndarray  # the distinct integer satisfactions (Python ints; one if uniform)
    utility_index: np.ndarray | None  # per supporting group, index into `utilities`
    scale: Fraction
    sort_factor: list[int]  # lcm(utilities) // u: orders money per unit of satisfaction
    first_bound: Fraction  # cost / total satisfaction: no rho is ever lower
    float_utilities: np.ndarray  # the same as float64, for the float pass of `_price`
    float_cost: float
    float_scale: float

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
                utilities=np.array(utilities, dtype=object),
                utility_index=utility_index,
                scale=scale,
                sort_factor=[common // u for u in utilities],
                first_bound=project.cost / total,
                float_utilities=np.array(utilities, dtype=np.float64),
                float_cost=float(project.cost),
                float_scale=float(scale),
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
    """What each budget class holds, exactly as an integer over one common denominator D, so
    that sums and comparisons are on integers, and F[c], the same rounded to the nearest float,
    for a fast first pass. D grows with each purchase (to take in rho's denominator); rather
    than rescaling every class then, a class keeps the numerator N[c] over the D of its
    creation, its epoch: its numerator over D is N[c] · widen[epoch[c]] (`exact`). Classes are
    renumbered when many have emptied; class 0 holds the voters with nothing left."""

    def __init__(self, per_voter: Fraction, cost_denominator: int, groups: int):
        self.D = lcm(per_voter.denominator, cost_denominator)
        self.N = np.array([0, per_voter.numerator * (self.D // per_voter.denominator)], object)
        self.epoch = np.zeros(2, dtype=np.int64)
        self.widen = np.array([1], dtype=object)  # per epoch: D // (D of the epoch)
        self.F = np.array([0.0, float(per_voter)])  # int / int and Fraction: correctly rounded
        self.class_of = np.ones(groups, dtype=np.int64)

    def exact(self, classes: np.ndarray) -> np.ndarray:
        """The classes' money as numerators over D (Python ints)."""
        return self.N[classes] * self.widen[self.epoch[classes]]

    def add(self, numerators: np.ndarray, denominator: int) -> int:
        """New classes holding numerators / denominator (a multiple of D, which becomes D);
        returns the first new class."""
        if denominator != self.D:
            self.widen = np.append(self.widen * (denominator // self.D), 1)
            self.D = denominator
        first = len(self.N)
        self.N = np.concatenate([self.N, numerators])
        self.epoch = np.concatenate([self.epoch, np.full(len(numerators), len(self.widen) - 1)])
        self.F = np.concatenate([self.F, (numerators / denominator).astype(np.float64)])
        return first

    def compact(self) -> None:
        used = np.bincount(self.class_of, minlength=len(self.N)) > 0
        used[0] = True
        if used.sum() * 2 > len(self.N):
            return
        live = np.flatnonzero(used)
        renumber = np.zeros(len(self.N), dtype=np.int64)
        renumber[live] = np.arange(len(live))
        self.class_of = renumber[self.class_of]
        self.N, self.F, self.epoch = self.N[live], self.F[live], self.epoch[live]


@dataclass
class _Price:
    """A project's rho over the classes among its supporters, sorted by float money per unit
    of satisfaction: surely low ≤ rho ≤ high (floats). The first `poor` entries pay all their
    money, the others rho·u. The exact rho is worked out (`_settle`) only where floats cannot
    decide: for the project bought, and for near ties."""

    classes: np.ndarray
    kinds: np.ndarray | None  # index into project.utilities (None if uniform)
    weights: np.ndarray
    ratio: np.ndarray  # float money per unit of satisfaction
    poor: int
    low: float
    high: float
    rho_int: Fraction | None = None  # rho over integer utilities (price per supporter if uniform)
    rho: Fraction | None = None


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
        prices: dict[int, _Price] = {}
        # Visit by lower bound: once one exceeds the limit, all later ones do.
        for j in sorted(remaining, key=bound.__getitem__):
            if bound[j] > limit:
                break
            price = _price(projects[j], money)
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
                best = min(_settle(projects[j], money, prices[j]) for j in tied)
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
        rho_of[chosen] = _settle(projects[chosen], money, price)
        _pay(projects[chosen], price, money)
    return _Run(selected, rho_of, money)


def _beats(projects, money, prices, j, expected, threshold) -> bool:
    """Whether project j is chosen over the reference's choice at `threshold` (its rho)."""
    price, limit = prices[j], float(threshold)
    if price.low > limit:
        return False
    if price.high < limit:
        return True
    rho = _settle(projects[j], money, price)
    return rho < threshold or (rho == threshold and projects[j].id < projects[expected].id)


def _money_left(prepared: _Prepared, run: _Run) -> dict[int, Fraction]:
    """Per project not bought: the money its supporters held when the run ended."""
    money, left = run.money, {}
    for project in prepared.projects:
        if project.index not in run.rho:
            counts = np.bincount(money.class_of[project.groups], weights=project.weights)
            classes = np.flatnonzero(counts)
            held = int(np.dot(counts[classes].astype(np.int64), money.exact(classes)))
            left[project.index] = Fraction(held, money.D)
    return left


# Relative errors allowed for floats, far above what they can make: a money F[c] is within
# 2**-53 of N[c] / D, a ratio F[c] / u within 2**-52 of the exact one, and a float sum of n
# positive terms, each within 2**-52, within (n + 2) · 2**-53 of the exact sum.
_RATIO_BAND = 1e-12
_WIDTH = 1e-9  # the interval drawn around a float rho, to be confirmed


def _price(project: _Project, money: _Money) -> _Price | None:
    """rho of the project now, as a sure interval, or None if its supporters cannot pay for it.

    rho is the unique solution of f(rho) = cost, where f(rho) sums min(money, rho·u) over the
    supporters: the same scan as pabutools' `mes_inner_algo` over supporters sorted by money
    per unit of satisfaction, but over classes instead of voters (a class is poor or rich as a
    whole), in floats with NumPy. The float rho is then bracketed for sure: f is
    non-decreasing, so if f(low) < cost < f(high), with f summed in floats and allowed the
    error floats can make, then low < rho < high. Should that fail (the float rho is off),
    the exact rho is worked out at once."""
    cls = money.class_of[project.groups]
    if project.uniform:
        counts = np.bincount(cls, weights=project.weights)
        classes = np.flatnonzero(counts[1:]) + 1
        weights, kinds = counts[classes], None
        ratio = money.F[classes]
        satisfaction = weights
    else:
        width = len(project.utilities)
        counts = np.bincount(cls * width + project.utility_index, weights=project.weights)
        keys = np.flatnonzero(counts[width:]) + width
        classes, kinds, weights = keys // width, keys % width, counts[keys]
        units = project.float_utilities[kinds]
        ratio = money.F[classes] / units
        satisfaction = weights * units
    held = weights * money.F[classes]
    total, cost = held.sum(), project.float_cost
    tolerance = (len(classes) + 16) * 2.0**-50
    if total * (1 + tolerance) < cost * (1 - tolerance):
        return None
    if total * (1 - tolerance) <= cost * (1 + tolerance):
        cost_D = project.cost.numerator * (money.D // project.cost.denominator)
        if int(np.dot(weights.astype(np.int64), money.exact(classes))) < cost_D:
            return None
    order = np.argsort(ratio, kind="stable")
    paid_before = np.cumsum(held[order]) - held[order]
    rest = satisfaction[order][::-1].cumsum()[::-1]  # satisfaction of entries from k on
    rich = cost - paid_before <= ratio[order] * rest
    poor = int(rich.argmax())
    rho = (cost - paid_before[poor]) / rest[poor]
    low, high = rho * (1 - _WIDTH), rho * (1 + _WIDTH)
    price = _Price(
        classes[order],
        None if kinds is None else kinds[order],
        weights[order],
        ratio[order],
        poor,
        low,
        high,
    )
    if np.minimum(held, low * satisfaction).sum() * (1 + tolerance) < cost * (
        1 - tolerance
    ) and np.minimum(held, high * satisfaction).sum() * (1 - tolerance) > cost * (1 + tolerance):
        # Bounds on rho_int; times the scale, rounded (within 2**-52), they bound rho.
        price.low = low * project.float_scale * (1 - 1e-15)
        price.high = high * project.float_scale * (1 + 1e-15)
    else:
        exact = float(_settle(project, money, price))  # correctly rounded
        price.low, price.high = nextafter(exact, -inf), nextafter(exact, inf)
    return price


def _settle(project: _Project, money: _Money, price: _Price) -> Fraction:
    """The exact rho (kept in `price`): the float split of `_price` confirmed, or else the
    exact scan."""
    if price.rho is None:
        cost_D = project.cost.numerator * (money.D // project.cost.denominator)
        args = (price.classes, price.kinds, price.weights)
        rho_int = _confirm_split(project, money, cost_D, *args, price.ratio, price.poor)
        if rho_int is None:
            price.classes, price.kinds, price.poor, rho_int = _split_exactly(
                project, money, cost_D, *args
            )
        price.rho_int, price.rho = rho_int, rho_int * project.scale
    return price.rho


def _confirm_split(project, money, cost_D, classes, kinds, weights, ratio, poor):
    """The exact rho_int if the first `poor` entries (sorted by float ratio) are the poor ones,
    else None."""
    weights = weights.astype(np.int64)
    paid = int(np.dot(weights[:poor], money.exact(classes[:poor])))
    if kinds is None:
        rest = int(weights[poor:].sum())
    else:
        rest = int(np.dot(weights[poor:], project.utilities[kinds[poor:]]))
    left = cost_D - paid
    if rest <= 0 or left <= 0:
        return None
    rho = left / (money.D * rest)  # correctly rounded
    if not 1e-290 < rho < 1e290:
        return None  # keep clear of underflow, where relative bounds fail
    start = int(np.searchsorted(ratio, rho * (1 - _RATIO_BAND), "left"))
    stop = int(np.searchsorted(ratio, rho * (1 + _RATIO_BAND), "right"))
    if start > poor or stop < poor:
        return None  # a rich entry is surely below rho, or a poor one surely above
    near = money.exact(classes[start:stop]).tolist()
    for k, numerator in enumerate(near, start):  # N / (D·u) against left / (D·rest), exactly
        u = 1 if kinds is None else project.utilities[kinds[k]]
        held, owed = numerator * rest, left * u
        if (held > owed) if k < poor else (held < owed):
            return None
    return Fraction(left, money.D * rest)


def _split_exactly(project, money, cost_D, classes, kinds, weights):
    """The exact scan, by bisection over integer prefix sums of the entries sorted by exact
    money per unit of satisfaction: entry k pays rho·u_k out of its money iff
    (cost - money of the entries before k) · u_k ≤ N_k · (satisfaction of entries from k)."""
    N = money.exact(classes)
    if kinds is None:
        order = sorted(range(len(classes)), key=N.__getitem__)
        utility = [1] * len(classes)
    else:
        factor = project.sort_factor
        keyed = [n * factor[k] for n, k in zip(N.tolist(), kinds.tolist(), strict=True)]
        order = sorted(range(len(classes)), key=keyed.__getitem__)
        kinds = kinds[order]
        utility = project.utilities[kinds].tolist()
    classes, held = classes[order], N[order].tolist()
    weights = weights[order].astype(np.int64).tolist()
    paid = list(accumulate(map(mul, weights, held), initial=0))
    satisfied = list(accumulate(map(mul, weights, utility), initial=0))
    total_u = satisfied[-1]
    low, high = 0, len(classes) - 1  # the last entry is always rich
    while low < high:
        k = (low + high) // 2
        if (cost_D - paid[k]) * utility[k] <= held[k] * (total_u - satisfied[k]):
            high = k
        else:
            low = k + 1
    rho_int = Fraction(cost_D - paid[low], money.D * (total_u - satisfied[low]))
    return classes, kinds, low, rho_int


def _pay(project: _Project, price: _Price, money: _Money) -> None:
    """The supporters pay: poor classes everything (to class 0), rich ones rho·u (new classes)."""
    a, b = price.rho_int.numerator, price.rho_int.denominator
    new_D = lcm(money.D, b)
    per_unit = a * (new_D // b)
    classes = price.classes[price.poor :]
    held = money.exact(classes) * (new_D // money.D)
    if project.uniform:
        width, keys = 1, classes
        left = held - per_unit
    else:
        width = len(project.utilities)
        kinds = price.kinds[price.poor :]
        keys = classes * width + kinds
        left = held - per_unit * project.utilities[kinds]
    new_class = np.zeros(len(money.N) * width, dtype=np.int64)  # class 0 for the poor
    first = money.add(left, new_D)
    new_class[keys] = np.arange(first, first + len(classes))
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
