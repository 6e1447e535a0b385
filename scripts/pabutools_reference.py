"""Record pabutools' outcomes on the shared Pabulib elections, as the oracle for our rules.

Runs pabutools (a test dependency, never imported by src/) for every shared election and
rule variant and writes `bench/pabutools_reference.json` after each case, cheapest first:

    nice -n 10 /work/venv/bin/python scripts/pabutools_reference.py [--data DIR] [--out FILE]
        [--only SUBSTRING ...] [--force]

Cases already recorded with the installed pabutools version are kept (the Add1 runs take
tens of minutes each), so an interrupted run resumes where it stopped; `--force` recomputes.

Keys are "election|rule|satisfaction|completion" (rule greedy/mes/phragmen; satisfaction
cost/cardinality/additive, "-" for Phragmén; completion none/greedy/add1/add1-greedy, "-"
for greedy and Phragmén); values hold the selected project ids in pabutools' order, the
total cost, the seconds, and for Add1 the per-voter budget increments pabutools needed.

How each variant calls pabutools 1.2.3 (all with its default lexicographic tie-breaking):

- greedy: `greedy_utilitarian_welfare(instance, profile, sat_class=...)`.
- mes, completion none: `method_of_equal_shares(instance, profile, sat_class=...)`.
- mes, greedy: `completion_by_rule_combination(instance, profile, [method_of_equal_shares,
  greedy_utilitarian_welfare], [{"sat_class": S}, {"sat_class": S}])`.
- mes, add1: `method_of_equal_shares(..., voter_budget_increment=1)`. Its voters cache
  budget/satisfaction per (project, budget) for ever, which exhausts memory over Budapest's
  153,145 iterations; the script replaces that cache by the same computation uncached
  (`_uncached_budget_over_sat`), which changes no comparison.
- mes, add1-greedy: `completion_by_rule_combination` with the Add1 rule first and greedy
  second, where the first rule returns the Add1 outcome just recorded (the same call
  pabutools would make, not repeated), so the seconds are Add1's plus the greedy step's.
- phragmen: `sequential_phragmen(instance, profile)` (approval elections).
"""

import argparse
import importlib.metadata
import json
import os
import sys
import time
from pathlib import Path

from pabutools.election import (
    Additive_Cardinal_Sat,
    Cardinality_Sat,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.election.instance import total_cost
from pabutools.fractions import frac
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)
from pabutools.rules.mes import mes_rule

ROOT = Path(__file__).resolve().parents[1]
SAT_CLASSES = {"cost": Cost_Sat, "cardinality": Cardinality_Sat, "additive": Additive_Cardinal_Sat}
COMPLETIONS = ["none", "greedy", "add1", "add1-greedy"]


def _uncached_budget_over_sat(self, proj):
    return frac(self.budget, self.sat.sat_project(proj))


mes_rule.MESVoter.budget_over_sat_project = _uncached_budget_over_sat


