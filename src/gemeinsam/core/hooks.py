"""Every extension point of Gemeinsam, in one file (as datasette's hookspecs.py).

An app that adds to a shared page or process registers here from its AppConfig.ready();
the app that owns the page only reads here. So core and participation never import the
apps built on them, and a reader finds every seam of the platform on one page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# --- The home page: running processes of every kind ----------------------------------


@dataclass(frozen=True)
class ProcessCard:
    """One running process as the home page lists it."""

    title: str
    url: str
    kind: str
    summary: str = ""
    phase: str = ""
    ends: str = ""


ProcessSource = Callable[[Any], list[ProcessCard]]  # request -> cards
_process_sources: list[ProcessSource] = []


def register_process_source(source: ProcessSource) -> None:
    """A function request -> [ProcessCard] whose cards the home page shows."""
    if source not in _process_sources:
        _process_sources.append(source)


def active_processes(request) -> list[ProcessCard]:
    cards: list[ProcessCard] = []
    for source in _process_sources:
        cards.extend(source(request))
    return cards


# --- A participation process: links from the apps built on it, and its phase changes ---

# Sent with `process` after a process's phases were replaced and the change committed,
# e.g. so that budgeting queues its count for the new end of voting.
phases_changed = Signal()

ProcessLink = Callable[[Any], tuple[str, str] | None]  # process -> (label, url) or None
_process_links: list[ProcessLink] = []


def register_process_link(link: ProcessLink) -> None:
    """A link on a process page. It may depend on the process only (the page is cached)."""
    if link not in _process_links:
        _process_links.append(link)


def process_links(process) -> list[tuple[str, str]]:
    return [found for link in _process_links if (found := link(process)) is not None]


# --- Personal data: "download my data" and account deletion ---------------------------

Exporter = Callable[[Any], Any]  # user -> JSON-able data
Eraser = Callable[[Any], None]  # user -> None (delete or anonymise)


@dataclass(frozen=True)
class PersonalDataSection:
    key: str
    export: Exporter
    erase: Eraser | None = None


_personal_data: dict[str, PersonalDataSection] = {}


def register_personal_data(key: str, export: Exporter, erase: Eraser | None = None) -> None:
    """A section of the data download under `key` (e.g. "ideas"), and how to erase it."""
    _personal_data[key] = PersonalDataSection(key, export, erase)


def personal_data_sections() -> list[PersonalDataSection]:
    return [_personal_data[key] for key in sorted(_personal_data)]


# --- Uploaded files: who may see a file in a folder of MEDIA_ROOT ---------------------

MediaGuard = Callable[[Any, str], bool]  # (request, path) -> may see
_media_guards: dict[str, MediaGuard] = {}


def register_media_guard(folder: str, guard: MediaGuard) -> None:
    """A check for the files under `folder`, so that private files are not served."""
    _media_guards[folder.strip("/") + "/"] = guard


def media_guard(path: str) -> MediaGuard | None:
    return next((g for folder, g in _media_guards.items() if path.startswith(folder)), None)


# --- The strategy: where an indicator's values come from, and what a measure links to --


# A source has `kind`, `pulls`, `check(config)` and `fetch(indicator, until=...)`: the
# protocol strategy.sources.MeasurementSource, whose built-in sources register here too.
_indicator_sources: dict[str, Any] = {}


def register_indicator_source(source) -> None:
    """A kind of source for indicator values, under its `kind`."""
    _indicator_sources[source.kind] = source


def indicator_source(kind: str):
    return _indicator_sources.get(kind)


MeasureRelated = Callable[[Any], list[tuple[str, str]]]  # measure key -> [(title, url)]
_measure_related: list[MeasureRelated] = []


def register_measure_related(source: MeasureRelated) -> None:
    """Things another app relates to a measure (e.g. knowledge documents), by measure key."""
    if source not in _measure_related:
        _measure_related.append(source)


def measure_related(measure_key) -> list[tuple[str, str]]:
    return [item for source in _measure_related for item in source(measure_key)]


# --- The audit log: what each app's verbs are called on the staff pages -----------------

_audit_verbs: dict[str, Any] = {}


def register_audit_verbs(labels: dict[str, Any]) -> None:
    """Labels (lazily translated) of an app's audit verbs, e.g. {"strategy.publish": ...}."""
    _audit_verbs.update(labels)


def audit_verbs() -> dict[str, Any]:
    return dict(_audit_verbs)


# --- The worker: upkeep it runs when it starts and then once a day ---------------------

Upkeep = Callable[[], None]
_daily_upkeep: list[Upkeep] = []


def register_daily_upkeep(job: Upkeep) -> None:
    """A job `gemeinsam worker` runs at its start and daily (sensors: partitions ahead)."""
    if job not in _daily_upkeep:
        _daily_upkeep.append(job)


def daily_upkeep() -> list[Upkeep]:
    return list(_daily_upkeep)
