"""The standalone sortition command: select a panel, or verify a published draw.

    python -m gemeinsam.sortition.algorithms.cli select --features F.csv --people P.csv \\
        --size N --algorithm {legacy,leximin,maximin} --seed S [--format {json,text}] \\
        [--id-column C] [--household-columns A B ...] [--draws D] [--publish DIR]
    python -m gemeinsam.sortition.algorithms.cli verify --features F.csv --people P.csv \\
        --size N --distribution DIR/distribution.json --seed S [--commitment HEX] ...

`gemeinsam sortition select|verify` calls `main` with the same arguments. `select` prints
`{"panel": [ids], "probabilities": {id: p}, "min_probability": x, "seconds": s, ...}`;
`seconds` is the algorithm's time without reading the files. With `--publish DIR` it also
writes what a draw publishes before the seed is known: `distribution.json` and
`commitment.txt` (SHA-256 over the inputs' hashes, the distribution and the algorithm
version). `verify` checks every panel of a published distribution against the quotas and
households, recomputes the commitment, and draws the panel for the seed again.

LEGACY draws its panel with a generator seeded from SHA-256 of the seed text; its
probabilities are an estimate from `--draws` repeated draws (`"estimated": true`).
"""

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import TextIO

from .checks import check_instance, conflicting_quotas
from .distribution import Distribution
from .distribution import inputs_bytes as distribution_inputs
from .instance import Instance
from .io import SortitionInputError, read_instance

ALGORITHMS = ("legacy", "leximin", "maximin")


def inputs_bytes(args: argparse.Namespace) -> bytes:
    """What the commitment fixes about the inputs: the files' hashes and the settings."""
    return distribution_inputs(
        Path(args.features).read_bytes(),
        Path(args.people).read_bytes(),
        args.size,
        args.id_column,
        args.household_columns,
    )


def seeded(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gemeinsam sortition", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("select", "compute the lottery over panels and draw one"),
        ("verify", "check a published distribution and draw its panel again"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--features", required=True, help="quotas: feature,value,min,max")
        command.add_argument("--people", required=True, help="volunteers, a column per feature")
        command.add_argument("--size", required=True, type=int, help="panel size")
        command.add_argument("--seed", required=True, help="the public random seed (any text)")
        command.add_argument("--id-column", default=None)
        command.add_argument("--household-columns", nargs="*", default=[])
        command.add_argument("--format", choices=("json", "text"), default="json")
    select = sub.choices["select"]
    select.add_argument("--algorithm", choices=ALGORITHMS, default="leximin")
    select.add_argument("--draws", type=int, default=1000, help="legacy: draws for estimates")
    select.add_argument("--publish", metavar="DIR", help="write distribution.json, commitment.txt")
    verify = sub.choices["verify"]
    verify.add_argument("--distribution", required=True, help="the published distribution.json")
    verify.add_argument("--commitment", help="the published commitment (hex) to compare")
    return parser


@contextlib.contextmanager
def _solver_output_to_stderr():
    """HiGHS prints a banner on file descriptor 1 when it first starts, whatever its
    options; the JSON on stdout must stay clean, so descriptor 1 points at stderr meanwhile."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real descriptor 1 (embedded use): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv=None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    out = io.StringIO()  # written to stdout once descriptor 1 is stdout again
    with _solver_output_to_stderr():
        code = _main(args, out, stderr)
    stdout.write(out.getvalue())
    return code


def _main(args, stdout: TextIO, stderr: TextIO) -> int:
    try:
        instance = read_instance(
            args.features,
            args.people,
            args.size,
            id_column=args.id_column,
            household_columns=args.household_columns,
        )
    except (OSError, SortitionInputError, ValueError) as error:
        stderr.write(f"error: {error}\n")
        return 2
    if args.command == "verify":
        return _verify(args, instance, stdout, stderr)
    problems = check_instance(instance)
    if not problems and args.algorithm != "legacy":
        conflict = conflicting_quotas(instance)
        if conflict:
            names = "; ".join(f"{q.feature} = {q.value} ({q.min} to {q.max})" for q in conflict)
            stderr.write(f"error: no panel meets these quotas together: {names}\n")
            return 1
    if problems:
        for problem in problems:
            stderr.write(f"error: {problem.message}\n")
        return 1
    return _select(args, instance, stdout, stderr)


def _select(args, instance: Instance, stdout: TextIO, stderr: TextIO) -> int:
    started = time.perf_counter()
    result: dict = {"algorithm": args.algorithm}
    if args.algorithm == "legacy":
        from .legacy import LegacyDrawError, legacy_panel, legacy_probabilities

        try:
            panel = sorted(legacy_panel(instance, seeded(args.seed)))
            estimate = legacy_probabilities(instance, args.draws, args.seed)
        except LegacyDrawError as error:
            stderr.write(f"error: {error}\n")
            return 1
        probabilities = estimate.probabilities
        result |= {"estimated": True, "draws": estimate.draws}
    else:
        from .leximin import leximin, maximin

        distribution = (leximin if args.algorithm == "leximin" else maximin)(instance)
        panel = list(distribution.draw(args.seed))
        probabilities = distribution.person_probabilities()
        result |= {"estimated": False, "panels_in_support": len(distribution.panels)}
        commitment = distribution.commitment(inputs_bytes(args))
        result["commitment"] = commitment
        if args.publish:
            folder = Path(args.publish)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "distribution.json").write_text(distribution.to_json(), encoding="utf-8")
            (folder / "commitment.txt").write_text(commitment + "\n", encoding="utf-8")
    seconds = time.perf_counter() - started
    values = list(probabilities.values())
    result = {
        "panel": panel,
        "probabilities": probabilities,
        "min_probability": min(values, default=0.0),
        "seconds": round(seconds, 3),
        **result,
    }
    _write(result, args.format, stdout)
    return 0


def _verify(args, instance: Instance, stdout: TextIO, stderr: TextIO) -> int:
    try:
        distribution = Distribution.from_json(Path(args.distribution).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as error:
        stderr.write(f"error: {args.distribution}: {error}\n")
        return 2
    problems = [
        f"panel {n}: {problem}"
        for n, panel in enumerate(distribution.panels, start=1)
        for problem in instance.panel_problems(panel)
    ]
    commitment = distribution.commitment(inputs_bytes(args))
    if args.commitment and args.commitment.strip().lower() != commitment:
        problems.append(
            f"the commitment of these files is {commitment}, not the published {args.commitment}"
        )
    for problem in problems:
        stderr.write(f"error: {problem}\n")
    result = {
        "panel": list(distribution.draw(args.seed)),
        "commitment": commitment,
        "valid": not problems,
        "min_probability": distribution.min_probability,
    }
    _write(result, args.format, stdout)
    return 0 if not problems else 1


def _write(result: dict, fmt: str, stdout: TextIO) -> None:
    if fmt == "json":
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    stdout.write(f"panel ({len(result['panel'])}): {', '.join(result['panel'])}\n")
    for key in ("min_probability", "seconds", "commitment", "valid"):
        if key in result:
            stdout.write(f"{key}: {result[key]}\n")


if __name__ == "__main__":
    sys.exit(main())
