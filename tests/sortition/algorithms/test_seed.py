"""The seed derivation and the checks of a reveal (algorithms/seed.py), without Django."""

import hashlib

import pytest

from gemeinsam.sortition.algorithms.seed import (
    NumbersFormat,
    PatternFormat,
    SeedProblem,
    canonical_value,
    check_secrets,
    check_witness_hashes,
    derive_seed,
    secret_hash,
)


def test_the_seed_is_sha256_over_length_prefixed_parts():
    expected = hashlib.sha256(
        b"gemeinsam-seed/1"
        + (3).to_bytes(8, "big") + b"ctx"
        + (2).to_bytes(8, "big") + b"ab"
        + (1).to_bytes(8, "big") + b"c"
    ).hexdigest()  # fmt: skip
    assert derive_seed("ctx", ["ab", "c"]) == expected


def test_moving_text_between_values_changes_the_seed():
    assert derive_seed("ctx", ["ab", "c"]) != derive_seed("ctx", ["a", "bc"])
    assert derive_seed("ctx", ["a", "b"]) != derive_seed("ctx", ["b", "a"])
    assert derive_seed("panel-1", ["4 8"]) != derive_seed("panel-2", ["4 8"])


def test_numbers_have_one_spelling():
    lotto = NumbersFormat(6, 1, 49)
    for typed in ("42 23 16 15 8 4", "4, 8, 15, 16, 23, 42", " 4;8;15;16;23;42 "):
        assert canonical_value(typed, lotto) == "4 8 15 16 23 42"


@pytest.mark.parametrize(
    "typed, code",
    [("4 8 15", "count"), ("0 8 15 16 23 42", "range"), ("4 8 15 16 23 x", "not_numbers"),
     ("  ", "empty")],
)  # fmt: skip
def test_numbers_outside_the_format_are_refused(typed, code):
    with pytest.raises(SeedProblem) as problem:
        canonical_value(typed, NumbersFormat(6, 1, 49))
    assert problem.value.code == code


def test_a_pattern_must_match_the_whole_value_with_single_spaces():
    fmt = PatternFormat(r"[0-9]{3} [0-9]{3}")
    assert canonical_value(" 123   456 ", fmt) == "123 456"
    with pytest.raises(SeedProblem, match="does not match"):
        canonical_value("123 4567", fmt)


def test_secrets_are_checked_against_their_hashes_in_order():
    names, secrets = ["Anna", "Ben"], ["s-anna", "s-ben"]
    hashes = [secret_hash(s) for s in secrets]
    assert hashes[0] == hashlib.sha256(b"s-anna").hexdigest()
    check_secrets(names, hashes, secrets)
    with pytest.raises(SeedProblem, match="secret of Anna does not match"):
        check_secrets(names, hashes, list(reversed(secrets)))
    with pytest.raises(SeedProblem, match="1 secrets for 2 witnesses"):
        check_secrets(names, hashes, secrets[:1])


def test_witness_hashes_need_two_distinct_hex_digests():
    digest = secret_hash("x")
    with pytest.raises(SeedProblem, match="at least two"):
        check_witness_hashes([digest])
    with pytest.raises(SeedProblem, match="same hash"):
        check_witness_hashes([digest, digest])
    with pytest.raises(SeedProblem, match="not a SHA-256"):
        check_witness_hashes([digest, digest.upper()])
    check_witness_hashes([digest, secret_hash("y")])
