"""`gemeinsam sortition` as installed: the platform's command hands over to the algorithms."""

import json

from ..conftest import shared_data
from ..test_cli import gemeinsam


def test_gemeinsam_sortition_select_prints_json_only(tmp_path):
    folder = shared_data() / "sortition" / "sa_fixture_150_22"
    completed = gemeinsam(
        "sortition", "select", "--features", str(folder / "features.csv"),
        "--people", str(folder / "candidates.csv"), "--size", "22", "--seed", "Urne 2026",
        "--household-columns", "primary_address1", "primary_zip", "--algorithm", "maximin",
        data_dir=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert len(result["panel"]) == 22
    assert abs(result["min_probability"] - 2 / 22) < 1e-4  # 0.0909: the known optimum


def test_gemeinsam_help_lists_sortition(tmp_path):
    completed = gemeinsam("--help", data_dir=tmp_path)
    assert "sortition" in completed.stdout and "pb" in completed.stdout
