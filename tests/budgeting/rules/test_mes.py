"""The Method of Equal Shares: worked examples, and pabutools 1.2.3 live as the oracle on random
small elections (hypothesis) for every satisfaction and completion."""

import subprocess
import sys
from dataclasses import replace
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
)
from pabutools.election import (
    Project as PabuProject,
)
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from gemeinsam.budgeting.rules.election import BallotKind, Election, Project
from gemeinsam.budgeting.rules.mes import COMPLETIONS, equal_shares
from gemeinsam.budgeting.rules.mes_pricing import Money as _Money
from gemeinsam.budgeting.rules.mes_pricing import pay as _pay
from gemeinsam.budgeting.rules.mes_pricing import prepare
from gemeinsam.budgeting.rules.mes_pricing import price as _price
from gemeinsam.budgeting.rules.mes_pricing import settle as _settle

SAT_CLASSES = {"cost": Cost_Sat, "cardinality": Cardinality_Sat, "additive": Additive_Cardinal_Sat}


def approval(budget, costs: dict[str, int], *ballots: str) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=[Project(pid, Fraction(cost)) for pid, cost in costs.items()],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset(b.split()) for b in ballots],
    )


def pabutools_outcome(election: Election, satisfaction: str, completion: str) -> list[str]:
    """pabutools' MES outcome, called as scripts/pabutools_reference.py calls it."""
    instance = Instance(budget_limit=election.budget)
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance.update(projects.values())
    if election.kind == BallotKind.CUMULATIVE:
        profile = CumulativeProfile(
            [CumulativeBallot({projects[p]: v for p, v in b.items()}) for b in election.ballots],
            instance=instance,
        )
    else:
        profile = ApprovalProfile(
            [ApprovalBallot(projects[p] for p in b) for b in election.ballots], instance=instance
        )
    sat = SAT_CLASSES[satisfaction]
    mes = {"sat_class": sat}
    if completion.startswith("add1"):
        mes["voter_budget_increment"] = 1
    if completion.endswith("greedy"):
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [mes, {"sat_class": sat}],
        )
    else:
        outcome = method_of_equal_shares(instance, profile, **mes)
    return [p.name for p in outcome]


def test_equal_shares_gives_a_minority_its_share():
    # 3 of 4 voters want a and b (cost 6 each), 1 voter wants c (3). Budget 12: each voter
    # holds 3. The majority buys a (2 each) and cannot afford b; the minority buys c.
    election = approval(12, {"a": 6, "b": 6, "c": 3}, "a b", "a b", "a b", "c")
    outcome = equal_shares(election)
    assert outcome.selected == ["a", "c"]
    projects = outcome.details["projects"]
    assert projects["a"]["status"] == "mes"
    assert projects["a"]["price_per_supporter"] == 2
    assert projects["b"]["status"] == "rejected"
    assert projects["b"]["supporters_money"] == 3  # three voters with 1 left each
    assert projects["b"]["cost"] == 6


def test_greedy_completion_spends_what_mes_left():
    election = approval(12, {"a": 6, "b": 6, "c": 3}, "a b", "a b", "a b", "c")
    outcome = equal_shares(election, completion="greedy")
    assert outcome.selected == ["a", "c"]  # b (6) does not fit into 3
    election = approval(15, {"a": 6, "b": 6, "c": 3}, "a b", "a b", "a b", "c")
    # 3.75 each: the majority pays a (2 each), has 5.25 < 6 for b; greedy adds b.
    assert equal_shares(election).selected == ["a", "c"]
    assert equal_shares(election, completion="greedy").selected == ["a", "c", "b"]
    assert equal_shares(election, completion="greedy").details["projects"]["b"]["status"] == (
        "greedy"
    )


def test_add1_raises_the_voters_money_until_the_budget_is_spent():
    election = approval(15, {"a": 6, "b": 6, "c": 3}, "a b", "a b", "a b", "c")
    outcome = equal_shares(election, completion="add1")
    # 3.75 each buys a and c (9): b still fits. At 4.75 each the majority also buys b.
    assert outcome.selected == pabutools_outcome(election, "cost", "add1")
    assert set(outcome.selected) == {"a", "b", "c"}
    assert outcome.details["add1_steps"] >= 1


def test_ties_go_to_the_smaller_id_as_text():
    election = approval(10, {"9": 10, "10": 10}, "9 10", "9 10")
    assert equal_shares(election).selected == ["10"]


def test_unsupported_and_unknown_options_are_refused():
    election = approval(10, {"a": 5}, "a")
    for bad in ({"satisfaction": "joy"}, {"completion": "add2"}, {"satisfaction": "additive"}):
        try:
            equal_shares(election, **bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_rules_package_does_not_import_django():
    code = "import sys, gemeinsam.budgeting.rules.mes; print('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@st.composite
def small_elections(draw, cumulative: bool = False) -> Election:
    count = draw(st.integers(1, 8))
    ids = [str(i) for i in range(count)]  # "10" < "2" as text: ids exercise the tie order
    costs = draw(st.lists(st.integers(1, 200), min_size=count, max_size=count))
    budget = draw(st.integers(1, max(1, sum(costs))))
    if cumulative:
        ballot = st.dictionaries(st.sampled_from(ids), st.integers(1, 5), max_size=count)
    else:
        ballot = st.frozensets(st.sampled_from(ids), max_size=count)
    ballots = draw(st.lists(ballot, min_size=1, max_size=12))
    return Election(
        budget=Fraction(budget),
        projects=[Project(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)],
        kind=BallotKind.CUMULATIVE if cumulative else BallotKind.APPROVAL,
        ballots=ballots,
    )


ORACLE_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@ORACLE_SETTINGS
@given(small_elections(), st.sampled_from(["cost", "cardinality"]), st.sampled_from(COMPLETIONS))
def test_approval_outcome_is_pabutools_and_within_budget(election, satisfaction, completion):
    outcome = equal_shares(election, satisfaction, completion)
    assert outcome.total_cost <= election.budget
    assert outcome.total_cost == election.cost(outcome.selected)
    assert len(set(outcome.selected)) == len(outcome.selected)
    assert outcome.selected == pabutools_outcome(election, satisfaction, completion)


@ORACLE_SETTINGS
@given(small_elections(cumulative=True), st.sampled_from(COMPLETIONS))
def test_cumulative_outcome_is_pabutools_and_within_budget(election, completion):
    outcome = equal_shares(election, "additive", completion)
    assert outcome.total_cost <= election.budget
    assert outcome.selected == pabutools_outcome(election, "additive", completion)


def test_prices_stay_exact_whatever_split_the_floats_propose():
    # Floats only propose which classes are poor; exact integers confirm it or redo the scan.
    election = approval(20, {"a": 6, "b": 7, "c": 3}, "a b", "a b", "a b c", "c", "b", "a c")
    prepared = prepare(election, "cost")
    projects = {p.id: p for p in prepared.projects}
    money = _Money(Fraction(20, 6), prepared.cost_denominator, len(prepared.group_weights))
    price = _price(projects["a"], money)
    _settle(projects["a"], money, price)
    _pay(projects["a"], price, money)
    for project_id in ("b", "c"):
        honest = _price(projects[project_id], money)
        expected = _settle(projects[project_id], money, honest)
        assert honest.low <= expected <= honest.high
        for poor in range(len(honest.classes) + 1):
            proposed = replace(honest, poor=poor, rho_int=None, rho=None)
            assert _settle(projects[project_id], money, proposed) == expected
