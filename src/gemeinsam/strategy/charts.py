"""Geometry for the strategy's inline SVG charts (no JavaScript library, so the report's PDF
shows the same charts as the page): an indicator's measurements against its path to the
target, and a radar of value-compass ratings.

Each chart comes with the numbers it draws, so the template can give a table next to it for
screen readers and for anyone who prefers numbers.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import formats

from gemeinsam.sensors.chart import nice_step

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class IndicatorChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    measured: str  # polyline points of the measurements
    dots: list[tuple[float, float]]
    path: str  # the straight path from baseline to target
    trend: str  # the projected trend to the deadline; empty if there is none
    baseline: tuple[float, float]
    target: tuple[float, float]
    today_x: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def indicator_chart(
    *,
    baseline: tuple[date, float],
    target: tuple[date, float],
    measurements: Sequence[tuple[date, float]],
    today: date,
    slope_per_year: float | None = None,
    projected_at_deadline: float | None = None,
) -> IndicatorChart:
    """Scale an indicator's series into the view box; time runs from the baseline date to
    the later of deadline and last measurement."""
    start = baseline[0]
    end = max([target[0], *(when for when, _ in measurements)])
    days = max((end - start).days, 1)
    values = [baseline[1], target[1], *(value for _, value in measurements)]
    if projected_at_deadline is not None:
        values.append(projected_at_deadline)
    low, high = min(values), max(values)
    step = nice_step(high - low if high > low else abs(high) or 1.0)
    floor = math.floor(low / step) * step
    ceiling = max(math.ceil(high / step) * step, floor + step)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x(when: date) -> float:
        return round(LEFT + (when - start).days / days * (right - LEFT), 1)

    def y(value: float) -> float:
        return round(bottom - (value - floor) / (ceiling - floor) * (bottom - TOP), 1)

    points = sorted(measurements)
    trend = ""
    if slope_per_year is not None and projected_at_deadline is not None and points:
        first = points[0][0]
        years_before = (target[0] - first).days / DAYS_PER_YEAR
        from_value = projected_at_deadline - slope_per_year * years_before
        trend = f"{x(first)},{y(from_value)} {x(target[0])},{y(projected_at_deadline)}"
    y_ticks = []
    value = floor
    while value <= ceiling + step / 1000:
        y_ticks.append(Tick(y(value), _number(value)))
        value += step
    years = range(start.year + (start.month > 1 or start.day > 1), end.year + 1)
    every = max(1, math.ceil(len(years) / 8))
    x_ticks = [Tick(x(date(year, 1, 1)), str(year)) for year in years[::every]]
    return IndicatorChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        measured=" ".join(f"{x(when)},{y(v)}" for when, v in points) if len(points) > 1 else "",
        dots=[(x(when), y(v)) for when, v in points],
        path=f"{x(start)},{y(baseline[1])} {x(target[0])},{y(target[1])}",
        trend=trend,
        baseline=(x(start), y(baseline[1])),
        target=(x(target[0]), y(target[1])),
        today_x=x(today) if start <= today <= end else None,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )


def _number(value: float) -> str:
    """A tick label in the page's language (decimal comma in German)."""
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))


RADAR_SIZE = 320
RADAR_RADIUS = 110


@dataclass(frozen=True)
class RadarAxis:
    label: str
    end: tuple[float, float]  # where the axis meets the outer ring
    label_at: tuple[float, float]
    anchor: str  # SVG text-anchor for the label


@dataclass(frozen=True)
class RadarChart:
    size: int
    center: float
    axes: list[RadarAxis]
    rings: list[str]  # polygon points of the scale's rings, inner to outer
    series: list[tuple[str, str]]  # (name, polygon points), in the order given


def radar_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], maximum: float
) -> RadarChart:
    """Axes for the values of the compass, clockwise from the top, and one polygon per series
    of ratings (a missing rating is drawn at the centre)."""
    count = max(len(labels), 3)  # fewer than three axes do not make a polygon
    center = RADAR_SIZE / 2

    def point(index: int, fraction: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        radius = RADAR_RADIUS * fraction
        return (
            round(center + radius * math.cos(angle), 1),
            round(center + radius * math.sin(angle), 1),
        )

    def polygon(fractions: Sequence[float]) -> str:
        return " ".join("{},{}".format(*point(i, f)) for i, f in enumerate(fractions))

    axes = []
    for index, label in enumerate(labels):
        end = point(index, 1.0)
        label_at = point(index, 1.18)
        anchor = "middle"
        if label_at[0] > center + 5:
            anchor = "start"
        elif label_at[0] < center - 5:
            anchor = "end"
        axes.append(RadarAxis(label, end, label_at, anchor))
    steps = int(maximum)
    rings = [polygon([level / steps] * count) for level in range(1, steps + 1)]
    drawn = []
    for name, scores in series:
        fractions = [
            max(0.0, min(1.0, (score or 0.0) / maximum)) if maximum else 0.0 for score in scores
        ]
        fractions += [0.0] * (count - len(fractions))
        drawn.append((name, polygon(fractions)))
    return RadarChart(RADAR_SIZE, center, axes, rings, drawn)
