"""Reading quota tables and pools in both formats; every bad file names file, line, column."""

import csv

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gemeinsam.sortition.algorithms.instance import Quota
from gemeinsam.sortition.algorithms.io import (
    SortitionInputError,
    household_key,
    read_features,
    read_instance,
    read_people,
)

from ...conftest import shared_data

# folder, quota table, pool, n, k, number of quota rows, first ids
SHARED = [
    ("example_small_20", "categories.csv", "respondents.csv", 200, 20, 4, ["0", "1", "2"]),
    ("example_large_200", "categories.csv", "respondents.csv", 2000, 200, 4, ["0", "1", "2"]),
    ("sa_fixture_150_22", "features.csv", "candidates.csv", 150, 22, 20, ["p0", "p1", "p2"]),
]
ADDRESS = ("primary_address1", "primary_zip")


def write(path, text: str):
    path.write_text(text, encoding="utf-8", newline="")
    return path


def shared_instance(folder, features, people, k):
    root = shared_data() / "sortition" / folder
    columns = ADDRESS if folder.startswith("sa_") else ()
    return read_instance(root / features, root / people, k, household_columns=columns)


@pytest.mark.parametrize(("folder", "features", "people", "n", "k", "rows", "first"), SHARED)
def test_shared_instances_read_with_their_counts(folder, features, people, n, k, rows, first):
    instance = shared_instance(folder, features, people, k)
    assert len(instance.people) == len(set(instance.people)) == n
    assert instance.size == k
    assert len(instance.quotas) == rows
    assert instance.people[:3] == first
    for person in instance.people:
        assert set(instance.values[person]) == set(instance.features)
        for feature, value in instance.values[person].items():
            instance.quota(feature, value)  # every value has its quota row


def test_paper_files_have_row_number_ids_and_the_category_header():
    instance = shared_instance("example_small_20", "categories.csv", "respondents.csv", 20)
    assert instance.people == [str(i) for i in range(200)]
    assert instance.features == ["gender", "leaning"]
    assert instance.quota("gender", "female") == Quota("gender", "female", 9, 20)
    assert instance.values["0"] == {"gender": "female", "leaning": "conservative"}
    assert instance.households == {}


def test_fixture_keeps_addresses_aside_and_every_household_is_distinct():
    instance = shared_instance("sa_fixture_150_22", "features.csv", "candidates.csv", 22)
    assert instance.features == ["Gender", "age_bracket", "edu_level", "geo_bucket"]
    assert instance.quota("Gender", "Female") == Quota("Gender", "Female", 11, 12)
    assert instance.details["p0"]["primary_zip"] == "primary_zip0"
    assert "Gender" not in instance.details["p0"]
    assert "nationbuilder_id" not in instance.details["p0"]
    assert len(set(instance.households.values())) == 150
    assert sum(q.min for q in instance.quotas if q.feature == "geo_bucket") == 22


