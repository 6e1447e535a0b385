"""LEXIMIN and MAXIMIN panel distributions by column generation on HiGHS.

Follows Flanigan, Gölz, Gupta, Hennig, Procaccia, "Fair algorithms for selecting citizens'
assemblies", Nature 596 (2021), methods "Algorithm LEXIMIN": a dual LP over a growing set of
feasible panels, priced by an integer program, fixing one probability level per stage.

One exact reduction makes both programs small. People with the same feature values who share
a household with nobody are interchangeable ("groups"). The leximin probabilities are unique
and unchanged by swapping interchangeable people, so members of a group share them, and the LP
may work with "profiles" (how many members of each group a panel takes) and one dual weight
per group. At the end the lottery over profiles is spread over concrete panels, each group's
members taking turns (spread.py), so every member of a group gets the same probability.

Large pools take a shortcut first (`relaxed_leximin`, `Decomposition`): the leximin point of
the LP relaxation (fractional panels) bounds every level from above, so if that point can be
written as a lottery over real panels, the lottery is leximin-optimal and no pricing MIP has to
prove anything. Only when the decomposition gets stuck does the column generation run.
"""

from collections.abc import Iterable

import highspy
import numpy as np

from .distribution import Distribution
from .instance import Instance
from .pool import TIGHT, Pool, Profile, Progress, new_highs
from .relaxation import decompose
from .spread import spread

# Column generation stops when no profile's dual weight exceeds the LP's bound by more than
# EPS; the level found is then at most EPS below the optimum (the paper's code uses 5e-4).
EPS = 1e-7
# Profiles improved by swaps before each pricing MIP (the heaviest under the new weights).
SWAP_STARTS = 1


def _initial_profiles(pool: Pool, progress: Progress | None) -> tuple[list[Profile], set[int]]:
    """Profiles that together take someone from every group that some feasible panel can
    take from (paper: the first phase), and the set of groups no feasible panel takes from."""
    m = len(pool.groups)
    covered = np.zeros(m, dtype=bool)
    unreachable: set[int] = set()
    profiles: list[Profile] = []
    while True:
        open_groups = ~covered & ~np.isin(np.arange(m), list(unreachable))
        if not open_groups.any():
            break
        found = pool.best_profile(np.where(open_groups, 1.0, 0.0))
        if found is None:
            raise ValueError("no panel satisfies the quotas")
        profile, value = found
        if value >= 0.5:
            profiles.append(profile)
            covered |= np.array(profile) > 0
            continue
        # No panel takes any open group: ask for each alone to tell which can be taken at all.
        for g in np.flatnonzero(open_groups):
            focus = np.zeros(m)
            focus[g] = 1.0
            profile, value = pool.best_profile(focus)
            if value < 0.5:
                unreachable.add(int(g))
            else:
                profiles.append(profile)
                covered |= np.array(profile) > 0
    if progress:
        progress(f"{len(pool.groups)} groups, {len(profiles)} initial profiles")
    return profiles, unreachable


def _fast_distribution(pool: Pool, algorithm: str) -> Distribution | None:
    """The LEXIMIN lottery by decomposing the relaxation's leximin point, when it decomposes
    (relaxation.py); otherwise None."""
    pieces = decompose(pool)
    if pieces is None:
        return None
    steps = np.array([step for step, _ in pieces])
    profiles = np.array([panel for _, panel in pieces])
    return _distribution(pool, profiles, steps / steps.sum(), algorithm)


