"""A published strategy with measurements over several years, for the report, export, API and
command tests: two values, two fields of action (one goal), three measures (one in both
fields, one in none) and three indicators, one of them without measurements."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from gemeinsam.strategy.models import (
    Direction,
    FieldOfAction,
    Goal,
    Indicator,
    Measure,
    MeasureType,
    Strategy,
    Value,
)
from gemeinsam.strategy.services import tracking, versions

BERLIN = ZoneInfo("Europe/Berlin")
OPEN_DATA = "Offene Datensätze"
PM10 = "Feinstaub PM10"
WITHOUT = "Kiezboxen im Einsatz"


@dataclass
class ReportData:
    strategy: Strategy
    values: list[Value]
    open_data: Indicator
    pm10: Indicator
    without: Indicator
    portal: Measure
    air: Measure
    kiezbox: Measure


def make_report_data(staff, residents=()) -> ReportData:
    strategy = versions.create_strategy("Gemeinsam Digital", slug="gd", name_en="Digital Together")
    version = strategy.versions.get()
    values = [
        versions.add_item(version, Value, name="Gemeinwohl", name_en="Common good"),
        versions.add_item(version, Value, name="Teilhabe", name_en="Participation", order=1),
    ]
    data = versions.add_item(version, FieldOfAction, title="Daten", title_en="Data")
    climate = versions.add_item(version, FieldOfAction, title="Klima", title_en="Climate", order=1)
    goal = versions.add_item(version, Goal, field_of_action=data, title="Offene Daten")
    portal = versions.add_item(
        version,
        Measure,
        title="Datenportal",
        title_en="Data portal",
        type=MeasureType.CENTRAL,
        goals=[goal],
    )
    air = versions.add_item(
        version,
        Measure,
        title="Luftqualität",
        title_en="Air quality",
        type=MeasureType.CENTRAL,
        fields_of_action=[data, climate],
        order=1,
    )
    kiezbox = versions.add_item(
        version, Measure, title="Kiezbox", type=MeasureType.URBAN_SOCIETY, order=2
    )
    open_data = versions.add_item(
        version,
        Indicator,
        measure=portal,
        name=OPEN_DATA,
        name_en="Open data sets",
        unit="%",
        direction=Direction.HIGHER_IS_BETTER,
        baseline_value=10,
        baseline_date=date(2022, 1, 1),
        target_value=50,
        target_date=date(2028, 12, 31),
    )
    pm10 = versions.add_item(
        version,
        Indicator,
        measure=air,
        name=PM10,
        unit="µg/m³",
        direction=Direction.LOWER_IS_BETTER,
        baseline_value=30,
        baseline_date=date(2021, 1, 1),
        target_value=20,
        target_date=date(2027, 12, 31),
        is_example=True,
    )
    without = versions.add_item(
        version,
        Indicator,
        measure=kiezbox,
        name=WITHOUT,
        unit="",
        baseline_value=0,
        baseline_date=date(2023, 1, 1),
        target_value=40,
        target_date=date(2030, 12, 31),
    )
    versions.publish(version, staff, "Erste Fassung")
    # Open data grows on track until 2024, then stalls in 2025 and 2026.
    for when, value in [
        (date(2022, 6, 30), 15), (date(2023, 6, 30), 21), (date(2024, 6, 30), 27),
        (date(2025, 6, 30), 27), (date(2026, 6, 30), 27),
    ]:  # fmt: skip
        tracking.record_measurement(open_data, when, value, user=staff)
    for when, value in [(date(2022, 3, 1), 29), (date(2023, 3, 1), 28), (date(2025, 3, 1), 26)]:
        tracking.record_measurement(pm10, when, value, user=staff)
    tracking.assess_measure(
        portal,
        {values[0].key: (3, "nützt allen"), values[1].key: (2, "teils")},
        user=staff,
        on=date(2023, 5, 1),
    )
    tracking.assess_measure(
        portal,
        {values[0].key: (4, "mehr Daten"), values[1].key: (4, "mehr Beteiligung")},
        user=staff,
        on=date(2025, 5, 1),
    )
    if residents:
        survey = tracking.open_survey(
            portal,
            opens_at=datetime(2024, 3, 1, tzinfo=BERLIN),
            closes_at=datetime(2024, 4, 1, tzinfo=BERLIN),
            user=staff,
        )
        for resident, score in zip(residents, (1, 2, 4), strict=False):
            tracking.answer_survey(
                survey,
                resident,
                {values[0].key: (score, "Privat")},
                now=datetime(2024, 3, 10, tzinfo=BERLIN),
            )
    return ReportData(strategy, values, open_data, pm10, without, portal, air, kiezbox)
