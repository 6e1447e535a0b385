"""The indicator status rule on constructed series: on track, at risk, off track, no data,
both directions, a passed deadline, and the edge cases of the method."""

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemeinsam.strategy.indicators import Direction, Measurement, Status, assess
from gemeinsam.strategy.indicators.status import rule_summary

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
BASELINE_DATE = date(2020, 1, 1)
DEADLINE = date(2030, 1, 1)


def yearly(*values, start=2021):
    return [Measurement(date(start + i, 1, 1), value) for i, value in enumerate(values)]


def judge(
    measurements, today=date(2024, 1, 2), direction=HIGHER, baseline=100.0, target=200.0, **kw
):
    return assess(
        direction=direction,
        baseline_value=baseline,
        baseline_date=BASELINE_DATE,
        target_value=target,
        deadline=DEADLINE,
        measurements=measurements,
        today=today,
        **kw,
    )


def test_a_series_ahead_of_the_path_is_on_track():
    result = judge(yearly(112, 124, 136, 148))
    assert result.status is Status.ON_TRACK
    assert result.projected_value_at_deadline == pytest.approx(220, abs=0.5)
    assert result.slope_per_year == pytest.approx(12, abs=0.05)
    assert result.points_used == 4
    assert result.rule.startswith("On track")
    assert "220" in result.rule and "200" in result.rule


def test_a_flattening_series_still_ahead_of_the_path_is_at_risk():
    result = judge(yearly(130, 140, 144, 147), today=date(2024, 6, 1))
    assert result.projected_value_at_deadline < 190
    assert result.required_value_today == pytest.approx(144.2, abs=0.1)
    assert result.status is Status.AT_RISK
    assert "on or ahead of" in result.rule


def test_a_series_behind_the_path_whose_trend_misses_by_little_is_at_risk():
    result = judge(yearly(105, 115, 125, 135))
    assert 190 <= result.projected_value_at_deadline < 200
    assert result.required_value_today > 135
    assert result.status is Status.AT_RISK
    assert "no more than 10 %" in result.rule


def test_the_tolerance_is_a_parameter():
    assert judge(yearly(105, 115, 125, 135), tolerance=0.01).status is Status.OFF_TRACK


def test_a_series_that_barely_moves_is_off_track():
    result = judge(yearly(101, 102, 103, 104))
    assert result.status is Status.OFF_TRACK
    assert result.projected_value_at_deadline == pytest.approx(110, abs=0.5)
    assert result.rule.startswith("Off track")


@pytest.mark.parametrize(
    "measurements",
    [[], yearly(90, 95, start=2018), yearly(math.nan, math.nan), yearly(150, start=2025)],
    ids=["none", "before-baseline", "nan", "after-today"],
)
def test_without_a_measurement_after_the_baseline_there_is_no_data(measurements):
    result = judge(measurements)
    assert result.status is Status.NO_DATA
    assert result.projected_value_at_deadline is None
    assert result.slope_per_year is None
    assert result.points_used == 0
    assert result.rule.startswith("No data")


def test_lower_is_better_falls_towards_its_target():
    assert judge(yearly(94, 88, 82), direction=LOWER, target=40).status is Status.ON_TRACK
    assert judge(yearly(99, 98, 97), direction=LOWER, target=40).status is Status.OFF_TRACK
    # The same rising series that is on track for a higher-is-better target is off track here.
    assert judge(yearly(112, 124, 136), direction=LOWER, target=40).status is Status.OFF_TRACK


def test_after_the_deadline_the_latest_value_is_judged_against_the_target():
    late = date(2031, 1, 1)
    met = judge([*yearly(110, 120), Measurement(date(2029, 12, 1), 205)], today=late)
    assert met.status is Status.ON_TRACK
    assert met.rule.startswith("Target met")
    missed = judge(yearly(150, 170, 190, 195, 196, 197, 198, 199, 199.5), today=late)
    assert missed.status is Status.OFF_TRACK
    assert missed.rule.startswith("Target missed")
    assert (
        judge(yearly(90, 70, 39), direction=LOWER, target=40, today=late).status is Status.ON_TRACK
    )


def test_a_target_equal_to_the_baseline_asks_to_hold_the_value():
    assert judge(yearly(100, 101, 100, 102), target=100).status is Status.ON_TRACK
    held_back = judge(yearly(99, 98, 97), target=100)
    assert held_back.status is Status.OFF_TRACK
    assert held_back.required_value_today == 100


def test_readings_all_of_one_day_are_fitted_with_the_baseline():
    same_day = [Measurement(date(2022, 1, 1), value) for value in (121, 122, 123)]
    result = judge(same_day)
    assert result.points_used == 4
    assert result.slope_per_year == pytest.approx(11, abs=0.1)
    assert result.status is Status.ON_TRACK


def test_fewer_than_min_points_are_fitted_with_the_baseline():
    result = judge(yearly(112, 124))
    assert result.points_used == 3
    assert judge(yearly(112, 124), min_points=2).points_used == 2


def test_nan_values_are_ignored_and_tuples_are_accepted():
    clean = judge(yearly(112, 124, 136, 148))
    noisy = judge([(date(2021, 6, 1), math.nan), *yearly(112, 124, 136, 148)])
    assert noisy == clean
    as_tuples = judge([(m.when, m.value) for m in yearly(112, 124, 136, 148)])
    assert as_tuples == clean


def test_the_rule_is_a_catalogue_template_with_its_values_apart():
    result = judge(yearly(101, 102, 103, 104))
    assert "%(projected)s" in result.rule_text
    assert "%(" not in result.rule
    assert "10 %" in rule_summary() and "5 %" in rule_summary(0.05)


def test_a_baseline_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError):
        judge(yearly(110), baseline=math.nan)


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def path_series(draw):
    baseline, target = draw(values), draw(values)
    span = (DEADLINE - BASELINE_DATE).days
    offsets = sorted(draw(st.lists(st.integers(1, span - 1), min_size=1, max_size=12)))
    today = BASELINE_DATE + timedelta(days=draw(st.integers(offsets[-1], span - 1)))
    series = [
        Measurement(BASELINE_DATE + timedelta(days=d), baseline + d / span * (target - baseline))
        for d in offsets
    ]
    return baseline, target, series, today


@given(path_series(), st.sampled_from(list(Direction)))
def test_a_series_on_the_straight_path_to_the_target_is_on_track(case, direction):
    baseline, target, series, today = case
    result = judge(series, today=today, direction=direction, baseline=baseline, target=target)
    assert result.status is Status.ON_TRACK


series_values = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False) | st.just(math.nan)


@given(
    values,
    values,
    st.lists(st.tuples(st.integers(-400, 4000), series_values), max_size=10),
    st.integers(0, 4500),
    st.sampled_from(list(Direction)),
)
def test_mirroring_values_and_direction_keeps_the_status(baseline, target, raw, day, direction):
    series = [(BASELINE_DATE + timedelta(days=d), v) for d, v in raw]
    today = BASELINE_DATE + timedelta(days=day)
    other = LOWER if direction is HIGHER else HIGHER
    plain = judge(series, today=today, direction=direction, baseline=baseline, target=target)
    mirrored = judge(
        [(when, -v) for when, v in series],
        today=today,
        direction=other,
        baseline=-baseline,
        target=-target,
    )
    assert mirrored.status is plain.status
    if plain.projected_value_at_deadline is not None:
        assert mirrored.projected_value_at_deadline == -plain.projected_value_at_deadline
