"""Registry of personal data held by each app, for "download my data" and account deletion.

Every app that stores something a person wrote or chose registers an exporter (what to
put in the download) and an eraser (what to delete or anonymise when the account goes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]


@dataclass(frozen=True)
class PersonalDataSection:
    key: str
    export: Exporter
    erase: Eraser | None = None


_sections: dict[str, PersonalDataSection] = {}


def register(key: str, export: Exporter, erase: Eraser | None = None) -> None:
    """Register a section of the data download under `key` (e.g. "ideas")."""
    _sections[key] = PersonalDataSection(key, export, erase)


def sections() -> list[PersonalDataSection]:
    return [_sections[key] for key in sorted(_sections)]
