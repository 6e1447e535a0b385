"""The rule dispatcher and the standalone `solve` command on a real Pabulib file."""

import io
import json
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from gemeinsam.budgeting.rules import greedy_utilitarian, read_pabulib, sequential_phragmen
from gemeinsam.budgeting.rules.solve import ProgressBar, main, money, solve

from ...conftest import shared_data


def budapest():
    return shared_data() / "pabulib" / "Hungary_Budapest_2022_VIII_Jozsefvaros.pb"


def test_command_prints_the_outcome_as_json():
    result = subprocess.run(
        [sys.executable, "-m", "gemeinsam.budgeting.rules.solve", str(budapest()),
         "--rule", "greedy", "--satisfaction", "cardinality", "--format", "json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    printed = json.loads(result.stdout)
    expected = greedy_utilitarian(read_pabulib(budapest()), "cardinality")
    assert printed["selected"] == expected.selected
    assert printed["total_cost"] == int(expected.total_cost)
    assert printed["budget"] == 122_600_000
    assert 0 <= printed["seconds"] < 5
    assert set(printed) == {"selected", "total_cost", "budget", "seconds"}
    assert result.stderr == ""  # no warnings, no progress line for a quick run


def test_phragmen_through_the_dispatcher():
    election = read_pabulib(budapest())
    assert solve(election, "phragmen").selected == sequential_phragmen(election).selected


def test_malformed_file_exits_2_naming_the_line(tmp_path):
    path = tmp_path / "broken.pb"
    path.write_text("META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nid;price\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main([str(path), "--rule", "greedy"], stdout, stderr) == 2
    assert stderr.getvalue() == f"error: {path}:6: the PROJECTS header has no cost column\n"
    assert stdout.getvalue() == ""


def test_completion_is_for_mes_only():
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main([str(budapest()), "--rule", "greedy", "--completion", "add1"], stdout, stderr) == 2
    assert "MES only" in stderr.getvalue()
    with pytest.raises(ValueError, match="unknown rule"):
        solve(read_pabulib(budapest()), "lottery")


def test_money_is_a_number_when_whole_and_exact_text_otherwise():
    assert money(Fraction(12)) == 12
    assert money(Fraction(25, 2)) == "12.5"
    assert money(Fraction(1, 3)) == "1/3"


def test_progress_bar_appears_on_long_runs_only():
    stream = io.StringIO()
    with ProgressBar(stream, "mes", delay=0.05) as bar:
        bar(3, 12)
        time.sleep(0.2)
    assert "mes" in stream.getvalue()
    assert "3/12" in stream.getvalue()
    assert stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    with ProgressBar(quiet, "greedy", delay=5):
        pass
    assert quiet.getvalue() == ""
