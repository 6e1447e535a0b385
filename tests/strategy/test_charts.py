"""The geometry of the strategy's SVG charts: points inside the plot, in the right order,
and a radar whose polygons follow the ratings."""

from datetime import date

from gemeinsam.strategy import charts


def _coordinates(points: str) -> list[tuple[float, float]]:
    return [tuple(float(n) for n in pair.split(",")) for pair in points.split()]


def test_indicator_chart_places_baseline_target_and_measurements():
    chart = charts.indicator_chart(
        baseline=(date(2024, 1, 1), 0.0),
        target=(date(2028, 1, 1), 40.0),
        measurements=[(date(2025, 1, 1), 8.0), (date(2026, 1, 1), 20.0)],
        today=date(2026, 6, 1),
        slope_per_year=10.0,
        projected_at_deadline=40.0,
    )
    assert chart.baseline[0] == chart.left
    assert chart.target[0] == chart.right
    # Higher values are higher on the page: smaller y.
    assert chart.target[1] < chart.baseline[1]
    xs = [x for x, _y in _coordinates(chart.measured)]
    assert xs == sorted(xs) and chart.left < xs[0] < xs[-1] < chart.right
    for _x, y in _coordinates(chart.measured) + _coordinates(chart.trend):
        assert chart.top <= y <= chart.bottom
    assert chart.left < chart.today_x < chart.right
    assert [tick.label for tick in chart.x_ticks] == ["2024", "2025", "2026", "2027", "2028"]
    labels = [float(tick.label) for tick in chart.y_ticks]
    assert labels[0] <= 0.0 and labels[-1] >= 40.0


def test_indicator_chart_without_measurements_or_trend():
    chart = charts.indicator_chart(
        baseline=(date(2024, 1, 1), 5.0),
        target=(date(2025, 1, 1), 5.0),
        measurements=[],
        today=date(2030, 1, 1),
    )
    assert chart.measured == "" and chart.trend == "" and chart.dots == []
    assert chart.today_x is None  # today lies outside the time axis


def test_radar_polygons_follow_the_ratings():
    radar = charts.radar_chart(
        ["a", "b", "c", "d"], [("team", [4, 0, 4, 0]), ("public", [2, 2, None, 2])], 4
    )
    assert len(radar.axes) == 4 and len(radar.rings) == 4
    team = _coordinates(radar.series[0][1])
    center = radar.center
    # Full marks reach the outer ring; zero sits in the centre.
    assert team[0] == radar.axes[0].end
    assert team[1] == (center, center)
    public = _coordinates(radar.series[1][1])
    assert public[2] == (center, center)  # a missing rating is drawn at the centre
    assert radar.axes[1].anchor == "start" and radar.axes[3].anchor == "end"


def test_tick_labels_use_the_decimal_separator_of_the_language():
    from django.utils import translation

    def labels(language):
        with translation.override(language):
            chart = charts.indicator_chart(
                baseline=(date(2024, 1, 1), 0.0),
                target=(date(2025, 1, 1), 1.0),
                measurements=[],
                today=date(2024, 6, 1),
            )
        return [tick.label for tick in chart.y_ticks]

    assert "0.2" in labels("en")
    assert "0,2" in labels("de")
