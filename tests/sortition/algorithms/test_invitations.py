"""Invitations from the address register: the allocation against brute force, the seeded
stratified draw, the register's errors by line and column, and the letter-merge CSV."""

import csv
import hashlib
import io
import itertools
import os
import random
import subprocess
import sys
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemeinsam.sortition.algorithms.invitations import (
    Address,
    allocate,
    draw_invitations,
    invitation_csv,
    read_register,
)
from gemeinsam.sortition.algorithms.io import SortitionInputError

from ...conftest import shared_data

FIXTURE = shared_data() / "sortition" / "sa_fixture_150_22" / "candidates.csv"
FIXTURE_COLUMNS = {
    "id_column": "nationbuilder_id",
    "address_column": "primary_address1",
    "stratum_column": "geo_bucket",
}


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def register(sizes: dict[str, int]) -> list[Address]:
    return [
        Address(f"{stratum}-{i}", f"Straße {i}, {stratum}", stratum)
        for stratum, size in sizes.items()
        for i in range(size)
    ]


def hash_order(seed: str, person: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\x00{person}".encode()).digest(), "big")


def squared_distance(allocation: dict[str, int], shares: dict[str, Fraction]) -> Fraction:
    return sum((allocation[s] - shares[s]) ** 2 for s in shares)


def nearest_allocations(sizes: dict[str, int], n: int, shares: dict[str, Fraction]):
    """Every allocation within the sizes summing to n, and the least squared distance to
    the exact shares among them (brute force)."""
    strata = list(sizes)
    vectors = [
        dict(zip(strata, counts, strict=True))
        for counts in itertools.product(*(range(sizes[s] + 1) for s in strata))
        if sum(counts) == n
    ]
    return min(squared_distance(v, shares) for v in vectors)


def test_allocation_is_the_nearest_to_the_exact_shares_on_small_random_cases():
    rng = random.Random(7)
    for _ in range(400):
        sizes = {f"s{i}": rng.randint(0, 6) for i in range(rng.randint(1, 4))}
        total = sum(sizes.values())
        n = rng.randint(0, total)
        result = allocate(sizes, n)
        assert sum(result.values()) == n
        if total == 0:
            assert result == dict.fromkeys(sizes, 0)
            continue
        shares = {s: Fraction(n * size, total) for s, size in sizes.items()}
        assert squared_distance(result, shares) == nearest_allocations(sizes, n, shares)
        for stratum, share in shares.items():
            assert abs(result[stratum] - share) < 1
            assert result[stratum] <= sizes[stratum]


@given(st.lists(st.integers(0, 500), min_size=1, max_size=12), st.data())
def test_allocation_sums_to_n_and_rounds_each_share_down_or_up(sizes_list, data):
    sizes = {f"bezirk {i:02d}": size for i, size in enumerate(sizes_list)}
    total = sum(sizes_list)
    n = data.draw(st.integers(0, total))
    result = allocate(sizes, n)
    assert sum(result.values()) == n
    for stratum, size in sizes.items():
        share = Fraction(n * size, total) if total else Fraction(0)
        assert share - 1 < result[stratum] < share + 1
        assert 0 <= result[stratum] <= size


def test_equal_remainders_go_to_the_stratum_whose_name_sorts_first():
    assert allocate({"Spandau": 3, "Mitte": 3, "Pankow": 3}, 2) == {
        "Spandau": 0,
        "Mitte": 1,
        "Pankow": 1,
    }


def water_filled(sizes: dict[str, int], weights: dict[str, int], n: int) -> dict[str, Fraction]:
    """The divisible allocation min(size, λ · weight) summing to n, λ found by trying each
    set of full strata (those whose size / weight is smallest) in turn."""
    strata = sorted((s for s in sizes if weights[s] > 0), key=lambda s: sizes[s] / weights[s])
    for cut in range(len(strata) + 1):
        full, rest = strata[:cut], strata[cut:]
        if not rest:
            return {s: Fraction(sizes[s]) if s in full else Fraction(0) for s in sizes}
        rate = Fraction(n - sum(sizes[s] for s in full), sum(weights[s] for s in rest))
        if all(sizes[s] <= rate * weights[s] for s in full) and all(
            rate * weights[s] <= sizes[s] for s in rest
        ):
            return {s: min(Fraction(sizes[s]), rate * weights[s]) for s in sizes}
    raise AssertionError("some set of full strata is consistent")


def test_weighted_allocation_is_the_nearest_to_the_capped_shares_on_small_random_cases():
    rng = random.Random(11)
    for _ in range(400):
        strata = [f"s{i}" for i in range(rng.randint(1, 4))]
        sizes = {s: rng.randint(0, 6) for s in strata}
        weights = {s: rng.choice([0, 1, 2, 3, 5, 10]) for s in strata}
        available = sum(sizes[s] for s in strata if weights[s])
        n = rng.randint(0, available)
        result = allocate(sizes, n, weights=weights)
        assert sum(result.values()) == n
        assert all(0 <= result[s] <= sizes[s] for s in strata)
        assert all(result[s] == 0 for s in strata if not weights[s])
        shares = water_filled(sizes, weights, n)
        caps = {s: sizes[s] if weights[s] else 0 for s in strata}
        assert squared_distance(result, shares) == nearest_allocations(caps, n, shares)
        for stratum in strata:
            assert abs(result[stratum] - shares[stratum]) < 1


def test_weights_move_seats_to_a_stratum_until_it_is_exhausted():
    result = allocate({"a": 10, "b": 10, "c": 2}, 8, weights={"a": 1, "b": 1, "c": 6})
    assert result == {"a": 3, "b": 3, "c": 2}


@pytest.mark.parametrize(
    ("sizes", "n", "weights", "message"),
    [
        ({"a": 2, "b": 3}, 6, None, "6 invitations asked for, but only 5"),
        ({"a": 2}, -1, None, "must not be negative"),
        ({"a": 2, "b": 3}, 3, {"a": 1, "b": 0}, "only 2 addresses available"),
        ({"a": 2, "b": 3}, 3, {"a": 1}, "no weight for stratum b"),
    ],
)
def test_impossible_allocations_raise(sizes, n, weights, message):
    with pytest.raises(ValueError, match=message):
        allocate(sizes, n, weights=weights)


def test_draw_takes_each_strata_share_first_in_the_seeds_hash_order():
    addresses = register({"Mitte": 40, "Pankow": 25, "Spandau": 7, "Marzahn": 0})
    drawn = draw_invitations(addresses, 18, "Ziehung 2025-03-01")
    expected = allocate(Counter(a.stratum for a in addresses), 18)
    assert Counter(a.stratum for a in drawn) == +Counter(expected)
    assert len({a.id for a in drawn}) == 18
    strata = [a.stratum for a in drawn]
    assert strata == sorted(strata)
    for stratum, seats in expected.items():
        members = [a for a in addresses if a.stratum == stratum]
        first = sorted(members, key=lambda a: hash_order("Ziehung 2025-03-01", a.id))[:seats]
        assert [a for a in drawn if a.stratum == stratum] == first


def test_the_same_seed_repeats_the_draw_and_another_seed_changes_it():
    addresses = register({"Mitte": 120, "Pankow": 80})
    first = draw_invitations(addresses, 20, "seed one")
    assert draw_invitations(list(reversed(addresses)), 20, "seed one") == first
    assert {a.id for a in draw_invitations(addresses, 20, "seed two")} != {a.id for a in first}


def test_the_draw_does_not_depend_on_python_hash_randomisation():
    script = (
        "from gemeinsam.sortition.algorithms.invitations import Address, draw_invitations\n"
        "people = [Address(f'p{i}', 'x', 'ab'[i % 2]) for i in range(60)]\n"
        "print(','.join(a.id for a in draw_invitations(people, 9, 'Berlin')))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in (0, 1, 12345)
    }
    assert len(outputs) == 1


def test_every_address_of_a_stratum_is_invited_about_equally_often():
    addresses = register({"a": 12, "b": 6})  # 4 of a (1/3) and 2 of b (1/3) per draw
    draws = 3000
    counts = Counter(a.id for i in range(draws) for a in draw_invitations(addresses, 6, str(i)))
    expected, deviation = draws / 3, (draws * (1 / 3) * (2 / 3)) ** 0.5
    for address in addresses:
        assert abs(counts[address.id] - expected) < 5 * deviation, address.id


def test_the_shared_pool_as_a_register_gives_a_stratified_draw():
    addresses = read_register(FIXTURE, **FIXTURE_COLUMNS)
    assert len(addresses) == 150
    assert addresses[0].id == "p0"
    assert addresses[0].extra["Gender"] == "Male"
    drawn = draw_invitations(addresses, 30, "fixture")
    sizes = Counter(a.stratum for a in addresses)
    assert Counter(a.stratum for a in drawn) == +Counter(allocate(sizes, 30))


def test_register_with_bom_semicolons_and_padding_is_read(tmp_path):
    path = write(
        tmp_path / "melderegister.csv",
        "\ufeff ID ; Address ;district;Altersgruppe\r\n"
        ' 1 ;"Karl-Marx-Allee 1; 10243 Berlin" ; Friedrichshain-Kreuzberg ; 16-29\r\n'
        "\r\n"
        "2;Turmstraße 2, 10559 Berlin;Mitte;30-44",
    )
    assert read_register(path) == [
        Address(
            "1",
            "Karl-Marx-Allee 1; 10243 Berlin",
            "Friedrichshain-Kreuzberg",
            {"Altersgruppe": "16-29"},
        ),
        Address("2", "Turmstraße 2, 10559 Berlin", "Mitte", {"Altersgruppe": "30-44"}),
    ]


def test_register_with_commas_and_own_column_names_is_read(tmp_path):
    path = write(tmp_path / "r.csv", "nr,anschrift,bezirk\na,Hauptstr. 1,Pankow\n")
    assert read_register(
        path, id_column="nr", address_column="anschrift", stratum_column="bezirk"
    ) == [Address("a", "Hauptstr. 1", "Pankow")]


HEADER = "id,address,district\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,address\n1,x\n", "r.csv, line 1, column 'district': missing column"),
        ("", "r.csv, line 1: the file is empty"),
        (HEADER, "r.csv, line 2: no addresses after the header"),
        (HEADER + "1,x,Mitte\n ,y,Mitte\n", "r.csv, line 3, column 'id': the id is empty"),
        (HEADER + "1,x, \n", "r.csv, line 2, column 'district': the stratum is empty"),
        (HEADER + "1,,Mitte\n", "r.csv, line 2, column 'address': the address is empty"),
        (
            HEADER + "1,x,Mitte\n2,y,Mitte\n\n1,z,Pankow\n",
            "r.csv, line 5, column 'id': duplicate id '1' (first on line 2)",
        ),
        (
            HEADER + '1,"Hof\n2. Etage",Mitte\n1,z,Pankow\n',
            "r.csv, line 4, column 'id': duplicate id '1' (first on line 3)",
        ),
        (HEADER + "1,x,Mitte,extra\n", "r.csv, line 2: the row has 4 cells but the header"),
    ],
)
def test_bad_registers_name_the_line_and_column(tmp_path, text, expected):
    with pytest.raises(SortitionInputError) as error:
        read_register(write(tmp_path / "r.csv", text))
    assert str(error.value).startswith(expected)


