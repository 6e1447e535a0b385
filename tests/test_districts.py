"""District import and point-to-district lookup, checked against the official LOR keys."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemeinsam.core.geo import district_at, district_index
from gemeinsam.core.models import District
from gemeinsam.core.services import DataImportError, import_districts
from gemeinsam.lib.geo import AreaIndex, area_from_geojson

from .conftest import shared_data

HARDENBERGPLATZ = (13.3329, 52.5065)


def write_collection(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(name: str, code: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"name": name, "code": code}, "geometry": geometry}


def square(x: float, y: float, size: float = 0.1) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_shipped_file_gives_twelve_districts_with_official_keys(berlin):
    assert berlin.count() == 12
    assert sorted(berlin.values_list("code", flat=True)) == [f"{n:03d}" for n in range(1, 13)]
    assert berlin.get(code="004").name == "Charlottenburg-Wilmersdorf"


def test_hardenbergplatz_lies_in_charlottenburg_wilmersdorf(berlin):
    assert district_at(*HARDENBERGPLATZ).name == "Charlottenburg-Wilmersdorf"


def test_point_outside_berlin_has_no_district(berlin):
    assert district_at(13.0645, 52.3906) is None  # Potsdam


def test_every_lor_planning_area_falls_in_its_own_district(berlin):
    """Oracle: the PLR key of the statistics office starts with its district (BEZ)."""
    plr = json.loads((shared_data() / "geo" / "lor_planungsraeume_2021.geojson").read_text())
    points, expected = [], []
    for item in plr["features"]:
        inner = area_from_geojson(item["geometry"]).representative_point()
        points.append((inner.x, inner.y))
        expected.append(item["properties"]["BEZ"].zfill(3))
    codes = dict(District.objects.values_list("pk", "code"))
    found = [codes.get(pk) for pk in district_index().locate_many(points)]
    assert len(points) == 542
    assert found == expected


def test_reimport_updates_in_place_without_duplicates(berlin, resident):
    resident.district = berlin.get(code="004")
    resident.save()
    result = import_districts(shared_data() / "geo" / "berlin_bezirke_simplified.geojson")
    assert (result.created, result.updated) == (0, 12)
    assert District.objects.count() == 12
    resident.refresh_from_db()
    assert resident.district.name == "Charlottenburg-Wilmersdorf"


def test_lookup_sees_a_new_import_without_restart(db, tmp_path):
    import_districts(write_collection(tmp_path / "a.json", [feature("Nord", "1", square(0, 0))]))
    assert district_at(0.05, 0.05).name == "Nord"
    import_districts(write_collection(tmp_path / "b.json", [feature("Nord", "1", square(5, 5))]))
    assert district_at(0.05, 0.05) is None
    assert district_at(5.05, 5.05).name == "Nord"


def test_broken_json_reports_file_line_and_column(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": }]}')
    with pytest.raises(DataImportError) as error:
        import_districts(path)
    assert str(path) in str(error.value)
    assert "line 3" in str(error.value)


def test_projected_coordinates_are_refused_with_advice(db, tmp_path):
    path = write_collection(
        tmp_path / "utm.json", [feature("Mitte", "1", square(390000, 5820000, 1000))]
    )
    with pytest.raises(DataImportError, match=r"feature 1: .*WGS84"):
        import_districts(path)


def test_bad_feature_aborts_whole_import(db, tmp_path):
    path = write_collection(
        tmp_path / "mixed.json",
        [
            feature("Gut", "1", square(0, 0)),
            feature("Schlecht", "2", {"type": "Point", "coordinates": [1, 1]}),
        ],
    )
    with pytest.raises(DataImportError, match="feature 2: expected a Polygon"):
        import_districts(path)
    assert not District.objects.exists()


def test_missing_name_property_names_the_option(db, tmp_path):
    path = write_collection(
        tmp_path / "lor.json",
        [
            {
                "type": "Feature",
                "properties": {"BZR_NAME": "X", "BEZ": "01"},
                "geometry": square(0, 0),
            }
        ],
    )
    with pytest.raises(DataImportError, match="--name-property"):
        import_districts(path)
    result = import_districts(path, name_property="BZR_NAME")
    assert result.created == 1
    assert District.objects.get().code == "001"


def test_duplicate_codes_are_refused(db, tmp_path):
    path = write_collection(
        tmp_path / "dup.json", [feature("A", "1", square(0, 0)), feature("B", "1", square(1, 1))]
    )
    with pytest.raises(DataImportError, match="duplicate district code"):
        import_districts(path)


def test_self_intersecting_boundary_is_repaired(db, tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    result = import_districts(
        write_collection(tmp_path / "bow.json", [feature("Fliege", "1", bowtie)])
    )
    assert result.repaired == 1
    assert district_at(0.9, 0.5).name == "Fliege"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 3), st.floats(-1, 3)), max_size=30))
def test_locate_many_agrees_with_locate(points):
    index = AreaIndex.build(
        [
            ("a", area_from_geojson(square(0, 0, 1))),
            ("b", area_from_geojson(square(1, 0, 1))),
            ("c", area_from_geojson(square(0.5, 1.5, 1))),
        ]
    )
    assert index.locate_many(points) == [index.locate(x, y) for x, y in points]
