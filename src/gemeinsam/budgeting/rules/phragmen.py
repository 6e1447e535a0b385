"""Sequential Phragmén for approval ballots: supporters share each project's cost as a load.

Follows pabutools 1.2.3 `sequential_phragmen` exactly, with exact `Fraction` loads.
"""

from collections import Counter
from fractions import Fraction

import numpy as np

from .election import BallotKind, Election, Outcome

INFINITE = (1, Fraction(0))


def sequential_phragmen(election: Election) -> Outcome:
    """Sequential Phragmén (Brill, Freeman, Janson, Lackner 2017; pabutools' variant for PB).

    Voters earn virtual money continuously from zero. A project is bought as soon as its
    supporters together hold its cost; buying it sets every supporter's load to the same
    new value `(sum of supporters' loads + cost) / supporters`. Each round buys the project
    with the smallest such new load; among equal loads, the project id first in string
    order (pabutools' `lexico_tie_breaking`). As in pabutools, the rule stops — it does not
    skip — as soon as one of the projects with the smallest new load would exceed the
    budget; projects costing more than the whole budget are never considered; a project
    nobody approves has an infinite load, so it is only bought once nothing supported is
    left, and then only while every such project still fits.

    Voters with identical ballots always carry the same load, so they are handled as one
    weighted group; each project's sum of supporters' loads is kept up to date exactly,
    from integer counts of the supporters moved to a new load each round.
    """
    if election.kind not in (BallotKind.APPROVAL, BallotKind.CHOOSE_1):
        raise ValueError("sequential Phragmén needs approval ballots")
    budget = election.budget
    candidates = [p for p in election.projects if p.cost <= budget]
    index = {p.id: i for i, p in enumerate(candidates)}
    groups = Counter(election.ballots)
    approves = np.zeros((len(groups), len(candidates)), dtype=np.int64)
    for row, ballot in enumerate(groups):
        approves[row, [index[p] for p in ballot if p in index]] = 1
    weight = np.fromiter(groups.values(), dtype=np.int64, count=len(groups))
    score = [int(s) for s in weight @ approves]

    # Every group's load is one of the values in `loads`; `load_of[g]` indexes it.
    loads = [Fraction(0)]
    load_of = np.zeros(len(groups), dtype=np.int64)
    load_sum = [Fraction(0)] * len(candidates)  # per project: sum of its supporters' loads
    remaining = set(range(len(candidates)))
    new_load: dict[int, tuple] = {}
    selected: list[str] = []
    bought_at: dict[str, Fraction | None] = {}
    spent = Fraction(0)

    def load_if_bought(q: int) -> tuple:
        if score[q] == 0:
            return INFINITE
        return (0, (load_sum[q] + candidates[q].cost) / score[q])

    stale = set(remaining)
    while remaining:
        for q in stale:
            new_load[q] = load_if_bought(q)
        best = min(new_load[q] for q in remaining)
        tied = [q for q in remaining if new_load[q] == best]
        if any(spent + candidates[q].cost > budget for q in tied):
            break
        chosen = min(tied, key=lambda q: candidates[q].id)
        remaining.discard(chosen)
        del new_load[chosen]
        project = candidates[chosen]
        selected.append(project.id)
        spent += project.cost
        stale = set()
        if best == INFINITE:
            bought_at[project.id] = None
            continue
        load = best[1]
        bought_at[project.id] = load
        supporters = approves[:, chosen] == 1
        for old in np.unique(load_of[supporters]).tolist():
            rows = supporters & (load_of == old)
            moved = weight[rows] @ approves[rows]
            delta = load - loads[old]
            for q in np.flatnonzero(moved).tolist():
                if q in remaining:
                    load_sum[q] += int(moved[q]) * delta
                    stale.add(q)
        load_of[supporters] = len(loads)
        loads.append(load)
    return Outcome(
        selected=selected,
        total_cost=spent,
        budget=budget,
        rule="phragmen",
        details={"load": bought_at},
    )
