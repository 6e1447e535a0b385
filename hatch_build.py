"""Hatch build hook: compile the committed gettext catalogues (.po) into .mo files.

Runs for wheels and editable installs alike, so `pip install -e .` leaves a working
German/English UI without GNU gettext on the machine (Babel compiles in pure Python).
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileMessagesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path(self.root, "src", "gemeinsam").rglob("*.po"):
            mo_path = po_path.with_suffix(".mo")
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, abort_invalid=True)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