@pytest.mark.parametrize(("folder", "features", "people", "n", "k", "rows", "first"), SHARED)
def test_each_shared_instance_reads_the_same_in_the_other_format(
    tmp_path, folder, features, people, n, k, rows, first
):
    """Paper files rewritten as feature,value with an id column, the fixture as the paper's
    category,feature without ids: same quotas and values."""
    original = shared_instance(folder, features, people, k)
    paper = folder.startswith("example")
    with (tmp_path / "quotas.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["feature", "value", "min", "max"] if paper else ["category", "feature", "min", "max"]
        )
        out.writerows([q.feature, q.value, q.min, q.max] for q in original.quotas)
    with (tmp_path / "pool.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow((["person_id"] if paper else []) + original.features)
        for person in original.people:
            values = [original.values[person][f] for f in original.features]
            out.writerow(([f"x{person}"] if paper else []) + values)
    converted = read_instance(tmp_path / "quotas.csv", tmp_path / "pool.csv", k)
    assert converted.quotas == original.quotas
    expected_ids = [f"x{p}" for p in original.people] if paper else [str(i) for i in range(n)]
    assert converted.people == expected_ids
    assert list(converted.values.values()) == list(original.values.values())


def test_bom_crlf_missing_final_newline_and_header_case_are_tolerated(tmp_path):
    features = write(
        tmp_path / "f.csv",
        "\ufeffFeature,VALUE,Min,Max,min_flex,max_flex\r\ngender,female,1,2,0,2\r\n"
        "gender, male ,0,2,0,2\r\n\r\n",
    )
    people = write(
        tmp_path / "p.csv",
        "\ufeffID,Gender,email\r\n a ,Female,a@example.org\r\nb,male,b@example.org",
    )
    quotas = read_features(features)
    assert quotas == [Quota("gender", "female", 1, 2), Quota("gender", "male", 0, 2)]
    pool = read_people(people, quotas)
    assert pool.id_column == "ID"
    assert pool.ids == ["a", "b"]
    # Values take the quota table's spelling, so algorithms compare them exactly.
    assert pool.values == {"a": {"gender": "female"}, "b": {"gender": "male"}}
    assert pool.details["b"] == {"email": "b@example.org"}


def test_old_category_name_header_is_the_feature_value_form(tmp_path):
    features = write(tmp_path / "f.csv", "category,name,min,max\nage,16-29,1,3\nage,30+,0,4\n")
    assert read_features(features) == [Quota("age", "16-29", 1, 3), Quota("age", "30+", 0, 4)]


def test_exact_feature_column_wins_over_one_differing_in_case(tmp_path):
    quotas = [Quota("Gender", "f", 0, 1), Quota("Gender", "m", 0, 1)]
    people = write(tmp_path / "p.csv", "id,gender,Gender\n1,x,f\n")
    assert read_people(people, quotas).values == {"1": {"Gender": "f"}}


def test_household_key_normalises_spacing_and_case(tmp_path):
    assert household_key([" 1  High St ", "EH1 1AA"]) == household_key(["1 high st", "eh1 1aa"])
    assert household_key(["", " "]) == ""
    features = write(tmp_path / "f.csv", "feature,value,min,max\ng,x,0,3\n")
    people = write(
        tmp_path / "p.csv",
        "id,g,street,zip\n1,x,1 High St,EH1\n2,x, 1 high  st ,eh1\n3,x,,\n4,x,2 Low St,EH1\n",
    )
    pool = read_people(people, read_features(features), household_columns=["Street", "zip"])
    assert pool.households["1"] == pool.households["2"] != pool.households["4"]
    assert "3" not in pool.households


def test_given_id_column_overrides_detection(tmp_path):
    features = write(tmp_path / "f.csv", "feature,value,min,max\ng,x,0,3\n")
    people = write(tmp_path / "p.csv", "id,code,g\n1,A,x\n1,B,x\n")
    pool = read_people(people, read_features(features), id_column="code")
    assert pool.ids == ["A", "B"]
    assert pool.details["A"] == {"id": "1"}


GOOD_FEATURES = "feature,value,min,max\ngender,female,1,5\ngender,male,1,5\n"
GOOD_PEOPLE = "id,gender,street\na,female,x\nb,male,y\n"


@pytest.mark.parametrize(
    ("features", "people", "options", "expected"),
    [
        (
            "feature,value,min\ngender,female,1\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 1, column 'max': missing column",
        ),
        (
            "name,min,max\nfemale,1,2\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 1, column 'feature': missing column; the header must be",
        ),
        (
            GOOD_FEATURES,
            "id,sex\na,female\n",
            {},
            "people.csv, line 1, column 'gender': missing column for feature 'gender'",
        ),
        (
            GOOD_FEATURES,
            GOOD_PEOPLE,
            {"id_column": "code"},
            "people.csv, line 1, column 'code': missing id column",
        ),
        (
            GOOD_FEATURES,
            GOOD_PEOPLE,
            {"household_columns": ["street", "zip"]},
            "people.csv, line 1, column 'zip': missing household (address) column",
        ),
        (
            GOOD_FEATURES,
            "id,gender\na,female\nb,male\nc,divers\n",
            {},
            "people.csv, line 4, column 'gender': unknown value 'divers' "
            "(expected one of: female, male)",
        ),
        (
            GOOD_FEATURES,
            "id,gender\na,female\nb,\n",
            {},
            "people.csv, line 3, column 'gender': empty value (expected one of: female, male)",
        ),
        (
            GOOD_FEATURES,
            "id,gender\na,female\nb,male\n\na,male\n",
            {},
            "people.csv, line 5, column 'id': duplicate id 'a' (first on line 2)",
        ),
        (
            GOOD_FEATURES,
            "id,gender\na,female\n,male\n",
            {},
            "people.csv, line 3, column 'id': the id is empty",
        ),
        (
            "feature,value,min,max\ngender,female,two,5\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2, column 'min': expected a whole number, found 'two'",
        ),
        (
            "feature,value,min,max\ngender,female,1,2.5\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2, column 'max': expected a whole number, found '2.5'",
        ),
        (
            "feature,value,min,max\ngender,female,1,\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2, column 'max': expected a whole number, found an empty cell",
        ),
        (
            "feature,value,min,max\ngender,female,1,5\ngender,male,-1,5\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 3, column 'min': -1 is negative",
        ),
        (
            "feature,value,min,max\ngender,female,6,5\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2, column 'min': min 6 is greater than max 5 "
            "for 'gender' = 'female'",
        ),
        (
            "feature,value,min,max\ngender,female,1,5\ngender,male,1,5\nGender,Female,0,3\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 4, column 'value': duplicate value 'Female' of feature "
            "'gender' (first on line 2)",
        ),
        (
            "category,feature,min,max\ngender,female,1,5\n,male,1,5\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 3, column 'category': the feature name is empty",
        ),
        (
            "feature,value,min,max\ngender,female,1,5,extra\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2: the row has 5 cells but the header only 4",
        ),
        (
            "feature,value,min,max,min\ngender,female,1,5,1\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 1, column 'min': the column appears twice",
        ),
        ("", GOOD_PEOPLE, {}, "features.csv, line 1: the file is empty"),
        ("\ufeff\r\n", GOOD_PEOPLE, {}, "features.csv, line 1: the file is empty"),
        (
            "feature,value,min,max\n",
            GOOD_PEOPLE,
            {},
            "features.csv, line 2: no quota rows after the header",
        ),
        (GOOD_FEATURES, "", {}, "people.csv, line 1: the file is empty"),
        (GOOD_FEATURES, "id,gender\n", {}, "people.csv, line 2: no people after the header"),
    ],
)
def test_bad_files_are_reported_with_file_line_and_column(
    tmp_path, features, people, options, expected
):
    features_path = write(tmp_path / "features.csv", features)
    people_path = write(tmp_path / "people.csv", people)
    with pytest.raises(SortitionInputError) as caught:
        read_instance(features_path, people_path, 1, **options)
    assert str(caught.value).startswith(expected)
    assert isinstance(caught.value, ValueError)
    assert caught.value.path.name in {"features.csv", "people.csv"}


def test_error_keeps_its_parts_for_the_caller():
    error = SortitionInputError("uploads/people.csv", 17, "gender", "unknown value 'divers'")
    assert (error.line, error.column, error.message) == (17, "gender", "unknown value 'divers'")
    assert str(error) == "people.csv, line 17, column 'gender': unknown value 'divers'"


def test_panel_size_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        read_instance(tmp_path / "f.csv", tmp_path / "p.csv", 0)


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Z")),
    min_size=1,
    max_size=6,
)


