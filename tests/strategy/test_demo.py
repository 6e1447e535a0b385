"""The demo strategy: GD:B's structure in version 1, its five pilots described in version 2,
with example indicators that say they are examples; loading twice changes nothing."""

import pytest

from gemeinsam.core.demo import load_demo_content as load_core
from gemeinsam.strategy import demo, selectors
from gemeinsam.strategy.models import (
    CompassAssessment,
    Indicator,
    Measurement,
    MeasureType,
    Strategy,
)
from tests.conftest import shared_data


@pytest.fixture
def loaded(db):
    load_core()
    return demo.load_demo_content()


def test_the_demo_strategy_is_gdb_with_its_five_pilots(loaded):
    import json

    structure = json.loads((shared_data() / "gdb" / "structure.json").read_text("utf-8"))
    assert demo.structure() == structure  # the shipped copy is GD:B's structure
    first, second = loaded.versions.order_by("number")
    assert [v.name for v in first.values.all()] == [v["de"] for v in structure["values_compass"]]
    assert [m.title for m in second.measures.all()] == [p["de"] for p in structure["pilots"]]
    assert {m.type for m in second.measures.all()} == {MeasureType.CENTRAL}
    assert loaded.published_version == second
    assert all(m.summary for m in second.measures.all())


def test_every_demo_indicator_is_an_example_with_measurements(loaded):
    indicators = list(Indicator.objects.filter(version=loaded.published_version))
    assert indicators
    assert all(indicator.is_example for indicator in indicators)
    assert all("Beispiel" in i.name or i.source == "sensorthings" for i in indicators)
    keys = {indicator.key for indicator in indicators if indicator.source != "sensorthings"}
    assert keys <= set(Measurement.objects.values_list("indicator_key", flat=True))
    statuses = selectors.overview(loaded.published_version).status_counts
    assert sum(statuses.values()) == len(indicators)


def test_loading_the_demo_twice_changes_nothing(loaded):
    counts = (
        Strategy.objects.count(),
        Measurement.objects.count(),
        CompassAssessment.objects.count(),
    )
    assert demo.load_demo_content() == loaded
    assert (
        Strategy.objects.count(),
        Measurement.objects.count(),
        CompassAssessment.objects.count(),
    ) == counts
