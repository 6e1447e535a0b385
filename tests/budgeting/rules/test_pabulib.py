"""Pabulib `.pb` reading and writing: the shared real files, the format's corners, and errors."""

import subprocess
import sys
import time
from fractions import Fraction

import pytest

from gemeinsam.budgeting.rules import (
    BallotKind,
    Election,
    PabulibError,
    Project,
    election_as_pabulib,
    parse_pabulib,
    read_pabulib,
    write_pabulib,
)
from gemeinsam.budgeting.rules.pabulib import format_number

from ...conftest import shared_data


def shared_files():
    return sorted((shared_data() / "pabulib").glob("*.pb"))


def pb(meta: str, projects: str, votes: str) -> str:
    return f"META\nkey;value\n{meta}PROJECTS\n{projects}VOTES\n{votes}"


SMALL = pb(
    "budget;100\nvote_type;approval\n",
    "project_id;cost;name\n1;60;Park\n2;40;Bench\n",
    "voter_id;vote\nv1;1,2\nv2;2\n",
)


def test_the_shared_elections_are_found():
    names = {path.name for path in shared_files()}
    assert "Poland_Lodz_2022.pb" in names
    assert len(names) >= 4


@pytest.mark.parametrize("path", shared_files(), ids=lambda path: path.stem)
def test_shared_file_matches_its_meta(path):
    election = read_pabulib(path)
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.ballots) == int(election.meta["num_votes"])
    assert election.budget == Fraction(election.meta["budget"])
    assert election.kind == election.meta["vote_type"]
    assert len(election.voter_ids) == len(set(election.voter_ids)) == len(election.ballots)
    known = set(election.project_ids)
    assert all(set(ballot) <= known for ballot in election.ballots)


@pytest.mark.parametrize("path", shared_files(), ids=lambda path: path.stem)
def test_shared_file_reads_back_identically_after_writing(path, tmp_path):
    election = read_pabulib(path)
    write_pabulib(election, tmp_path / "copy.pb")
    again = read_pabulib(tmp_path / "copy.pb")
    assert again == election
    assert [p.extra for p in again.projects] == [p.extra for p in election.projects]
    assert [p.name for p in again.projects] == [p.name for p in election.projects]


def test_lodz_reads_in_well_under_a_second_or_two():
    path = shared_data() / "pabulib" / "Poland_Lodz_2022.pb"
    started = time.perf_counter()
    election = read_pabulib(path)
    assert len(election.ballots) == 90494
    assert time.perf_counter() - started < 2.0


def test_cumulative_points_are_paired_with_projects_and_a_repeat_keeps_the_last():
    text = pb(
        "budget;10\nvote_type;cumulative\nmax_sum_points;10\n",
        "project_id;cost\nA;5\nB;5\n",
        "voter_id;vote;points\n1;A,B;7,3\n2;B,B;1,2\n3;;\n",
    )
    election = parse_pabulib(text)
    assert election.kind == BallotKind.CUMULATIVE
    assert election.ballots == [{"A": 7, "B": 3}, {"B": 2}, {}]
    assert election.max_sum_points == 10


def test_ordinal_ballots_keep_their_order():
    text = pb(
        "budget;10\nvote_type;ordinal\n",
        "project_id;cost\nA;5\nB;5\nC;1\n",
        "voter_id;vote\n1;C,A,B\n2;B\n",
    )
    assert parse_pabulib(text).ballots == [("C", "A", "B"), ("B",)]


def test_choose_one_is_approval_of_one_project():
    text = pb("budget;10\nvote_type;choose-1\n", "project_id;cost\nA;5\n", "voter_id;vote\n1;A\n")
    election = parse_pabulib(text)
    assert election.kind == BallotKind.CHOOSE_1
    assert election.ballots == [frozenset({"A"})]


