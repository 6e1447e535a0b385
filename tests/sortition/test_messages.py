"""Error messages of the CSV readers and the instance checks: English on the command line,
the user's language on the pages."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import translation

from gemeinsam.sortition.algorithms import checks, invitations, io
from gemeinsam.sortition.algorithms.instance import Instance, Quota
from gemeinsam.sortition.algorithms.io import SortitionInputError
from gemeinsam.sortition.selectors import problems
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.volunteers import Contact, add_paper_reply, import_volunteers

from .test_services import make_panel, upload
from .test_views_staff import html, url

PURE_MODULES = [checks, invitations, io]
BAD_MAX = "feature,value,min,max\ngender,female,1,x\n"


def templates(module) -> list[str]:
    """Every string marked with gettext_noop in `module`'s source."""
    tree = ast.parse(Path(module.__file__).read_text())
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "gettext_noop"
        and isinstance(node.args[0], ast.Constant)
    ]


def test_the_command_line_message_stays_english(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_MAX)
    with pytest.raises(SortitionInputError) as caught:
        io.read_features(bad)
    assert str(caught.value) == "bad.csv, line 2, column 'max': expected a whole number, found 'x'"
    assert caught.value.template == "expected a whole number, found '%(found)s'"
    assert caught.value.params == {"found": "x"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            "quoten.csv, Zeile 2, Spalte „max“: erwartet wird eine ganze Zahl, gefunden wurde „x“",
        ),
        ("en", "quoten.csv, line 2, column 'max': expected a whole number, found 'x'"),
    ],
)
def test_quota_upload_errors_are_in_the_active_language(staff, language, expected):
    panel = make_panel(staff)
    with translation.override(language), pytest.raises(ValidationError) as caught:
        upload_quotas(staff, panel, upload(BAD_MAX, "quoten.csv"))
    assert caught.value.messages == [expected]


def test_pool_upload_error_lists_the_values_in_german(staff):
    panel = make_panel(staff)
    upload_quotas(staff, panel, upload("feature,value,min,max\nOrt,Nord,0,2\n"))
    with translation.override("de"), pytest.raises(ValidationError) as caught:
        import_volunteers(staff, panel, upload("id,Ort\np1,Süd\n", "pool.csv"))
    assert caught.value.messages == [
        "pool.csv, Zeile 2, Spalte „Ort“: "
        "unbekannte Ausprägung „Süd“ (erwartet wird eine von: Nord)"
    ]


def test_problems_are_in_german(staff):
    panel = make_panel(staff, size=3)
    upload_quotas(staff, panel, upload("feature,value,min,max\nOrt,Nord,0,3\n"))
    for _person in range(2):
        add_paper_reply(staff, panel, "", {"Ort": "Nord"}, Contact())
    with translation.override("de"):
        found = problems(panel)
    assert found == ["Die Größe des Gremiums (3) ist größer als der Pool mit 2 Personen."]


def test_a_bad_quota_file_shows_german_on_the_page(staff, login):
    panel = make_panel(staff)
    client = login(staff)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(url("staff_quotas", panel), {"file": upload(BAD_MAX, "q.csv")})
    assert "q.csv, Zeile 2, Spalte „max“: erwartet wird eine ganze Zahl" in html(response)


def test_singular_and_plural_counts_of_volunteers():
    quotas = [Quota("Ort", "Nord", 0, 2)]
    values = {"a": {"Ort": "Nord"}, "b": {"Ort": "Süd"}}
    instance = Instance(people=["a", "b"], values=values, quotas=quotas, size=1)
    [problem] = checks.check_instance(instance)
    assert problem.message.startswith("1 volunteer has value 'Süd'")
    with translation.override("de"):
        german = translation.gettext(problem.template) % problem.params
    assert german.startswith("1 freiwillige Person hat die Ausprägung „Süd“")


@pytest.mark.parametrize("module", PURE_MODULES, ids=lambda module: module.__name__)
def test_every_template_of_the_pure_package_has_a_german_translation(module):
    found = templates(module)
    assert found
    with translation.override("de"):
        untranslated = [text for text in found if translation.gettext(text) == text]
    assert untranslated == []


def test_the_pure_package_imports_no_django():
    code = (
        "import sys; import gemeinsam.sortition.algorithms.checks, "
        "gemeinsam.sortition.algorithms.invitations, gemeinsam.sortition.algorithms.io; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
