"""`gemeinsam sortition select|verify` on the shared instances and on broken inputs."""

import io
import json
import subprocess
import sys

from gemeinsam.sortition.algorithms import cli

from ...conftest import shared_data


def run(*argv: str) -> tuple[int, dict | None, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    text = out.getvalue()
    return code, json.loads(text) if text.strip().startswith("{") else None, err.getvalue()


def small(*extra: str) -> list[str]:
    folder = shared_data() / "sortition" / "example_small_20"
    return [
        "--features",
        str(folder / "categories.csv"),
        "--people",
        str(folder / "respondents.csv"),
        "--size",
        "20",
        *extra,
    ]


def test_select_prints_panel_probabilities_and_minimum(tmp_path):
    code, result, _ = run("select", *small("--seed", "7 13 42", "--publish", str(tmp_path)))
    assert code == 0
    assert len(result["panel"]) == 20 and len(set(result["panel"])) == 20
    probabilities = result["probabilities"]
    assert len(probabilities) == 200 and abs(sum(probabilities.values()) - 20) < 1e-6
    assert result["min_probability"] == min(probabilities.values())
    assert result["estimated"] is False and result["seconds"] >= 0
    assert (tmp_path / "commitment.txt").read_text().strip() == result["commitment"]


def test_the_same_seed_gives_the_same_panel_and_verify_repeats_it(tmp_path):
    _, first, _ = run("select", *small("--seed", "urn: 5 31 2", "--publish", str(tmp_path)))
    _, again, _ = run("select", *small("--seed", "urn: 5 31 2"))
    assert first["panel"] == again["panel"]
    commitment = first["commitment"]
    distribution = str(tmp_path / "distribution.json")
    code, verified, err = run(
        "verify", *small("--seed", "urn: 5 31 2", "--distribution", distribution,
                         "--commitment", commitment)
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert verified["valid"] and verified["panel"] == first["panel"]


def test_verify_refuses_a_changed_distribution_or_commitment(tmp_path):
    _, first, _ = run("select", *small("--seed", "1", "--publish", str(tmp_path)))
    path = tmp_path / "distribution.json"
    data = json.loads(path.read_text())
    data["panels"][0]["members"][0] = data["panels"][0]["members"][1]  # a duplicate member
    path.write_text(json.dumps(data))
    code, verified, err = run(
        "verify", *small("--seed", "1", "--distribution", str(path),
                         "--commitment", first["commitment"])
    )  # fmt: skip
    assert code == 1 and not verified["valid"]
    assert "commitment" in err and "panel 1" in err


def test_legacy_says_its_probabilities_are_estimates():
    code, result, _ = run(
        "select", *small("--seed", "3", "--algorithm", "legacy", "--draws", "200")
    )
    assert code == 0 and result["estimated"] is True and result["draws"] == 200
    assert abs(sum(result["probabilities"].values()) - 20) < 1e-6


def test_conflicting_quotas_are_named_before_solving(tmp_path):
    features = tmp_path / "features.csv"
    # Each feature alone is fine; together they need 5 "a" (all "y") and 5 "x" among 6.
    features.write_text("feature,value,min,max\ng,a,5,6\ng,b,0,6\nh,x,5,6\nh,y,0,6\n")
    people = tmp_path / "people.csv"
    people.write_text("id,g,h\n" + "".join(f"{n},{'ab'[n % 2]},{'yx'[n % 2]}\n" for n in range(30)))
    code, result, err = run(
        "select", "--features", str(features), "--people", str(people), "--size", "6",
        "--seed", "1",
    )  # fmt: skip
    assert code == 1 and result is None
    assert "g = a (5 to 6)" in err and "h = x (5 to 6)" in err


def test_a_bad_file_is_reported_with_its_line(tmp_path):
    features = tmp_path / "features.csv"
    features.write_text("feature,value,min,max\ng,a,1,5\ng,b,1,5\n")
    people = tmp_path / "people.csv"
    people.write_text("id,g\n1,a\n2,c\n")
    code, _, err = run(
        "select", "--features", str(features), "--people", str(people), "--size", "2",
        "--seed", "1",
    )  # fmt: skip
    assert code == 2
    assert "people.csv, line 3" in err and "'c'" in err


def test_the_installed_command_keeps_stdout_clean_of_solver_banners():
    folder = shared_data() / "sortition" / "example_small_20"
    completed = subprocess.run(
        [sys.executable, "-m", "gemeinsam.sortition.algorithms.cli", "select",
         "--features", str(folder / "categories.csv"), "--people",
         str(folder / "respondents.csv"), "--size", "20", "--seed", "x"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(completed.stdout)["panel"]
