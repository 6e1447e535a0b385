"""Where an indicator's measurements come from, as pluggable sources.

A source turns an indicator's `source_config` into dated values. Staff entry and CSV import
push values in (services.tracking.record_measurement, services.imports); a source that can
pull them itself, such as a SensorThings datastream, implements `fetch`, and
services.tracking.sync_indicator stores what it returns. A new kind of source registers
itself with `core.hooks.register_indicator_source` under a SourceKind value.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Max, Min, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gemeinsam.core import hooks
from gemeinsam.strategy.models import Indicator, SourceKind


class SourceError(ValueError):
    """A source's settings that cannot be used, said so that staff can fix them."""


class MeasurementSource(Protocol):
    kind: str
    pulls: bool  # True if `fetch` reads values itself; False if they are pushed in

    def check(self, config: Mapping) -> None:
        """Raise SourceError if the settings cannot work."""

    def fetch(self, indicator: Indicator, *, until: date) -> list[tuple[date, float]]:
        """The indicator's values from its baseline date up to `until`, one per date."""


@dataclass(frozen=True)
class PushedSource:
    """Values entered by staff or imported from a file: nothing to fetch."""

    kind: str
    pulls: bool = False

    def check(self, config: Mapping) -> None:
        if config:
            raise SourceError(_("This source takes no settings; leave them empty."))

    def fetch(self, indicator: Indicator, *, until: date) -> list[tuple[date, float]]:
        return []


AGGREGATES: dict[str, Callable] = {"mean": Avg, "min": Min, "max": Max, "sum": Sum, "count": Count}
PERIODS: dict[str, Callable] = {"day": TruncDay, "month": TruncMonth, "year": TruncYear}
AGGREGATE_LABELS = {
    "mean": gettext_lazy("mean"),
    "min": gettext_lazy("minimum"),
    "max": gettext_lazy("maximum"),
    "sum": gettext_lazy("sum"),
    "count": gettext_lazy("number of observations"),
}
PERIOD_LABELS = {
    "day": gettext_lazy("per day"),
    "month": gettext_lazy("per month"),
    "year": gettext_lazy("per year"),
}


@dataclass(frozen=True)
class SensorThingsSource:
    """An aggregate of a SensorThings datastream's numeric observations per day, month or
    year, in the city's time zone; the value of a period is dated on its first day.

    Settings: {"datastream": <id>, "aggregate": "mean"|"min"|"max"|"sum"|"count",
    "period": "day"|"month"|"year"}.
    """

    kind: str = SourceKind.SENSORTHINGS
    pulls: bool = True

    def check(self, config: Mapping) -> None:
        from gemeinsam.sensors.models import Datastream

        datastream = config.get("datastream")
        if not isinstance(datastream, int) or isinstance(datastream, bool):
            raise SourceError(_("Give the id of a datastream as a whole number."))
        if not Datastream.objects.filter(pk=datastream).exists():
            raise SourceError(_("There is no datastream %(id)s.") % {"id": datastream})
        if config.get("aggregate", "mean") not in AGGREGATES:
            raise SourceError(
                _("The aggregate must be one of: %(names)s.") % {"names": ", ".join(AGGREGATES)}
            )
        if config.get("period", "month") not in PERIODS:
            raise SourceError(
                _("The period must be one of: %(names)s.") % {"names": ", ".join(PERIODS)}
            )
        unknown = set(config) - {"datastream", "aggregate", "period"}
        if unknown:
            raise SourceError(
                _("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}
            )

    def fetch(self, indicator: Indicator, *, until: date) -> list[tuple[date, float]]:
        from gemeinsam.sensors.models import Observation

        config = indicator.source_config
        self.check(config)
        zone = ZoneInfo(settings.TIME_ZONE)
        period = PERIODS[config.get("period", "month")]
        aggregate = AGGREGATES[config.get("aggregate", "mean")]
        start = datetime.combine(indicator.baseline_date, time.min, zone)
        end = datetime.combine(until + timedelta(days=1), time.min, zone)
        rows = (
            Observation.objects.filter(
                datastream_id=config["datastream"],
                phenomenon_time_start__gte=start,
                phenomenon_time_start__lt=end,
                result_number__isnull=False,
            )
            .annotate(period=period("phenomenon_time_start", tzinfo=zone))
            .values("period")
            .annotate(value=aggregate("result_number"))
            .order_by("period")
        )
        return [
            (row["period"].astimezone(zone).date(), float(row["value"]))
            for row in rows
            if row["value"] is not None
        ]


# Registered with core.hooks by StrategyConfig.ready, as every extension of the strategy is.
BUILTIN_SOURCES = (
    PushedSource(SourceKind.MANUAL),
    PushedSource(SourceKind.CSV),
    SensorThingsSource(),
)


def source_for(kind: str) -> MeasurementSource:
    source = hooks.indicator_source(kind)
    if source is None:
        raise SourceError(_("Unknown source of measurements: %(kind)s.") % {"kind": kind})
    return source


def describe(indicator: Indicator) -> str:
    """The source in words, for the measure page and the report."""
    if indicator.source != SourceKind.SENSORTHINGS:
        return str(indicator.get_source_display())
    config = indicator.source_config
    return _("%(aggregate)s %(period)s of SensorThings datastream %(id)s") % {
        "aggregate": AGGREGATE_LABELS.get(config.get("aggregate", "mean"), "?"),
        "period": PERIOD_LABELS.get(config.get("period", "month"), "?"),
        "id": config.get("datastream", "?"),
    }
