"""Participatory-budgeting rules: ours against pabutools 1.2.3, in the same run, on real elections.

    .venv/bin/python bench/pb.py [--files SUBSTRING ...] [--rules RULE ...]
        [--skip-reference-over SECONDS] [--reference-json FILE] [--json OUT]

For every shared Pabulib election (../shared/data/pabulib, or GEMEINSAM_SHARED_DATA) and
rule, prints voters, projects, the seconds our rule takes, the seconds pabutools takes, the
speed-up and whether the winners agree (as sets; "order" when only the order differs). A
first row per election compares reading the file. Seconds are the rule alone, each side
from its own already-parsed election, on one core.

Rules: greedy (cost satisfaction), mes, mes+greedy, mes+add1-greedy, phragmen (default),
and greedy-cardinality, mes+add1 on request. MES uses cost satisfaction on approval
elections and additive (points) on cumulative ones; Phragmén needs approval ballots.

pabutools' Add1 runs take from under a minute (Częstochowa) to 15-30 minutes (Łódź,
Budapest, where its own loop also runs out of memory). With --skip-reference-over S
(default 120), a case whose recorded pabutools time in bench/pabutools_reference.json
(written by scripts/pabutools_reference.py) exceeds S is not run again: its recorded time
and winners are used, marked "rec". An Add1 case without a record is "skipped"; other
cases without a record run live. `--skip-reference-over inf` runs everything live.
"""

import argparse
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
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gemeinsam.budgeting.rules import BallotKind, read_pabulib  # noqa: E402
from gemeinsam.budgeting.rules.solve import solve  # noqa: E402

SAT_CLASSES = {"cost": Cost_Sat, "cardinality": Cardinality_Sat, "additive": Additive_Cardinal_Sat}
# bench rule → (rule, satisfaction or None for "by ballot kind", completion)
RULES = {
    "greedy": ("greedy", "cost", "none"),
    "greedy-cardinality": ("greedy", "cardinality", "none"),
    "mes": ("mes", None, "none"),
    "mes+greedy": ("mes", None, "greedy"),
    "mes+add1": ("mes", None, "add1"),
    "mes+add1-greedy": ("mes", None, "add1-greedy"),
    "phragmen": ("phragmen", "-", "none"),
}
DEFAULT_RULES = ["greedy", "mes", "mes+greedy", "mes+add1-greedy", "phragmen"]


def shared_pabulib() -> Path:
    for candidate in (
        os.environ.get("GEMEINSAM_SHARED_DATA", ""),
        ROOT.parent / "shared" / "data",
        "/work/shared/data",
    ):
        if candidate and (Path(candidate) / "pabulib").is_dir():
            return Path(candidate) / "pabulib"
    sys.exit("shared data not found: set GEMEINSAM_SHARED_DATA to the shared/data folder")


def reference_key(election: str, rule: str, satisfaction: str, completion: str) -> str:
    """The key scripts/pabutools_reference.py records a case under."""
    if rule != "mes":
        completion = "-"
    return f"{election}|{rule}|{satisfaction}|{completion}"


def run_pabutools(instance, profile, rule: str, satisfaction: str, completion: str) -> list[str]:
    """pabutools' outcome, called as scripts/pabutools_reference.py documents it."""
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=SAT_CLASSES[satisfaction])
    elif rule == "phragmen":
        outcome = sequential_phragmen(instance, profile)
    else:
        sat = {"sat_class": SAT_CLASSES[satisfaction]}
        mes = {**sat, "voter_budget_increment": 1} if completion.startswith("add1") else sat
        if completion in ("none", "add1"):
            outcome = method_of_equal_shares(instance, profile, **mes)
        else:
            outcome = completion_by_rule_combination(
                instance,
                profile,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [mes, sat],
            )
    return [p.name for p in outcome]


