"""The shortcut for large pools: the leximin point of the LP relaxation, decomposed into panels.

The leximin point of the relaxation (fractional panels) is lexicographically at least the true
LEXIMIN, since every lottery over panels is a point of the relaxation. So if that point can be
written as a lottery over real panels, the lottery is leximin-optimal, and no pricing MIP has
to prove anything. `decompose` returns None when it gets stuck; column generation then runs.
"""

import highspy
import numpy as np

from .pool import TIGHT, Pool, new_highs

# The decomposition stops once spreading the probability mass still unplaced over the panels
# found leaves no member more than SHORTFALL below the relaxation's bound (as column
# generation leaves the level at most EPS below the optimum).
SHORTFALL = 5e-8  # half of leximin.EPS
# Candidate groups, by remaining probability, in the small MIP that repairs a panel when no
# single swap can; the full pool is asked only if that MIP has no solution.
REPAIR_CANDIDATES = 300
# Pools with fewer groups go straight to column generation, which is quick there, while a
# failed decomposition attempt (tight quotas in small pools) would cost seconds.
SHORTCUT_GROUPS = 500


def relaxed_leximin(pool: Pool) -> np.ndarray | None:
    """Expected members per group at the leximin point of the LP relaxation (panels may be
    fractional), or None if even that has no solution. The true LEXIMIN is lexicographically
    at most this point, and each stage here is one small LP, with no pricing."""
    m = len(pool.groups)
    h = new_highs()
    h.passModel(pool.h.getModel())
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    cols = np.arange(m, dtype=np.int32)
    h.changeColsIntegrality(m, cols, np.zeros(m, dtype=np.uint8))
    h.changeColsCost(m, cols, np.zeros(m))
    h.addVar(0.0, highspy.kHighsInf)  # the level z, column m
    h.changeColCost(m, 1.0)
    first = h.getNumRow()
    # x_g - n_g z >= 0 per group; once fixed at level p: x_g >= p n_g.
    h.addRows(
        m,
        np.zeros(m),
        np.full(m, highspy.kHighsInf),
        2 * m,
        np.arange(0, 2 * m, 2, dtype=np.int32),
        np.column_stack([cols, np.full(m, m, dtype=np.int32)]).ravel(),
        np.column_stack([np.ones(m), -pool.sizes]).ravel(),
    )
    unfixed = np.ones(m, dtype=bool)
    while unfixed.any():
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = h.getSolution()
        level = max(0.0, solution.col_value[m])
        duals = np.abs(np.array(solution.row_dual[first:]))
        tight = unfixed & (duals > TIGHT)
        if not tight.any():
            tight[np.flatnonzero(unfixed)[np.argmax(duals[unfixed])]] = True
        for g in np.flatnonzero(tight):
            # Fixed a hair below the level, so that rounding cannot make later stages infeasible.
            h.changeCoeff(first + int(g), m, 0.0)
            h.changeRowBounds(first + int(g), (level - 1e-12) * pool.sizes[g], highspy.kHighsInf)
        unfixed &= ~tight
    return np.clip(np.array(solution.col_value[:m]), 0.0, pool.caps)