class _StageLP:
    """The paper's dual LP over the profiles found so far, with one weight y_g per member of
    group g (n_g members; variables ŷ, y_g ≥ 0):

        minimise   ŷ - Σ_{g fixed} p_g · n_g · y_g
        subject to Σ_g c_g · y_g ≤ ŷ       for every profile c found so far,
                   Σ_{g not fixed} n_g · y_g = 1.

    Its optimum is the largest level z such that every member of an unfixed group can get at
    least z while each member of a fixed group g keeps at least p_g.
    """

    def __init__(self, pool: Pool, groups: list[int]) -> None:
        self.pool = pool
        self.groups = groups  # the groups taking part: those some feasible panel takes from
        self.col = {g: c + 1 for c, g in enumerate(groups)}  # column 0 is ŷ
        m = len(groups)
        h = new_highs()
        h.addVars(m + 1, np.zeros(m + 1), np.full(m + 1, highspy.kHighsInf))
        h.changeColCost(0, 1.0)
        h.addRow(1.0, 1.0, m, np.arange(1, m + 1, dtype=np.int32), pool.sizes[groups])
        self.h = h
        self.profiles: dict[Profile, None] = {}  # insertion-ordered set
        self._matrix = np.zeros((0, len(pool.groups)), dtype=int)  # the profiles as rows

    def matrix(self) -> np.ndarray:
        if len(self._matrix) < len(self.profiles):
            new = list(self.profiles)[len(self._matrix) :]
            self._matrix = np.vstack([self._matrix, np.array(new, dtype=int)])
        return self._matrix

    def add_profile(self, profile: Profile) -> bool:
        if profile in self.profiles:
            return False
        self.profiles[profile] = None
        taken = [g for g, count in enumerate(profile) if count]
        cols = np.array([self.col[g] for g in taken] + [0], dtype=np.int32)
        vals = np.array([profile[g] for g in taken] + [-1.0], dtype=float)
        self.h.addRow(-highspy.kHighsInf, 0.0, len(cols), cols, vals)
        return True

    def fix(self, group: int, probability: float) -> None:
        col = self.col[group]
        self.h.changeCoeff(0, col, 0.0)
        self.h.changeColCost(col, -probability * self.pool.sizes[group])

    def solve(self) -> tuple[np.ndarray, float, float] | None:
        """Weights per group (0 for groups not taking part), ŷ and the objective; None if
        the fixed probabilities are (numerically) infeasible, making this LP unbounded."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        values = self.h.getSolution().col_value
        weights = np.zeros(len(self.pool.groups))
        weights[self.groups] = values[1:]
        return weights, float(values[0]), float(self.h.getInfo().objective_function_value)


def _column_generation(
    pool: Pool, lp: _StageLP, fixed: dict[int, float]
) -> tuple[np.ndarray, float, float]:
    """Solve one stage over all feasible panels: add the best profile while its weight beats
    ŷ by more than EPS. Returns the group weights, the level and an upper bound on it."""
    relax = 1e-10
    while True:
        solved = lp.solve()
        if solved is None:
            # Rounding made the fixed probabilities jointly infeasible by a hair; like the
            # paper's code we lower them all a little (here by far less than EPS).
            for group in fixed:
                fixed[group] = max(0.0, fixed[group] - relax)
                lp.fix(group, fixed[group])
            relax *= 10
            if relax > EPS:
                raise RuntimeError("the fixed probabilities cannot be met by the panels found")
            continue
        weights, cap, objective = solved
        if _swap_pricing(pool, lp, weights, cap + EPS):
            continue  # a cheaper column was found; the MIP prices only when swaps fail
        found = pool.best_profile(weights)
        assert found is not None
        profile, value = found
        added = value > cap + EPS and lp.add_profile(profile)
        if not added:
            # (y, max(value, ŷ)) is feasible for the full dual: an upper bound on the level.
            return weights, objective, objective + max(0.0, value - cap)
        # The other improving panels the MIP met on its way are columns too: far fewer MIPs.
        for other in pool.improving(weights, cap + EPS):
            lp.add_profile(other)


def _swap_pricing(pool: Pool, lp: "_StageLP", weights: np.ndarray, above: float) -> bool:
    """Improve the heaviest profiles found so far by swaps; add those that end heavier than
    `above`. True if any was added."""
    found = lp.matrix()
    if not len(found):
        return False
    values = found @ weights
    added = False
    for start in np.argsort(-values)[:SWAP_STARTS]:
        better = pool.improve(found[start], weights)
        if float(better @ weights) > above:
            added |= lp.add_profile(tuple(int(c) for c in better))
    return added


def _primal(pool: Pool, profiles: list[Profile], targets: dict[int, float]) -> list[float]:
    """Profile probabilities giving each member of group g at least targets[g] - ε, with ε
    minimal (the paper's final LP, tolerant of the rounding in the targets)."""
    h = new_highs()
    m = len(profiles)
    h.addVars(m + 1, np.zeros(m + 1), np.full(m + 1, highspy.kHighsInf))
    h.changeColCost(m, 1.0)  # ε
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    for group, target in targets.items():
        taking = [p for p, profile in enumerate(profiles) if profile[group]]
        cols = np.array([*taking, m], dtype=np.int32)
        size = pool.sizes[group]
        vals = np.array([profiles[p][group] for p in taking] + [size], dtype=float)
        h.addRow(target * size, highspy.kHighsInf, len(cols), cols, vals)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.clip(np.array(h.getSolution().col_value[:m]), 0.0, None)
    x[x < 1e-12] = 0.0
    return list(x / x.sum())


def _distribution(
    pool: Pool, profiles: np.ndarray, probabilities: np.ndarray, algorithm: str
) -> Distribution:
    """The lottery over `profiles` (one row each) as concrete panels of named people."""
    people = pool.instance.people
    merged: dict[tuple[str, ...], float] = {}
    for probability, panel in spread(pool, profiles, probabilities):
        key = tuple(sorted(people[i] for i in panel))
        merged[key] = merged.get(key, 0.0) + probability
    if len(merged) > len(people) + 1:
        merged = _compact(people, merged)
    pairs = sorted(merged.items())
    return Distribution(
        panels=[panel for panel, _ in pairs],
        probabilities=[p for _, p in pairs],
        algorithm=algorithm,
        people=list(people),
    )


def _compact(
    people: list[str], panels: dict[tuple[str, ...], float]
) -> dict[tuple[str, ...], float]:
    """The same person probabilities on at most n + 1 panels (Carathéodory): a vertex of
    {x ≥ 0 : Σ x = 1, each person's probability at least as now, less ε}, ε minimal."""
    keys = list(panels)
    target: dict[str, float] = dict.fromkeys(people, 0.0)
    for key, probability in panels.items():
        for person in key:
            target[person] += probability
    row = {person: r + 1 for r, person in enumerate(people)}
    m = len(keys)
    h = new_highs()
    h.addRow(1.0, 1.0, 0, np.array([], np.int32), np.array([]))
    for person in people:
        h.addRow(target[person], highspy.kHighsInf, 0, np.array([], np.int32), np.array([]))
    for key in keys:
        rows = np.array([0, *(row[person] for person in key)], dtype=np.int32)
        h.addCol(0.0, 0.0, highspy.kHighsInf, len(rows), rows, np.ones(len(rows)))
    rows = np.arange(1, len(people) + 1, dtype=np.int32)
    h.addCol(1.0, 0.0, highspy.kHighsInf, len(rows), rows, np.ones(len(rows)))  # ε
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return panels
    x = np.clip(np.array(h.getSolution().col_value[:m]), 0.0, None)
    x[x < 1e-12] = 0.0
    total = x.sum()
    return {keys[p]: float(x[p] / total) for p in np.flatnonzero(x)}


def _setup(pool: Pool, progress: Progress | None) -> _StageLP:
    profiles, unreachable = _initial_profiles(pool, progress)
    lp = _StageLP(pool, [g for g in range(len(pool.groups)) if g not in unreachable])
    for profile in profiles:
        lp.add_profile(profile)
    return lp


def leximin(instance: Instance, *, progress: Progress | None = None) -> Distribution:
    """The LEXIMIN distribution: maximise the smallest selection probability, then the next
    smallest, and so on. People in no feasible panel get probability 0 (`never_selected`)."""
    pool = Pool(instance)
    fast = _fast_distribution(pool, "leximin")
    if fast is not None:
        if progress:
            progress(f"{len(pool.groups)} groups: the relaxation's leximin point decomposed")
        return fast
    lp = _setup(pool, progress)
    fixed: dict[int, float] = {}
    unfixed = set(lp.groups)
    while unfixed:
        weights, level, _ = _column_generation(pool, lp, fixed)
        tight = {g for g in unfixed if weights[g] > TIGHT}
        if not tight:  # Σ n_g y_g over the unfixed is 1, so some weight is positive
            tight = {max(unfixed, key=lambda g: weights[g])}
        for group in tight:
            fixed[group] = max(0.0, level)
            lp.fix(group, fixed[group])
        unfixed -= tight
        if progress:
            progress(
                f"level {level:.6f}: {len(fixed)}/{len(lp.groups)} groups fixed, "
                f"{len(lp.profiles)} profiles"
            )
    profiles = list(lp.profiles)
    weights = np.array(_primal(pool, profiles, fixed))
    return _distribution(pool, np.array(profiles), weights, "leximin")


def maximin(instance: Instance, *, progress: Progress | None = None) -> Distribution:
    """A MAXIMIN distribution: the smallest selection probability as large as possible (the
    first stage of LEXIMIN; the other probabilities are whatever the LP returns, or the
    LEXIMIN ones when the relaxation shortcut works)."""
    pool = Pool(instance)
    fast = _fast_distribution(pool, "maximin")
    if fast is not None:
        return fast
    lp = _setup(pool, progress)
    _, level, _ = _column_generation(pool, lp, {})
    if progress:
        progress(f"maximin level {level:.6f}, {len(lp.profiles)} profiles")
    profiles = list(lp.profiles)
    targets = dict.fromkeys(lp.groups, level)
    weights = np.array(_primal(pool, profiles, targets))
    return _distribution(pool, np.array(profiles), weights, "maximin")


def level_bounds(
    instance: Instance, fixed: dict[str, float], panels: Iterable[tuple[str, ...]] = ()
) -> tuple[float, float]:
    """Bounds (lower, upper; within EPS) on the largest z such that some distribution over
    all feasible panels gives everyone outside `fixed` at least z and everyone in `fixed` at
    least their value: for checking a distribution's leximin optimality level by level.
    `panels` must support a distribution meeting `fixed` (e.g. the distribution checked);
    values in `fixed` are taken per group (the smallest among its members in `fixed`)."""
    pool = Pool(instance)
    lp = _setup(pool, None)
    index = {person: i for i, person in enumerate(instance.people)}
    for panel in panels:
        profile = [0] * len(pool.groups)
        for person in panel:
            profile[pool.group_of[index[person]]] += 1
        lp.add_profile(tuple(profile))
    by_group: dict[int, float] = {}
    for person, value in fixed.items():
        g = pool.group_of[index[person]]
        if g in lp.col:
            by_group[g] = min(value, by_group.get(g, value))
    for group, value in by_group.items():
        lp.fix(group, value)
    _, lower, upper = _column_generation(pool, lp, by_group)
    return lower, upper
