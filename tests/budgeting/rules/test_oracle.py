"""Oracle: on every shared Pabulib election, our reader and rules agree with pabutools 1.2.3.

pabutools runs live (it is a test dependency only). Greedy's outcome is compared in the
order of selection; pabutools returns Phragmén's outcome sorted, so that one as a set. On
Łódź (90,494 voters) pabutools gets its own multi-profile (identical ballots counted once,
`Profile.as_multiprofile`), which its rules support and which halves their 20-30 s there.
The MES cases are in test_oracle_mes.py.
"""

from functools import cache
from pathlib import Path

import pytest
from pabutools.election import (
    Additive_Cardinal_Sat,
    Cardinality_Sat,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import sequential_phragmen as pabutools_phragmen

from gemeinsam.budgeting.rules import (
    BallotKind,
    greedy_utilitarian,
    read_pabulib,
    sequential_phragmen,
)

from ...conftest import shared_data

LARGE_VOTERS = 50_000
SATISFACTIONS = {
    "cost": Cost_Sat,
    "cardinality": Cardinality_Sat,
    "additive": Additive_Cardinal_Sat,
}


def shared_files() -> list[Path]:
    return sorted((shared_data() / "pabulib").glob("*.pb"))


@cache
def ours(path: Path):
    return read_pabulib(path)


@cache
def reference(path: Path):
    return parse_pabulib(str(path))


@cache
def reference_profile(path: Path):
    _, profile = reference(path)
    return profile.as_multiprofile() if len(profile) > LARGE_VOTERS else profile


def cases():
    for path in shared_files():
        election = ours(path)
        satisfactions = ["cost", "cardinality"]
        if election.kind == BallotKind.CUMULATIVE:
            satisfactions.append("additive")
        for satisfaction in satisfactions:
            yield pytest.param(
                path, "greedy", satisfaction, id=f"{path.stem}-greedy-{satisfaction}"
            )
        if election.kind == BallotKind.APPROVAL:
            yield pytest.param(path, "phragmen", None, id=f"{path.stem}-phragmen")


@pytest.mark.parametrize("path", shared_files(), ids=lambda path: path.stem)
def test_reader_agrees_with_pabutools(path):
    election = ours(path)
    instance, profile = reference(path)
    assert election.budget == instance.budget_limit
    assert {p.id: p.cost for p in election.projects} == {p.name: p.cost for p in instance}
    assert len(election.ballots) == len(profile)
    if election.kind == BallotKind.CUMULATIVE:
        theirs = [{p.name: points for p, points in ballot.items()} for ballot in profile]
        assert election.ballots == theirs
    else:
        assert election.ballots == [frozenset(p.name for p in ballot) for ballot in profile]


@pytest.mark.parametrize(("path", "rule", "satisfaction"), list(cases()))
def test_rule_agrees_with_pabutools(path, rule, satisfaction):
    election = ours(path)
    instance, _ = reference(path)
    profile = reference_profile(path)
    if rule == "greedy":
        outcome = greedy_utilitarian(election, satisfaction)
        expected = greedy_utilitarian_welfare(
            instance, profile, sat_class=SATISFACTIONS[satisfaction]
        )
        assert outcome.selected == [p.name for p in expected]
    else:
        outcome = sequential_phragmen(election)
        expected = pabutools_phragmen(instance, profile)
        assert sorted(outcome.selected) == sorted(p.name for p in expected)
    assert outcome.total_cost == sum(p.cost for p in expected)
    assert outcome.total_cost <= election.budget