@st.composite
def tables(draw):
    features = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.casefold))
    features = [f for f in features if f.casefold() not in {"id", "nationbuilder_id", "person_id"}]
    assume(features)
    quotas = []
    for feature in features:
        values = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.casefold))
        for value in values:
            low = draw(st.integers(0, 5))
            quotas.append(Quota(feature, value, low, low + draw(st.integers(0, 5))))
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {f: st.sampled_from([q.value for q in quotas if q.feature == f]) for f in features}
            ),
            min_size=1,
            max_size=8,
        )
    )
    return quotas, people


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), header=st.sampled_from(["feature,value", "category,name"]))
def test_written_tables_read_back_unchanged(tmp_path, table, header):
    quotas, people = table
    features = [*dict.fromkeys(q.feature for q in quotas)]
    with (tmp_path / "f.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*header.split(","), "min", "max"])
        out.writerows([q.feature, q.value, q.min, q.max] for q in quotas)
    with (tmp_path / "p.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(features)
        out.writerows([person[f] for f in features] for person in people)
    assert read_features(tmp_path / "f.csv") == [
        Quota(q.feature.strip(), q.value.strip(), q.min, q.max) for q in quotas
    ]
    pool = read_people(tmp_path / "p.csv", quotas)
    assert pool.ids == [str(i) for i in range(len(people))]
    assert list(pool.values.values()) == people
