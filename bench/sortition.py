"""Panel distributions: our LEXIMIN and MAXIMIN (HiGHS) against sortition-algorithms 0.12.15's
MAXIMIN (its open-source HiGHS backend; its LEXIMIN needs Gurobi), in the same run.

    .venv/bin/python bench/sortition.py [--instances NAME ...] [--skip-reference]
        [--skip-maximin] [--berlin [--berlin-pool N] [--berlin-size K] [--seed S]]

For every shared instance (../shared/data/sortition, or GEMEINSAM_SHARED_DATA) prints the pool
n, panel size k, seconds and smallest selection probability of each algorithm, the ratio of
the reference's seconds to our LEXIMIN's (the issue's target: at least 3) and to our MAXIMIN's,
the number of panels in our LEXIMIN support, and whether every one of them meets the quotas
and the household rule. --berlin
adds a generated Berlin-like pool (12 districts, age band, gender, education, migration
background, employment, household type, citizenship: 8 categories; 10,000 volunteers, k=60),
the target being LEXIMIN in under five minutes. Paper (Gurobi): example_large_200 1,161.8 s.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gemeinsam.sortition.algorithms.instance import Instance  # noqa: E402
from gemeinsam.sortition.algorithms.io import read_instance  # noqa: E402
from gemeinsam.sortition.algorithms.leximin import leximin, maximin  # noqa: E402
from gemeinsam.sortition.algorithms.synthetic import berlin_instance  # noqa: E402

SHARED = {  # folder: quota table, pool, k, household columns
    "example_small_20": ("categories.csv", "respondents.csv", 20, ()),
    "sa_fixture_150_22": (
        "features.csv",
        "candidates.csv",
        22,
        ("primary_address1", "primary_zip"),
    ),
    "example_large_200": ("categories.csv", "respondents.csv", 200, ()),
}


def shared_instance(folder: str) -> Instance:
    data = Path(os.environ.get("GEMEINSAM_SHARED_DATA") or ROOT.parent / "shared" / "data")
    if not data.is_dir():
        data = Path("/work/shared/data")
    features, people, k, households = SHARED[folder]
    root = data / "sortition" / folder
    return read_instance(root / features, root / people, k, household_columns=households)


def reference_maximin(instance: Instance) -> float:
    """sortition-algorithms' MAXIMIN minimum probability (the tests' reference adapter)."""
    sys.path.insert(0, str(ROOT))
    from tests.sortition.reference import sa_maximin_min_probability

    return sa_maximin_min_probability(instance)


def timed(function, instance):
    start = time.perf_counter()
    result = function(instance)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", nargs="*", default=list(SHARED), choices=list(SHARED))
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-maximin", action="store_true", help="LEXIMIN (and reference) only")
    parser.add_argument("--berlin", action="store_true")
    parser.add_argument("--berlin-pool", type=int, default=10_000)
    parser.add_argument("--berlin-size", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    cases = [(name, lambda name=name: shared_instance(name)) for name in args.instances]
    if args.berlin:
        label = f"berlin_{args.berlin_pool}_{args.berlin_size}"
        cases.append(
            (label, lambda: berlin_instance(args.berlin_pool, args.berlin_size, args.seed))
        )
    print(
        f"{'instance':<22} {'n':>6} {'k':>4} {'leximin s':>10} {'maximin s':>10} "
        f"{'ref s':>9} {'leximin min':>12} {'maximin min':>12} {'ref min':>10} "
        f"{'ref/lex':>8} {'ref/max':>8} {'panels':>7} {'gini':>6} {'valid':>5}",
        flush=True,
    )
    for name, load in cases:
        instance = load()
        lex_s, lex = timed(leximin, instance)
        max_s, mx = timed(maximin, instance) if not args.skip_maximin else (float("nan"), None)
        max_min = f"{mx.min_probability:>12.6f}" if mx else f"{'-':>12}"
        # Every panel of the support meets the quotas and the household rule (not timed).
        valid = all(not instance.panel_problems(panel) for panel in lex.panels)
        if args.skip_reference:
            ref_s, ref_min, ratios = float("nan"), float("nan"), ("-", "-")
        else:
            ref_s, ref_min = timed(reference_maximin, instance)
            ratios = (f"{ref_s / lex_s:.1f}", f"{ref_s / max_s:.1f}")
        print(
            f"{name:<22} {len(instance.people):>6} {instance.size:>4} {lex_s:>10.2f} "
            f"{max_s:>10.2f} {ref_s:>9.2f} {lex.min_probability:>12.6f} "
            f"{max_min} {ref_min:>10.6f} {ratios[0]:>8} {ratios[1]:>8} "
            f"{len(lex.panels):>7} {lex.gini:>6.3f} {'yes' if valid else 'NO':>5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
