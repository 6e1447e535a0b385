"""How the Method of Equal Shares prices a project, exactly and fast (see mes.py for the rule).

Speed. Voters with the same ballot are one weighted group, and voters who have paid for the
same selected projects hold the same money: they form a *budget class*. A voter's money
depends only on which selected projects they approve (for points: with how many points), so
classes are far fewer than voters. A project's rho is computed over the classes among its
supporters (counted with NumPy). Floats (NumPy) find rho and bracket it for sure; exact
integers over one common denominator work rho out only where floats cannot decide: for the
project bought and for near ties (see `price`, `settle`).

Exactness. All money is `Fraction` or integers over one denominator; no comparison is ever
made on rounded numbers, so the outcome is pabutools' (which uses gmpy2 rationals) exactly.
"""

from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from math import inf, lcm, nextafter
from operator import mul

import numpy as np

from .election import BallotKind, Election

SATISFACTIONS = ("cost", "cardinality", "additive")
ZERO = Fraction(0)


@dataclass
class PricedProject:
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
    float_utilities: np.ndarray  # the same as float64, for the float pass of `price`
    float_cost: float
    float_scale: float

    @property
    def uniform(self) -> bool:
        return self.utility_index is None


@dataclass
class Prepared:
    projects: list[PricedProject]  # priced by MES, in the election's order
    free: list[str]  # supported projects costing nothing: funded first
    group_weights: list[int]
    voters: int
    cost_denominator: int  # lcm of the costs' denominators


def prepare(election: Election, satisfaction: str) -> Prepared:
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
            PricedProject(
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
    return Prepared(projects, free, group_weights, len(election.ballots), denominator)


class Money:
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
class Price:
    """A project's rho over the classes among its supporters, sorted by float money per unit
    of satisfaction: surely low ≤ rho ≤ high (floats). The first `poor` entries pay all their
    money, the others rho·u. The exact rho is worked out (`settle`) only where floats cannot
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


# Relative errors allowed for floats, far above what they can make: a money F[c] is within
# 2**-53 of N[c] / D, a ratio F[c] / u within 2**-52 of the exact one, and a float sum of n
# positive terms, each within 2**-52, within (n + 2) · 2**-53 of the exact sum.
_RATIO_BAND = 1e-12
_WIDTH = 1e-9  # the interval drawn around a float rho, to be confirmed


def price(project: PricedProject, money: Money) -> Price | None:
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
    price = Price(
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
        exact = float(settle(project, money, price))  # correctly rounded
        price.low, price.high = nextafter(exact, -inf), nextafter(exact, inf)
    return price


def settle(project: PricedProject, money: Money, price: Price) -> Fraction:
    """The exact rho (kept in `price`): the float split of `price` confirmed, or else the
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


def pay(project: PricedProject, price: Price, money: Money) -> None:
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
