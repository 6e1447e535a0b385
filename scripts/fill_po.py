"""Fill a .po catalogue from a Python dict of translations (msgid -> msgstr).

    .venv/bin/python scripts/fill_po.py src/gemeinsam/locale/de/LC_MESSAGES/django.po DICT.py

DICT.py defines DE = {...}; a plural is keyed by its singular msgid, valued (one, many).
Existing translations are kept; the untranslated are listed.
"""

import runpy
import sys
from datetime import UTC, datetime

from babel.messages.pofile import read_po, write_po


def main(po_path: str, dict_path: str) -> None:
    translations = runpy.run_path(dict_path)["DE"]
    with open(po_path, "rb") as po:
        catalogue = read_po(po, locale="de")
    catalogue.project, catalogue.version = "Gemeinsam", "0.1"
    catalogue.copyright_holder = "Gemeinsam contributors"
    catalogue.last_translator = catalogue.language_team = "Gemeinsam contributors"
    catalogue.fuzzy = False
    catalogue.revision_date = datetime.now(UTC)
    for message in catalogue:
        plural = isinstance(message.string, tuple)
        if message.id and message.fuzzy:  # msgmerge's guess from a similar msgid, not ours
            message.string = ("",) * len(message.string) if plural else ""
            message.flags.discard("fuzzy")
        empty = not all(message.string) if plural else not message.string
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.id and empty and key in translations:
            if plural and isinstance(translations[key], str):
                raise SystemExit(f"{key!r} is a plural: give (one, many), not one string")
            message.string = translations[key]  # a plural's key is its singular msgid
    with open(po_path, "wb") as po:
        write_po(po, catalogue, width=100, omit_header=False)
    missing = [
        m.id
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    print(f"untranslated: {missing}")


if __name__ == "__main__":
    main(*sys.argv[1:])
