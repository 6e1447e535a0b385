"""Extension points through which later apps show their content on shared pages."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessCard:
    """One running process as the home page lists it."""

    title: str
    url: str
    kind: str
    summary: str = ""
    phase: str = ""
    ends: str = ""


ProcessSource = Callable[[object], list[ProcessCard]]
_process_sources: list[ProcessSource] = []


def register_process_source(source: ProcessSource) -> None:
    """Register a function request -> [ProcessCard] (call from AppConfig.ready)."""
    if source not in _process_sources:
        _process_sources.append(source)


def active_processes(request) -> list[ProcessCard]:
    cards: list[ProcessCard] = []
    for source in _process_sources:
        cards.extend(source(request))
    return cards
