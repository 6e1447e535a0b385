"""One entry point for all rules, and the standalone command that runs one on a `.pb` file.

    python -m gemeinsam.budgeting.rules.solve FILE.pb --rule {greedy,mes,phragmen} \\
        [--satisfaction {cost,cardinality,additive}] \\
        [--completion {none,greedy,add1,add1-greedy}] [--format {json,text}]

`gemeinsam pb solve` calls `main` with the same arguments. JSON output:
`{"selected": [ids in the order selected], "total_cost": ..., "budget": ..., "seconds": ...}`
where money is a JSON number when it is a whole number and otherwise a string holding the
exact value (`"12.5"`, `"1/3"`), so that nothing is rounded; `seconds` is the rule's
running time without reading the file.
"""

import argparse
import inspect
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TextIO

from .election import Election, Outcome
from .greedy import SATISFACTIONS, greedy_utilitarian
from .pabulib import PabulibError, format_number, read_pabulib
from .phragmen import sequential_phragmen

RULES = ("greedy", "mes", "phragmen")
COMPLETIONS = ("none", "greedy", "add1", "add1-greedy")

# progress(done, total): how far a long rule is, e.g. Add1 iterations; total may be None.
ProgressCallback = Callable[[int, int | None], None]


def solve(
    election: Election,
    rule: str,
    satisfaction: str = "cost",
    completion: str = "none",
    progress: ProgressCallback | None = None,
) -> Outcome:
    """Run `rule` on the election. Completions apply to MES only; Phragmén ignores
    `satisfaction` (its loads are money, not satisfaction)."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}: expected one of {', '.join(RULES)}")
    if satisfaction not in SATISFACTIONS:
        raise ValueError(f"unknown satisfaction {satisfaction!r}")
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}")
    if rule != "mes" and completion != "none":
        raise ValueError(f"completion {completion!r} applies to MES only, not to {rule}")
    if rule == "greedy":
        return greedy_utilitarian(election, satisfaction)
    if rule == "phragmen":
        return sequential_phragmen(election)
    # Imported here: MES lives in its own module and is the only rule with a long run.
    from .mes import equal_shares

    options = {"satisfaction": satisfaction, "completion": completion}
    if progress is not None and "progress" in inspect.signature(equal_shares).parameters:
        options["progress"] = progress
    return equal_shares(election, **options)


def money(value: Fraction | int) -> int | str:
    """A JSON value for an exact amount: an integer, or the exact text of a fraction."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else format_number(value)


class ProgressBar:
    """A plain-text progress line on stderr, shown only once a run has taken a second.

    Rules that report progress get a bar (`[#####.....] 512/1024`); others a running clock.
    """

    def __init__(self, stream: TextIO, label: str, delay: float = 1.0) -> None:
        self.stream = stream
        self.label = label
        self.delay = delay
        self.started = time.perf_counter()
        self.done: int | None = None
        self.total: int | None = None
        self.shown = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> "ProgressBar":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        text = f"{self.label} {elapsed:6.1f} s"
        if self.done is not None and self.total:
            filled = min(30, 30 * self.done // self.total)
            text += f" [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
        elif self.done is not None:
            text += f" {self.done} steps"
        return text

    def _tick(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            self.shown = True
            self.stream.write("\r" + self.line())
            self.stream.flush()
            if self._stop.wait(0.5):
                return


def run(election: Election, rule: str, **options) -> dict:
    """Solve and time the election (`options` as for `solve`); the result as the command
    prints it in JSON."""
    started = time.perf_counter()
    outcome = solve(election, rule, **options)
    seconds = time.perf_counter() - started
    return {
        "selected": [str(project_id) for project_id in outcome.selected],
        "total_cost": money(outcome.total_cost),
        "budget": money(outcome.budget),
        "seconds": round(seconds, 4),
    }


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="gemeinsam pb solve",
        description="Compute the outcome of a participatory-budgeting rule on a Pabulib file.",
    )
    command.add_argument("file", help="a Pabulib .pb file")
    command.add_argument("--rule", choices=RULES, required=True)
    command.add_argument("--satisfaction", choices=SATISFACTIONS, default="cost")
    command.add_argument("--completion", choices=COMPLETIONS, default="none")
    command.add_argument("--format", choices=("json", "text"), default="json")
    command.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    return command


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The command; returns the exit status (2: bad arguments or malformed file)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = parser().parse_args(argv)
    try:
        election = read_pabulib(args.file)
    except (OSError, PabulibError) as error:
        stderr.write(f"error: {error}\n")
        return 2
    label = f"{args.rule} ({args.satisfaction}, completion {args.completion})"
    try:
        options = {"satisfaction": args.satisfaction, "completion": args.completion}
        if args.no_progress:
            result = run(election, args.rule, **options)
        else:
            with ProgressBar(stderr, label) as bar:
                result = run(election, args.rule, **options, progress=bar)
    except (ValueError, ImportError) as error:
        stderr.write(f"error: {error}\n")
        return 2
    if args.format == "json":
        stdout.write(json.dumps(result) + "\n")
    else:
        stdout.write(
            f"{label}: {len(result['selected'])} projects, total cost {result['total_cost']}"
            f" of {result['budget']}, {result['seconds']} s\n"
        )
        stdout.writelines(f"{project_id}\n" for project_id in result["selected"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
