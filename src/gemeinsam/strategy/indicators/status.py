"""Status of an indicator (on track, at risk, off track, no data) from a linear trend
projected to its deadline, with the rule written out for the user.

The method, step by step:

1. A measurement counts if its value is a finite number (NaN and infinities are dropped) and
   its date lies after the baseline date and not after today. None counts: NO_DATA.
2. The trend is the least-squares line value = a + b·t, t in years since the baseline date,
   fitted to the measurements when there are at least `min_points` of them on at least two
   days, otherwise to the baseline and the measurements together.
3. The projection is the line's value at the deadline; the straight path runs from the
   baseline (value, date) to the target (value, deadline), and its value today is what the
   indicator should show now.
4. ON_TRACK if the projection reaches the target (at or above it when higher is better, at
   or below it when lower is better).
5. AT_RISK if it does not, but the latest value is on or ahead of the straight path today, or
   the projection falls short of the target by at most `tolerance` times the distance from
   baseline to target.
6. OFF_TRACK otherwise.
7. On and after the deadline nothing is left to project: ON_TRACK if the latest value reaches
   the target, OFF_TRACK if it does not.

"Latest value" is the mean of the values on the latest day measured. Mirroring all values and
the direction mirrors every comparison, so the status does not depend on the sign convention.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import numpy as np

from gemeinsam.lib.messages import format_message, gettext_noop

DAYS_PER_YEAR = 365.25


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Measurement:
    when: date
    value: float


@dataclass(frozen=True)
class Assessment:
    """The status and the numbers behind it. `rule_text` is an English template marked for
    translation, `rule_params` its values (numbers and dates already formatted); `rule` is
    the English sentence."""

    status: Status
    projected_value_at_deadline: float | None
    required_value_today: float
    rule_text: str
    slope_per_year: float | None
    points_used: int
    rule_params: Mapping[str, object] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return format_message(self.rule_text, self.rule_params)


RULE = gettext_noop(
    "On track if the least-squares linear trend of the measurements reaches the target by "
    "the deadline. At risk if it does not, but the latest value is on or ahead of the straight "
    "path from the baseline to the target, or the trend misses the target by at most "
    "%(tolerance)s %% of the distance from the baseline to the target. Off track otherwise. "
    "After the deadline, the latest value is compared with the target."
)


def rule_summary(tolerance: float = 0.1) -> str:
    """The general rule in English, for a legend beside the chart."""
    return format_message(RULE, {"tolerance": _number(tolerance * 100)})


def assess(
    *,
    direction: Direction | str,
    baseline_value: float,
    baseline_date: date,
    target_value: float,
    deadline: date,
    measurements: Iterable[Measurement | tuple[date, float]],
    today: date,
    min_points: int = 3,
    tolerance: float = 0.1,
) -> Assessment:
    """The status of one indicator on `today` (injected, so that reports and tests can
    look at any day) by the method of the module docstring."""
    if not (math.isfinite(baseline_value) and math.isfinite(target_value)):
        raise ValueError("baseline and target must be finite numbers")
    sign = 1.0 if Direction(direction) is Direction.HIGHER_IS_BETTER else -1.0
    baseline_date, deadline, today = _day(baseline_date), _day(deadline), _day(today)
    points = _usable(measurements, baseline_date, today)
    required = _on_path(baseline_value, baseline_date, target_value, deadline, today)
    params: dict[str, object] = {
        "baseline": _number(baseline_value),
        "baseline_date": baseline_date.isoformat(),
        "target": _number(target_value),
        "deadline": deadline.isoformat(),
        "required": _number(required),
    }
    if not points:
        template = gettext_noop(
            "No data: there is no measurement after the baseline of %(baseline_date)s yet, "
            "so no trend can be drawn."
        )
        return Assessment(Status.NO_DATA, None, required, template, None, 0, params)

    fitted = (
        points if _spread_enough(points, min_points) else [(baseline_date, baseline_value), *points]
    )
    intercept, slope = _least_squares(fitted, baseline_date)
    projected = intercept + slope * _years(baseline_date, deadline)
    latest = _latest(points)
    # Fits through exact points still land a few ulps off; a relative slack keeps a series
    # exactly on the path on track.
    slack = 1e-9 * max(1.0, abs(baseline_value), abs(target_value))
    params |= {
        "points": len(fitted),
        "slope": _number(slope),
        "projected": _number(projected),
        "latest": _number(latest),
        "tolerance": _number(tolerance * 100),
    }

    def result(status: Status, template: str) -> Assessment:
        return Assessment(status, projected, required, template, slope, len(fitted), params)

    if today >= deadline:
        if sign * (latest - target_value) >= -slack:
            return result(
                Status.ON_TRACK,
                gettext_noop(
                    "Target met: the deadline %(deadline)s has come and the latest value "
                    "%(latest)s reaches the target of %(target)s."
                ),
            )
        return result(
            Status.OFF_TRACK,
            gettext_noop(
                "Target missed: the deadline %(deadline)s has come and the latest value "
                "%(latest)s falls short of the target of %(target)s."
            ),
        )
    shortfall = sign * (target_value - projected)
    if shortfall <= slack:
        return result(
            Status.ON_TRACK,
            gettext_noop(
                "On track: the linear trend of %(points)s values (%(slope)s per year) reaches "
                "%(projected)s by %(deadline)s, which meets the target of %(target)s."
            ),
        )
    if sign * (latest - required) >= -slack:
        return result(
            Status.AT_RISK,
            gettext_noop(
                "At risk: the linear trend of %(points)s values (%(slope)s per year) reaches "
                "only %(projected)s by %(deadline)s, short of the target of %(target)s, but the "
                "latest value %(latest)s is on or ahead of the %(required)s that the straight "
                "path from the baseline to the target asks for today."
            ),
        )
    if shortfall <= tolerance * abs(target_value - baseline_value) + slack:
        return result(
            Status.AT_RISK,
            gettext_noop(
                "At risk: the linear trend of %(points)s values (%(slope)s per year) reaches "
                "%(projected)s by %(deadline)s, short of the target of %(target)s by no more "
                "than %(tolerance)s %% of the distance from the baseline of %(baseline)s."
            ),
        )
    return result(
        Status.OFF_TRACK,
        gettext_noop(
            "Off track: the linear trend of %(points)s values (%(slope)s per year) reaches only "
            "%(projected)s by %(deadline)s, short of the target of %(target)s, and the latest "
            "value %(latest)s is behind the %(required)s that the straight path from the "
            "baseline to the target asks for today."
        ),
    )


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _usable(
    measurements: Iterable[Measurement | tuple[date, float]], baseline_date: date, today: date
) -> list[tuple[date, float]]:
    points = []
    for item in measurements:
        when, value = (item.when, item.value) if isinstance(item, Measurement) else item
        when, value = _day(when), float(value)
        if math.isfinite(value) and baseline_date < when <= today:
            points.append((when, value))
    # By date only: sorting by value too would sum a mirrored series in another order.
    return sorted(points, key=lambda point: point[0])


def _spread_enough(points: list[tuple[date, float]], min_points: int) -> bool:
    # Readings all of one day have no slope of their own; the baseline then gives the second day.
    return len(points) >= min_points and len({when for when, _ in points}) >= 2


def _years(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def _least_squares(points: list[tuple[date, float]], origin: date) -> tuple[float, float]:
    """Intercept at `origin` and slope per year of the ordinary least-squares line."""
    t = np.array([_years(origin, when) for when, _ in points])
    y = np.array([value for _, value in points])
    t_mean, y_mean = t.mean(), y.mean()
    slope = float(((t - t_mean) * (y - y_mean)).sum() / ((t - t_mean) ** 2).sum())
    return float(y_mean - slope * t_mean), slope


def _on_path(
    baseline_value: float, baseline_date: date, target_value: float, deadline: date, today: date
) -> float:
    """The straight path's value today, held at the baseline before it and at the target after."""
    span = (deadline - baseline_date).days
    if span <= 0:
        return target_value
    share = min(max((today - baseline_date).days / span, 0.0), 1.0)
    return baseline_value + share * (target_value - baseline_value)


def _latest(points: list[tuple[date, float]]) -> float:
    last_day = points[-1][0]
    return float(np.mean([value for when, value in points if when == last_day]))


def _number(value: float) -> str:
    """Two decimals at most, trailing zeros dropped: 12.5, not 12.50; never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
