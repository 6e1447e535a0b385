"""The draw's seed, fixed before the commitment and checkable afterwards: the value of an
announced public random event, or secrets of named witnesses revealed against their hashes.

Both end in one seed: SHA-256 (hex) over a label, the context the announcement fixed (the
run's commitment, and for a replacement who dropped out) and the revealed values, each
prefixed by its length in UTF-8 bytes (8 bytes, big-endian), in the announced order:

    seed = sha256(b"gemeinsam-seed/1" + lp(context) + lp(value_1) + ... + lp(value_n))

so that no value can be shifted into its neighbour and the same lottery numbers give
different seeds for different panels. A witness's hash is SHA-256 of the secret's UTF-8
bytes (`printf '%s' SECRET | sha256sum`).
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

SEED_LABEL = b"gemeinsam-seed/1"
MAX_VALUE_LENGTH = 500
HEX64 = re.compile(r"[0-9a-f]{64}")
NUMBER = re.compile(r"-?\d+")


class SeedProblem(ValueError):
    """A revealed value or an announcement that does not fit; `code` and `params` let the
    platform say it in the reader's language, `str()` says it in English."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message % params if params else message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class NumbersFormat:
    """`count` whole numbers from `low` to `high` (e.g. Lotto 6 aus 49: 6, 1, 49)."""

    count: int
    low: int
    high: int

    def describe(self) -> str:
        return f"{self.count} numbers from {self.low} to {self.high}"


@dataclass(frozen=True)
class PatternFormat:
    """A text matching a regular expression in full, after runs of spaces become one."""

    pattern: str

    def describe(self) -> str:
        return f"text matching the regular expression {self.pattern}"


def length_prefixed(text: str) -> bytes:
    data = text.encode("utf-8")
    return len(data).to_bytes(8, "big") + data


def derive_seed(context: str, values: Sequence[str]) -> str:
    """The seed from the announcement's context and the revealed values (module docstring)."""
    digest = hashlib.sha256(SEED_LABEL)
    for part in (context, *values):
        digest.update(length_prefixed(part))
    return digest.hexdigest()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_pattern(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        message = "not a regular expression: %(error)s"
        raise SeedProblem("pattern", message, error=str(error)) from None


def canonical_value(value: str, fmt: NumbersFormat | PatternFormat) -> str:
    """The revealed value in its one spelling, or SeedProblem if it does not fit the format.

    Numbers are sorted and written with single spaces, so that the order in which someone
    types them (drawing order or sorted) cannot change the seed."""
    text = " ".join(value.split())
    if not text:
        raise SeedProblem("empty", "no value was entered")
    if len(text) > MAX_VALUE_LENGTH:
        raise SeedProblem(
            "long", "the value is longer than %(max)s characters", max=MAX_VALUE_LENGTH
        )
    if isinstance(fmt, PatternFormat):
        if re.fullmatch(fmt.pattern, text) is None:
            raise SeedProblem(
                "pattern_mismatch",
                "“%(value)s” does not match %(pattern)s",
                value=text,
                pattern=fmt.pattern,
            )
        return text
    if re.fullmatch(r"[\s,;.\-0-9]*", value) is None:
        raise SeedProblem("not_numbers", "“%(value)s” is not a list of numbers", value=text)
    numbers = [int(n) for n in NUMBER.findall(value)]
    if len(numbers) != fmt.count:
        raise SeedProblem(
            "count", "%(found)s numbers instead of %(count)s", found=len(numbers), count=fmt.count
        )
    outside = [n for n in numbers if not fmt.low <= n <= fmt.high]
    if outside:
        raise SeedProblem(
            "range",
            "%(number)s is not between %(low)s and %(high)s",
            number=outside[0],
            low=fmt.low,
            high=fmt.high,
        )
    return " ".join(str(n) for n in sorted(numbers))


def check_witness_hashes(hashes: Sequence[str]) -> None:
    """At least two witnesses, each hash 64 hex digits, no two alike."""
    if len(hashes) < 2:
        raise SeedProblem("witnesses", "at least two witnesses are needed")
    for value in hashes:
        if HEX64.fullmatch(value) is None:
            raise SeedProblem("hash", "“%(hash)s” is not a SHA-256 in hex (64 digits)", hash=value)
    if len(set(hashes)) != len(hashes):
        raise SeedProblem("same_hash", "two witnesses gave the same hash")


def check_secrets(names: Sequence[str], hashes: Sequence[str], secrets: Sequence[str]) -> None:
    """Each revealed secret against its witness's published hash, in the announced order."""
    if len(secrets) != len(hashes):
        raise SeedProblem(
            "secret_count",
            "%(found)s secrets for %(count)s witnesses",
            found=len(secrets),
            count=len(hashes),
        )
    for name, expected, secret in zip(names, hashes, secrets, strict=True):
        if not secret:
            raise SeedProblem("secret_missing", "the secret of %(name)s is missing", name=name)
        if secret_hash(secret) != expected:
            raise SeedProblem(
                "secret_mismatch",
                "the secret of %(name)s does not match the published hash",
                name=name,
            )