def test_a_register_that_is_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path / "r.csv", HEADER + "1,Straße 1,Mitte\n2,Weg 2,Köpenick\n", "cp1252")
    with pytest.raises(SortitionInputError) as error:
        read_register(path)
    assert error.value.line == 2
    assert "not UTF-8" in error.value.message


def test_invitation_csv_has_a_header_codes_and_no_formulas():
    addresses = [
        Address("1", '=HYPERLINK("http://x")', "Mitte", {"name": "+49 30 1234"}),
        Address("2", "Turmstr. 2", "-Pankow", {"name": "Ada", "note": "@home"}),
    ]
    text = invitation_csv(addresses, {"1": "K7Q2", "2": "X9P4"})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["id", "address", "stratum", "name", "note", "code"],
        ["1", '\'=HYPERLINK("http://x")', "Mitte", "'+49 30 1234", "", "K7Q2"],
        ["2", "Turmstr. 2", "'-Pankow", "Ada", "'@home", "X9P4"],
    ]


def test_invitation_csv_without_codes_has_no_code_column_and_round_trips(tmp_path):
    path = write(tmp_path / "r.csv", HEADER + "1,x,Mitte\n2,y,Pankow\n")
    addresses = read_register(path)
    text = invitation_csv(addresses)
    assert text.splitlines()[0] == "id,address,stratum"
    round_trip = write(tmp_path / "out.csv", text.replace("stratum", "district"))
    assert read_register(round_trip) == addresses


def test_invitation_csv_refuses_a_missing_code():
    with pytest.raises(ValueError, match="no code for: a-2"):
        invitation_csv(register({"a": 3}), {"a-0": "x", "a-1": "y"})