class Decomposition:
    """Writes a point of the relaxation as a lottery over real panels, Carathéodory style:
    take a panel lying in the point's smallest face, move away from it as far as the face
    allows (one more constraint becomes tight), and repeat on what is left. A panel leaving
    the new face is mended by swapping members (vectorised over the pool); only when no
    swap sequence works is a MIP asked, first over a few hundred likely groups, then over
    all. Steps shrink the mass left geometrically, so a few per group suffice."""

    def __init__(self, pool: Pool, target: np.ndarray) -> None:
        self.pool = pool
        self.target = target
        self.left = target.astype(float).copy()  # expected members still to place, per group
        self.mass = 1.0  # probability still to place
        h = new_highs()
        h.passModel(pool.h.getModel())
        h.setOptionValue("mip_rel_gap", 1e-2)  # any panel in the face will do; this guides
        self.h = h
        self.quotas = len(pool.instance.quotas)
        self.values = len(pool.value_min)
        self.households = int(pool.household.max()) + 1

    def _value_sums(self, counts: np.ndarray) -> np.ndarray:
        features = self.pool.codes.shape[1]
        return np.bincount(
            self.pool.codes.ravel(), np.repeat(counts, features), minlength=self.values
        )

    def _household_sums(self, counts: np.ndarray) -> np.ndarray:
        inside = self.pool.household >= 0
        return np.bincount(self.pool.household[inside], counts[inside], minlength=self.households)

    def _face(self) -> tuple[np.ndarray, ...]:
        """Bounds a panel must meet to lie in the smallest face holding left/mass: members
        per group, members per quota value, and which households must send someone."""
        pool, mass = self.pool, self.mass
        slack = 1e-9 * mass
        group_min = np.where(self.left >= mass * pool.caps - slack, pool.caps, 0)
        group_max = np.where(self.left <= slack, 0, pool.caps)
        sums = self._value_sums(self.left)
        value_min = np.where(sums >= mass * pool.value_max - slack, pool.value_max, pool.value_min)
        value_max = np.where(sums <= mass * pool.value_min + slack, pool.value_min, pool.value_max)
        household_full = self._household_sums(self.left) >= mass - slack
        return group_min, group_max, value_min, value_max, household_full

    def _mip(self, face: tuple[np.ndarray, ...], keep: np.ndarray | None) -> np.ndarray | None:
        """A panel in the face favouring groups with much left, from the groups in `keep`."""
        group_min, group_max, value_min, value_max, household_full = face
        m, h = len(self.left), self.h
        cols = np.arange(m, dtype=np.int32)
        upper = group_max if keep is None else np.where(keep, group_max, 0)
        h.changeColsBounds(m, cols, group_min.astype(float), upper.astype(float))
        rows = np.arange(1, self.quotas + 1, dtype=np.int32)
        h.changeRowsBounds(
            self.quotas, rows, value_min[: self.quotas].astype(float),
            value_max[: self.quotas].astype(float),
        )  # fmt: skip
        if self.households:
            first = self.quotas + 1  # the household rows follow the size and quota rows
            rows = np.arange(first, first + self.households, dtype=np.int32)
            h.changeRowsBounds(
                self.households, rows, household_full.astype(float), np.ones(self.households)
            )
        h.changeColsCost(m, cols, self.left / self.pool.sizes)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.round(np.array(h.getSolution().col_value[:m])).astype(int)

    def _mend(self, panel: np.ndarray, face: tuple[np.ndarray, ...]) -> np.ndarray | None:
        """Swap members (one out, one in) until the panel lies in the face: each swap lowers
        the number of broken bounds, or keeps it and is never undone (tabu), preferring
        groups with much left; None after a few rounds without success."""
        pool = self.pool
        group_min, group_max, value_min, value_max, household_full = face
        if household_full.any():
            return None  # rare (probabilities near 1): left to the MIP
        codes, household = pool.codes, pool.household
        panel = panel.copy()
        counts = np.rint(self._value_sums(panel)).astype(int)
        used = np.zeros(max(1, self.households), dtype=bool)
        used[household[(panel > 0) & (household >= 0)]] = True
        share = self.left / pool.sizes
        moved_in = np.zeros(len(panel), dtype=bool)
        moved_out = np.zeros(len(panel), dtype=bool)

        def broken(c: np.ndarray) -> np.ndarray:
            return np.maximum(value_min - c, 0) + np.maximum(c - value_max, 0)

        for _ in range(30):
            group_broken = np.maximum(group_min - panel, 0) + np.maximum(panel - group_max, 0)
            if broken(counts).sum() + group_broken.sum() == 0:
                return panel
            out = np.flatnonzero((panel > 0) & ~moved_in)
            into = np.flatnonzero((panel < group_max) & ~moved_out)
            if not len(out) or not len(into):
                return None
            # Change in broken bounds for each (out, in) pair, feature by feature: only
            # features where the two differ move a count.
            lose = broken(counts - 1) - broken(counts)
            gain = broken(counts + 1) - broken(counts)
            delta = np.zeros((len(out), len(into)))
            for f in range(codes.shape[1]):
                a, b = codes[out, f], codes[into, f]
                delta += (a[:, None] != b[None, :]) * (lose[a][:, None] + gain[b][None, :])
            delta += np.where(panel[out] > group_max[out], -1, 0)[:, None]
            delta += np.where(panel[out] <= group_min[out], 1, 0)[:, None]
            delta += np.where(panel[into] < group_min[into], -1, 0)[None, :]
            home_out, home_in = household[out], household[into]
            free = (home_in < 0) | ~used[np.maximum(home_in, 0)]
            allowed = free[None, :] | ((home_in[None, :] == home_out[:, None]) & (home_in >= 0))
            allowed &= out[:, None] != into[None, :]
            delta = np.where(allowed, delta, np.inf)
            best = delta.min()
            if not best <= 0:
                return None
            score = np.where(delta <= best, share[into][None, :] - share[out][:, None], -np.inf)
            i, j = np.unravel_index(np.argmax(score), score.shape)
            a, b = out[i], into[j]
            panel[a] -= 1
            panel[b] += 1
            counts[codes[a]] -= 1
            counts[codes[b]] += 1
            moved_in[b] = moved_out[a] = True
            if household[a] >= 0:
                used[household[a]] = False
            if household[b] >= 0:
                used[household[b]] = True
        return None

    def _step(self, panel: np.ndarray) -> float:
        """How much probability the panel can take: the largest t with (left - t·panel) /
        (mass - t) still in the relaxation."""
        pool, mass, left = self.pool, self.mass, self.left
        c = panel.astype(float)
        limits = [mass, float(np.min(left[panel > 0] / c[panel > 0]))]

        def bound(room: np.ndarray, rate: np.ndarray) -> None:
            # room - t·rate >= 0 for every entry with rate > 0
            if (rate > 0).any():
                limits.append(float(np.min(room[rate > 0] / rate[rate > 0])))

        bound(mass * pool.caps - left, pool.caps - c)
        sums, counts = self._value_sums(left), self._value_sums(c)
        bound(mass * pool.value_max - sums, pool.value_max - counts)
        bound(sums - mass * pool.value_min, counts - pool.value_min)
        if self.households:
            bound(mass - self._household_sums(left), 1.0 - self._household_sums(c))
        return max(0.0, min(limits))

    def shortfall(self) -> float:
        """The most probability any member lacks if the pieces so far are scaled up to 1."""
        covered = (self.target - self.left) / (1.0 - self.mass)
        return float(np.max((self.target - covered) / self.pool.sizes, initial=0.0))

    def run(self) -> list[tuple[float, np.ndarray]] | None:
        """(probability, profile) pairs covering the target up to SHORTFALL; None if a step
        finds no panel in the face first (the point may lie outside the panels' hull)."""
        pieces: list[tuple[float, np.ndarray]] = []
        panel = self._mip(self._face(), None)
        limit = 50 * (len(self.left) + self.values + 10)
        while panel is not None and len(pieces) < limit:
            step = self._step(panel)
            if step <= 1e-15 * self.mass:
                break
            pieces.append((step, panel))
            self.left = np.maximum(self.left - step * panel, 0.0)
            self.mass -= step
            # The last steps are the dearest (the face is narrow): stop as soon as we may.
            if self.mass < 1e-3 and self.shortfall() <= SHORTFALL:
                return pieces
            face = self._face()
            mended = self._mend(panel, face)
            if mended is None:
                likely = panel > 0
                ranked = np.argsort(-np.where(face[1] > 0, self.left / self.pool.sizes, -1.0))
                likely[ranked[:REPAIR_CANDIDATES]] = True
                mended = self._mip(face, likely)
            panel = mended if mended is not None else self._mip(face, None)
        return pieces if pieces and self.shortfall() <= SHORTFALL else None


def decompose(pool: Pool) -> list[tuple[float, np.ndarray]] | None:
    """(probability, profile) pairs giving every group the relaxation's leximin level less at
    most SHORTFALL, for pools of at least SHORTCUT_GROUPS groups; otherwise None."""
    if len(pool.groups) < SHORTCUT_GROUPS:
        return None
    target = relaxed_leximin(pool)
    if target is None:
        return None
    return Decomposition(pool, target).run()