def default_data_dir() -> Path:
    for candidate in (
        os.environ.get("GEMEINSAM_SHARED_DATA", ""),
        ROOT.parent / "shared" / "data",
        "/work/shared/data",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    sys.exit("shared data not found: set GEMEINSAM_SHARED_DATA")


def case_key(election: str, rule: str, satisfaction: str, completion: str) -> str:
    return f"{election}|{rule}|{satisfaction}|{completion}"


def satisfactions(vote_type: str, rule: str) -> list[str]:
    if vote_type == "cumulative":
        return ["additive"] if rule == "mes" else ["cost", "cardinality", "additive"]
    return ["cost", "cardinality"]


def plan(files: list[Path]) -> list[tuple[Path, str, str, str]]:
    """All cases, cheap ones (everything but Add1) first, then Add1 by file size."""
    cheap, add1 = [], []
    for path in sorted(files, key=lambda p: p.stat().st_size):
        vote_type = _vote_type(path)
        for sat in satisfactions(vote_type, "greedy"):
            cheap.append((path, "greedy", sat, "-"))
        for sat in satisfactions(vote_type, "mes"):
            for completion in COMPLETIONS:
                target = add1 if completion.startswith("add1") else cheap
                target.append((path, "mes", sat, completion))
        if vote_type == "approval":
            cheap.append((path, "phragmen", "-", "-"))
    # Budapest's Add1 (153,145 iterations, ~30 min) last: the larger files finish sooner.
    add1.sort(key=lambda case: ("Budapest" in case[0].name, case[0].stat().st_size))
    return cheap + add1


def _vote_type(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("vote_type;"):
                return line.strip().split(";")[1]
    return "approval"


class Add1Counter:
    """Counts the MES runs of the Add1 loop (one per per-voter budget tried)."""

    def __init__(self) -> None:
        self.runs = 0
        self._inner = mes_rule.mes_inner_algo

    def __enter__(self):
        def counting(*args, **kwargs):
            if len(args[5]) == 0:  # the top-level call of one MES run
                self.runs += 1
            return self._inner(*args, **kwargs)

        mes_rule.mes_inner_algo = counting
        return self

    def __exit__(self, *exc) -> None:
        mes_rule.mes_inner_algo = self._inner


def run_case(instance, profile, rule, sat, completion, recorded):
    extra = {}
    start = time.perf_counter()
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=SAT_CLASSES[sat])
    elif rule == "phragmen":
        outcome = sequential_phragmen(instance, profile)
    elif completion == "none":
        outcome = method_of_equal_shares(instance, profile, sat_class=SAT_CLASSES[sat])
    elif completion == "greedy":
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": SAT_CLASSES[sat]}, {"sat_class": SAT_CLASSES[sat]}],
        )
    elif completion == "add1":
        with Add1Counter() as counter:
            outcome = method_of_equal_shares(
                instance, profile, sat_class=SAT_CLASSES[sat], voter_budget_increment=1
            )
        extra["mes_runs"] = counter.runs
    else:  # add1-greedy: reuse the recorded Add1 outcome as the first rule's result
        add1 = recorded[completion_key(instance, sat)]
        by_name = {p.name: p for p in instance}

        def recorded_add1(instance, profile, initial_budget_allocation=None, **kwargs):
            from pabutools.rules import BudgetAllocation

            return BudgetAllocation([by_name[name] for name in add1["selected"]])

        outcome = completion_by_rule_combination(
            instance,
            profile,
            [recorded_add1, greedy_utilitarian_welfare],
            [{}, {"sat_class": SAT_CLASSES[sat]}],
        )
        extra["add1_seconds"] = add1["seconds"]
    seconds = time.perf_counter() - start + extra.get("add1_seconds", 0.0)
    return {
        "selected": [p.name for p in outcome],
        "total_cost": str(total_cost(outcome)),
        "budget": str(instance.budget_limit),
        "seconds": round(seconds, 3),
        **extra,
    }


def completion_key(instance, sat: str) -> str:
    return case_key(instance.meta["_election"], "mes", sat, "add1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "pabutools_reference.json")
    parser.add_argument("--only", nargs="*", default=[], help="run cases whose key has these")
    parser.add_argument("--force", action="store_true", help="recompute recorded cases")
    args = parser.parse_args()
    data = (args.data or default_data_dir()) / "pabulib"
    version = importlib.metadata.version("pabutools")

    document = {"pabutools_version": version, "cases": {}}
    if args.out.exists():
        previous = json.loads(args.out.read_text())
        if previous.get("pabutools_version") == version:
            document = previous
    cases = document["cases"]

    parsed = {}
    for path, rule, sat, completion in plan(list(data.glob("*.pb"))):
        key = case_key(path.stem, rule, sat, completion)
        if args.only and not any(part in key for part in args.only):
            continue
        if key in cases and not args.force:
            continue
        if path not in parsed:
            instance, profile = parse_pabulib(str(path))
            instance.meta["_election"] = path.stem
            parsed = {path: (instance, profile)}  # keep one election in memory
        instance, profile = parsed[path]
        print(f"{key} ...", end=" ", flush=True)
        try:
            cases[key] = run_case(instance, profile, rule, sat, completion, cases)
        except Exception as error:  # recorded so the test fails with the reason
            cases[key] = {"error": f"{type(error).__name__}: {error}"}
        print(cases[key].get("seconds", cases[key].get("error")), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
        tmp.replace(args.out)


if __name__ == "__main__":
    main()
