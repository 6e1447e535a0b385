"""Measurements of a strategy's indicators from a CSV file.

Columns (header row, comma or semicolon): `indicator` (the indicator's key, or its name as in
the latest version), `date` (YYYY-MM-DD or DD.MM.YYYY), `value` (decimal point or comma) and,
optionally, `note`. Every row is checked first; if any row is wrong nothing is stored and every
error is reported with its file and line, so a file is either imported whole or not at all.
"""

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.strategy.models import Indicator, SourceKind, Strategy
from gemeinsam.strategy.services.tracking import ProgressError, record_measurement

REQUIRED = ("indicator", "date", "value")
MAX_ERRORS = 50


@dataclass
class ImportReport:
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(ValueError):
    def __init__(self, report: ImportReport):
        super().__init__("\n".join(report.errors))
        self.report = report


def _indicators(strategy: Strategy) -> tuple[dict[UUID, Indicator], dict[str, Indicator]]:
    """Each indicator key and name with its newest definition (later versions win)."""
    by_key: dict[UUID, Indicator] = {}
    by_name: dict[str, Indicator] = {}
    indicators = Indicator.objects.filter(version__strategy=strategy).select_related("version")
    for indicator in indicators.order_by("version__number"):
        by_key[indicator.key] = indicator
        by_name[indicator.name.strip().casefold()] = indicator
    return by_key, by_name


def _date(raw: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD or DD.MM.YYYY).") % {"value": raw})


def _number(raw: str) -> float:
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not math.isfinite(value):
        raise ValueError(_("“%(value)s” is not a finite number.") % {"value": raw})
    return value


def _reader(content: bytes | str, report: ImportReport) -> csv.DictReader:
    """The file's rows under lower-case column names; ImportFailed if it cannot be read."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.errors.append(
                _("%(file)s: the file is not UTF-8 text; save it as CSV (UTF-8).")
                % {"file": report.filename}
            )
            raise ImportFailed(report) from None
    lines = io.StringIO(content).readlines()
    sample = "".join(lines[:5])
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        report.errors.append(
            _("%(file)s, line 1: missing columns: %(names)s.")
            % {"file": report.filename, "names": ", ".join(missing)}
        )
        raise ImportFailed(report)
    reader.fieldnames = header
    return reader


Row = tuple[Indicator, date, float, str]


def _parse(row: dict, indicators: tuple[dict, dict], today: date) -> Row:
    """A row's indicator, date, value and note; ValueError says what is wrong with it."""
    by_key, by_name = indicators
    name = (row.get("indicator") or "").strip()
    try:
        indicator = by_key.get(UUID(name))
    except ValueError:
        indicator = by_name.get(name.casefold())
    if indicator is None:
        raise ValueError(_("no indicator “%(name)s” in this strategy.") % {"name": name})
    when = _date(row.get("date") or "")
    value = _number(row.get("value") or "")
    if when < indicator.baseline_date:
        raise ValueError(
            _("the date lies before the baseline date %(date)s.")
            % {"date": indicator.baseline_date.isoformat()}
        )
    if when > today:
        raise ValueError(_("the date lies in the future."))
    return indicator, when, value, (row.get("note") or "").strip()


def import_measurements(
    strategy: Strategy, content: bytes | str, *, filename: str = "upload.csv", user=None
) -> ImportReport:
    """Store every row of the file, or none; raises ImportFailed with the report if any row
    is wrong."""
    report = ImportReport(filename)
    reader = _reader(content, report)
    indicators = _indicators(strategy)
    today = timezone.localdate()
    parsed: list[Row] = []
    for row in reader:
        report.rows += 1
        try:
            parsed.append(_parse(row, indicators, today))
        except ValueError as error:
            report.errors.append(
                _("%(file)s, line %(line)s: %(error)s")
                % {"file": filename, "line": reader.line_num, "error": error}
            )
            if len(report.errors) >= MAX_ERRORS:
                report.errors.append(_("Stopped after %(n)s errors.") % {"n": MAX_ERRORS})
                break
    if report.errors:
        raise ImportFailed(report)
    _store(strategy, parsed, report, user)
    return report


@transaction.atomic
def _store(strategy: Strategy, parsed: list[Row], report: ImportReport, user) -> None:
    for indicator, when, value, note in parsed:
        try:
            _measurement, created = record_measurement(
                indicator, when, value, user=user, note=note, source=SourceKind.CSV
            )
        except ProgressError as error:  # checked above; kept for a changed definition
            report.errors.append(f"{report.filename}: {error}")
            raise ImportFailed(report) from error
        report.created += created
        report.updated += not created
    audit.record(
        user,
        "strategy.measurements_imported",
        strategy,
        count=report.rows,
        created=report.created,
        updated=report.updated,
    )
