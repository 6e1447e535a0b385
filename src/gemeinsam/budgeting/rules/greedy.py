"""Greedy utilitarian welfare: fund projects by satisfaction per unit of cost until money runs out.

Follows pabutools 1.2.3 `greedy_utilitarian_welfare` (its additive, resolute path) exactly.
"""

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from itertools import chain

from .election import BallotKind, Election, Outcome

SATISFACTIONS = ("cost", "cardinality", "additive")


def project_support(election: Election, satisfaction: str = "cost") -> dict[str, Fraction]:
    """Each project's total satisfaction "per voter" before weighting by cost.

    `cost` and `cardinality`: the number of ballots naming the project (a cumulative or
    ordinal ballot counts as approving every project it names, as pabutools' `project in
    ballot` does). `additive`: the sum of cumulative points (pabutools' Additive_Cardinal_Sat).
    """
    if satisfaction not in SATISFACTIONS:
        raise ValueError(f"unknown satisfaction {satisfaction!r}: expected one of {SATISFACTIONS}")
    support: dict[str, Fraction] = {project_id: Fraction(0) for project_id in election.project_ids}
    if satisfaction == "additive":
        if election.kind != BallotKind.CUMULATIVE:
            raise ValueError("additive satisfaction needs cumulative ballots (points)")
        for ballot in election.ballots:
            for project_id, points in ballot.items():
                support[project_id] += points
    else:
        for project_id, count in Counter(chain.from_iterable(election.ballots)).items():
            support[project_id] = Fraction(count)
    return support


def greedy_utilitarian(
    election: Election, satisfaction: str = "cost", initial: Sequence[str] = ()
) -> Outcome:
    """Greedy utilitarian welfare with cost, cardinality or additive (points) satisfaction.

    As pabutools: each project gets a density, its total satisfaction divided by its cost
    (`cost`: supporters * cost / cost, i.e. its number of supporters; `cardinality`:
    supporters / cost; `additive`: points / cost). A project nobody supports has density 0
    — and so, under `cost` satisfaction, has a project costing 0 — and a free project with
    support has infinite density. Projects are visited once in order of density, highest
    first, ties broken by project id compared as strings ("10" before "9"), pabutools'
    default `lexico_tie_breaking`. A visited project is funded if it fits in what is left
    of the budget, else skipped, and the visit continues: a cheaper project further down
    may still fit, and projects without support fill leftover money too, as in pabutools.

    `initial` projects count as already funded (pabutools' `initial_budget_allocation`,
    used to complete another rule's outcome); the outcome lists them first.
    """
    support = project_support(election, satisfaction)
    chosen = set(initial)

    def order(project_id: str) -> tuple:
        cost = election.project(project_id).cost
        total = support[project_id] * (cost if satisfaction == "cost" else 1)
        if total <= 0:
            return (1, Fraction(0), project_id)
        if cost == 0:
            return (0, Fraction(0), project_id)  # infinite density: before all others
        return (1, -total / cost, project_id)

    remaining = election.budget - election.cost(list(initial))
    selected = list(initial)
    for project_id in sorted((p for p in election.project_ids if p not in chosen), key=order):
        cost = election.project(project_id).cost
        if cost <= remaining:
            selected.append(project_id)
            remaining -= cost
    return Outcome(
        selected=selected,
        total_cost=election.budget - remaining,
        budget=election.budget,
        rule="greedy",
        details={"satisfaction": satisfaction, "support": support},
    )
