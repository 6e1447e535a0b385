"""Project hygiene: documented settings, complete translations, migrations in step."""

import re
from io import StringIO
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "gemeinsam"


def environment_variables_read() -> set[str]:
    pattern = re.compile(
        r"""(?:env_(?:str|bool|int|list)|os\.environ\.get)\(\s*["']([A-Z_]+)["']"""
    )
    names = set()
    for path in SOURCE.rglob("*.py"):
        names |= set(pattern.findall(path.read_text()))
    return names


def test_every_environment_variable_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    table_names = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    read = environment_variables_read()
    assert {
        "DATABASE_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "GEMEINSAM_DATA_DIR",
        "EMAIL_URL",
    } <= read
    assert read - table_names == set()


def test_german_catalogue_is_complete_and_matches_the_source():
    with (SOURCE / "locale/de/LC_MESSAGES/django.po").open("rb") as po:
        catalogue = read_po(po)
    untranslated = [
        m.id
        for m in catalogue
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    used = set()
    for path in SOURCE.rglob("*"):
        if path.suffix in {".py", ".html", ".txt"}:
            text = path.read_text()
            used |= set(re.findall(r'\b(?:_|gettext_lazy|gettext)\(\s*"([^"\\]+)"\s*\)', text))
            used |= set(re.findall(r'{% translate "([^"]+)"', text))
    missing = sorted(used - {m.id for m in catalogue if isinstance(m.id, str)})
    assert missing == [], "run: gemeinsam makemessages -l de --no-location"


@pytest.mark.django_db
def test_models_and_migrations_are_in_step():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
