"""The BLUME import streams its files: peak memory does not grow with a file's length."""

import importlib.util
import os
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "blume_memory.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("blume_memory", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_importing_a_ten_times_longer_file_needs_about_the_same_memory():
    """20,000 and 200,000 hourly rows (60,000 and 600,000 observations), each imported into a
    fresh database by `gemeinsam sta import-luftdaten` in a child process of its own: read
    whole, the long file needed several times the short one's peak resident memory."""
    bench = load_bench()
    kind = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"

    peaks = bench.measure([20_000, 200_000], kind)

    assert peaks[200_000] < bench.FLAT * peaks[20_000], peaks
