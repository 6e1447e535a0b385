"""A line chart of a time series as plain numbers for an inline SVG (no JavaScript library).

`line_chart(points, tz)` scales (time, value) pairs into a fixed view box, breaks the line
where an hour or more is missing, and picks "nice" value ticks and local-midnight time ticks.
"""

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 40


@dataclass(frozen=True)
class Tick:
    position: float  # x or y in the view box
    value: object  # a datetime (time axis) or a number (value axis)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int  # x of the plot's right edge
    top: int
    bottom: int  # y of the plot's bottom edge (the time axis)
    segments: list[str]  # SVG polyline `points` attributes, one per unbroken run
    dots: list[tuple[float, float]]  # single values between gaps, drawn as dots
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def nice_step(span: float, count: int = 5) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about `count` intervals."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def line_chart(
    points: list[tuple[datetime, float]],
    tz: ZoneInfo,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    gap: timedelta = timedelta(hours=1),
) -> LineChart:
    """Scale time-ordered points; runs further apart than `gap` are not joined."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    start = start or (points[0][0] if points else datetime.now(tz))
    end = end or (points[-1][0] if points else start + timedelta(days=1))
    seconds = max((end - start).total_seconds(), 1.0)
    top_value = max((value for _, value in points), default=0.0)
    low_value = min(0.0, min((value for _, value in points), default=0.0))
    step = nice_step(top_value - low_value)
    ceiling = max(step, math.ceil(top_value / step) * step)
    floor = math.floor(low_value / step) * step

    def x(moment: datetime) -> float:
        return round(LEFT + (moment - start).total_seconds() / seconds * (right - LEFT), 1)

    def y(value: float) -> float:
        return round(bottom - (value - floor) / (ceiling - floor) * (bottom - TOP), 1)

    runs: list[list[tuple[datetime, float]]] = []
    for moment, value in points:
        if runs and moment - runs[-1][-1][0] <= gap:
            runs[-1].append((moment, value))
        else:
            runs.append([(moment, value)])
    segments = [" ".join(f"{x(m)},{y(v)}" for m, v in run) for run in runs if len(run) > 1]
    dots = [(x(run[0][0]), y(run[0][1])) for run in runs if len(run) == 1]

    y_ticks = []
    value = floor
    while value <= ceiling + step / 1000:
        y_ticks.append(Tick(y(value), round(value, 6)))
        value += step
    days = max(1, round(seconds / 86400))
    every = 1 if days <= 8 else math.ceil(days / 7)
    local_start = start.astimezone(tz)
    midnight = datetime.combine(local_start.date(), time(0), tzinfo=tz)
    if midnight < local_start:
        midnight = datetime.combine(local_start.date() + timedelta(days=1), time(0), tzinfo=tz)
    x_ticks = []
    index = 0
    while midnight <= end:
        if index % every == 0:
            x_ticks.append(Tick(x(midnight), midnight))
        index += 1
        midnight = datetime.combine(midnight.date() + timedelta(days=1), time(0), tzinfo=tz)
    return LineChart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, segments, dots, x_ticks, y_ticks)
