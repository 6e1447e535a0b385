"""`gemeinsam pb`: help, Pabulib import into a process, and solve delegated to the rules."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import Ballot, BallotSource, BudgetingProcess, Proposal
from gemeinsam.budgeting.rules.pabulib import read_pabulib
from gemeinsam.budgeting.rules.solve import run

from ..conftest import shared_data

BUDAPEST = "Hungary_Budapest_2022_VIII_Jozsefvaros.pb"


def _gemeinsam(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GEMEINSAM_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", "from gemeinsam.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_pb_help_names_both_subcommands(tmp_path):
    result = _gemeinsam("pb", "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "import" in result.stdout and "solve" in result.stdout


def test_pb_solve_prints_the_rules_outcome_as_json(tmp_path):
    path = shared_data() / "pabulib" / BUDAPEST
    result = _gemeinsam(
        "pb", "solve", str(path), "--rule", "greedy", "--format", "json", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    expected = run(read_pabulib(path), "greedy")
    assert printed["selected"] == expected["selected"]
    assert printed["budget"] == expected["budget"] and printed["total_cost"] <= printed["budget"]


def test_import_stores_proposals_and_ballots_marked_imported(db):
    path = shared_data() / "pabulib" / BUDAPEST
    call_command("pb", "import", str(path), "--process", "budapest-viii")
    election = read_pabulib(path)
    budgeting = BudgetingProcess.objects.get(process__slug="budapest-viii")
    assert budgeting.budget == election.budget
    assert Proposal.objects.filter(budgeting=budgeting).count() == len(election.projects)
    assert set(Ballot.objects.values_list("source", flat=True)) == {BallotSource.IMPORTED}
    stored = selectors.to_election(budgeting)
    assert stored.project_ids == election.project_ids
    assert sorted(map(sorted, stored.ballots)) == sorted(
        map(sorted, filter(None, election.ballots))
    )
    for rule in ("greedy", "mes"):
        assert run(stored, rule)["selected"] == run(election, rule)["selected"]


def test_import_of_a_malformed_file_names_the_line(db, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;x\n"
    )
    with pytest.raises(CommandError) as error:
        call_command("pb", "import", str(bad), "--process", "kaputt")
    assert "7" in str(error.value)
    assert not BudgetingProcess.objects.exists()