def test_crlf_bom_quoting_and_none_cells():
    text = (
        '\ufeffMETA\r\nkey;value\r\nbudget;"1000,5"\r\nvote_type;approval\r\n'
        'comment;"a; b ""quoted""\r\nsecond line"\r\n\r\n'
        "PROJECTS\r\nproject_id;cost;name;category\r\n"
        '7;12,25;"Café; Bänke";None\r\n8;1/3;none;sport,culture\r\n'
        "VOTES\r\nvoter_id;vote;age\r\n1;7,8;None\r\n2;none;30\r\n"
    )
    election = parse_pabulib(text)
    assert election.budget == Fraction(20010, 20)
    assert election.meta["comment"] == 'a; b "quoted"\r\nsecond line'
    assert [(p.id, p.cost, p.name) for p in election.projects] == [
        ("7", Fraction(49, 4), "Café; Bänke"),
        ("8", Fraction(1, 3), ""),
    ]
    assert election.projects[0].extra == {}
    assert election.projects[1].extra == {"category": "sport,culture"}
    assert election.ballots == [frozenset({"7", "8"}), frozenset()]
    assert election.voter_extra == [{}, {"age": "30"}]
    again = parse_pabulib(election_as_pabulib(election))
    # The writer adds the counts the format requires; everything else reads back as it was.
    assert again.meta == {**election.meta, "num_projects": "2", "num_votes": "2"}
    assert (again.budget, again.projects, again.ballots) == (
        election.budget,
        election.projects,
        election.ballots,
    )
    assert [p.extra for p in again.projects] == [p.extra for p in election.projects]
    assert again.voter_extra == election.voter_extra


def test_election_built_in_code_round_trips():
    election = Election(
        budget=Fraction(5, 2),
        projects=[Project("b", Fraction(1, 3), "Zweite"), Project("a", Fraction(3, 4))],
        kind=BallotKind.APPROVAL,
        ballots=[frozenset({"a", "b"}), frozenset()],
    )
    again = parse_pabulib(election_as_pabulib(election))
    assert again.budget == election.budget
    assert again.projects == election.projects
    assert again.ballots == election.ballots
    assert again.voter_ids == ["1", "2"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(Fraction(12), "12"), (Fraction(25, 2), "12.5"), (Fraction(-1, 8), "-0.125"),
     (Fraction(1, 3), "1/3"), (Fraction(0), "0")],
)  # fmt: skip
def test_numbers_are_written_exactly(value, text):
    assert format_number(value) == text
    assert Fraction(text) == value


MALFORMED = [
    ("", 0, "missing META section"),
    ("budget;1\n", 1, "expected the META section header"),
    ("META\nkey;value\nbudget;1\nvote_type;approval\n", 4, "missing PROJECTS section"),
    (SMALL.split("VOTES")[0], 8, "missing VOTES section"),
    (SMALL.replace("2;40;Bench", "2;forty;Bench"), 8, "cost must be a number, got 'forty'"),
    (SMALL.replace("2;40;Bench", "2;40"), 8, "expected 3 columns"),
    (SMALL.replace("2;40;Bench", "2;40;Bench;extra"), 8, "expected 3 columns"),
    (SMALL.replace("v2;2", "v2;3"), 12, "unknown project '3'"),
    (SMALL.replace("v2;2", "v1;2"), 12, "duplicate voter id 'v1'"),
    (SMALL.replace("2;40;Bench", "1;40;Bench"), 8, "duplicate project id '1'"),
    (SMALL.replace("budget;100\n", ""), 4, "META has no budget"),
    (SMALL.replace("budget;100", "budget;lots"), 3, "budget must be a number"),
    (SMALL.replace("approval", "scoring"), 4, "unsupported vote_type 'scoring'"),
    (SMALL.replace("project_id;cost;name", "project_id;price;name"), 6, "no cost column"),
    (SMALL.replace("voter_id;vote", "voter_id;ballot"), 10, "no vote column"),
    (SMALL.replace("vote_type;approval\n", "vote_type;approval\nnum_votes;3\n"), 5, "num_votes 3"),
    (SMALL.replace("budget;100\n", "budget;100\nbudget;200\n"), 4, "duplicate META key"),
    (SMALL.replace("VOTES", "META"), 9, "section META out of place"),
    (
        SMALL.replace("vote_type;approval\n", "vote_type;approval\nmax_length;two\n"),
        5,
        "max_length",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_file_names_line_and_expectation(text, line, message):
    with pytest.raises(PabulibError) as raised:
        parse_pabulib(text, "ballots.pb")
    assert raised.value.line == line
    assert message in raised.value.message
    assert str(raised.value).startswith(f"ballots.pb:{line}: ")


def test_cumulative_vote_and_points_of_different_length_is_an_error():
    text = pb(
        "budget;10\nvote_type;cumulative\n",
        "project_id;cost\nA;5\nB;5\n",
        "voter_id;vote;points\n1;A,B;7\n",
    )
    with pytest.raises(PabulibError, match="2 projects in vote but 1 numbers in points"):
        parse_pabulib(text)


def test_the_rules_package_does_not_import_django():
    code = (
        "import sys, gemeinsam.budgeting.rules, gemeinsam.budgeting.rules.solve\n"
        "assert 'gemeinsam.budgeting.rules.pabulib' in sys.modules\n"
        "print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