def agreement(ours: list[str] | None, theirs: list[str] | None, rule: str) -> str:
    if ours is None or theirs is None:
        return "n/a"
    if rule == "phragmen":  # pabutools returns Phragmén's outcome sorted by id
        ours, theirs = sorted(ours), sorted(theirs)
    if ours == theirs:
        return "yes"
    return "order" if sorted(ours) == sorted(theirs) else "NO"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", default=[], help="only files containing these")
    parser.add_argument("--rules", nargs="*", choices=list(RULES), default=DEFAULT_RULES)
    parser.add_argument(
        "--skip-reference-over",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="use recorded pabutools results for cases slower than this (default 120; inf: "
        "run everything live)",
    )
    parser.add_argument(
        "--reference-json", type=Path, default=ROOT / "bench" / "pabutools_reference.json"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()

    recorded = {}
    if args.reference_json.exists():
        recorded = json.loads(args.reference_json.read_text()).get("cases", {})
    paths = sorted(shared_pabulib().glob("*.pb"), key=lambda path: path.stat().st_size)
    if args.files:
        paths = [path for path in paths if any(part in path.name for part in args.files)]

    header = ("election", "rule", "sat", "voters", "projects", "ours s", "pabutools s",
              "speed-up", "agree")  # fmt: skip
    widths = (32, 16, 11, 7, 8, 9, 13, 9, 6)
    row_format = "  ".join(f"{{:<{w}}}" for w in widths)
    print(row_format.format(*header))
    rows = []

    def emit(*cells) -> None:
        print(row_format.format(*cells), flush=True)
        rows.append(dict(zip(header, cells, strict=True)))

    for path in paths:
        name = path.stem
        started = time.perf_counter()
        election = read_pabulib(path)
        ours_read = time.perf_counter() - started
        started = time.perf_counter()
        instance, profile = parse_pabulib(str(path))
        theirs_read = time.perf_counter() - started
        voters, projects = len(election.ballots), len(election.projects)
        emit(name[:32], "read .pb", "-", voters, projects, seconds(ours_read),
             seconds(theirs_read), f"{theirs_read / ours_read:.0f}x", "-")  # fmt: skip

        for bench_rule in args.rules:
            rule, satisfaction, completion = RULES[bench_rule]
            if rule == "phragmen" and election.kind != BallotKind.APPROVAL:
                continue
            if satisfaction is None:
                cumulative = election.kind == BallotKind.CUMULATIVE
                satisfaction = "additive" if cumulative else "cost"
            ours_rule_satisfaction = "cost" if satisfaction == "-" else satisfaction

            try:
                started = time.perf_counter()
                outcome = solve(election, rule, ours_rule_satisfaction, completion)
                ours_seconds = time.perf_counter() - started
                ours_selected = outcome.selected
            except ImportError:  # MES not written yet
                ours_seconds, ours_selected = None, None

            key = reference_key(name, rule, satisfaction, completion)
            record = recorded.get(key, {})
            threshold = args.skip_reference_over
            if record.get("seconds") is not None and record["seconds"] > threshold:
                theirs_seconds, theirs_selected = record["seconds"], record["selected"]
                theirs_text = f"{record['seconds']:.1f} rec"
            elif completion.startswith("add1") and threshold != float("inf"):
                theirs_seconds, theirs_selected, theirs_text = None, None, "skipped"
            else:
                started = time.perf_counter()
                theirs_selected = run_pabutools(instance, profile, rule, satisfaction, completion)
                theirs_seconds = time.perf_counter() - started
                theirs_text = seconds(theirs_seconds)
            speed_up = (
                f"{theirs_seconds / ours_seconds:.0f}x"
                if ours_seconds and theirs_seconds is not None
                else "n/a"
            )
            agree = agreement(ours_selected, theirs_selected, rule)
            emit(name[:32], bench_rule, satisfaction, voters, projects, seconds(ours_seconds),
                 theirs_text, speed_up, agree)  # fmt: skip

    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if all(row["agree"] in ("yes", "order", "n/a", "-") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
