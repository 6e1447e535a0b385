"""No query string makes a page fail: every page of the demo, crawled as a visitor and as an
administrator, gets out-of-range and non-numeric values in each query parameter it reads.

Which parameters a page reads comes from the code: `request.GET` and `int_param` in its view's
module and the modules of ours that it imports, and the fields of forms bound to `request.GET`.
"""

import ast
import importlib
import io
import re
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import translation

from gemeinsam.core.models import User

SOURCE = Path(__file__).resolve().parents[1] / "src" / "gemeinsam"
# The API answers 422 itself (tests/test_openapi.py); SensorThings has its own fuzz tests;
# admin and accounts are Django's and allauth's pages.
SKIPPED = ("/api/", "/sta/", "/admin/", "/accounts/", "/static/", "/media/", "/healthz")
BAD_VALUES = [
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "abc",
    "٣",  # an Arabic-Indic three: str.isdigit() says yes, a database column says no
    "²",
    "NaN",
    "1e99",
    "1.5",
    "",
    "\x00",
]
MAX_PAGES_PER_VIEW = 1


def is_get(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "GET"


def first_literal(node: ast.Call) -> set[str]:
    first = node.args[0] if node.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return {first.value}
    return set()


def read_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Query parameter names a module reads, and the forms it binds to request.GET."""
    names, forms = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and is_get(func.value):
                names |= first_literal(node)
            elif isinstance(func, ast.Name) and func.id == "int_param":
                names |= {a.value for a in node.args[1:2] if isinstance(a, ast.Constant)}
            elif isinstance(func, ast.Name) and node.args and is_get(node.args[0]):
                forms.add(func.id)
        elif isinstance(node, ast.Subscript) and is_get(node.value):
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
        elif (
            isinstance(node, ast.Compare)
            and any(is_get(c) for c in node.comparators)
            and isinstance(node.left, ast.Constant)
        ):
            names.add(node.left.value)
    return names, forms


def form_fields(form_name: str) -> set[str]:
    for path in [*SOURCE.rglob("forms.py"), *SOURCE.rglob("forms/*.py")]:
        if f"class {form_name}(" in path.read_text():
            dotted = "gemeinsam." + ".".join(path.relative_to(SOURCE).with_suffix("").parts)
            return set(getattr(importlib.import_module(dotted), form_name).base_fields)
    return set()


def module_parameters(dotted: str, seen: set[str] | None = None) -> set[str]:
    """The parameters a module reads, with those of the modules of ours it imports."""
    module = sys.modules.get(dotted) or importlib.import_module(dotted)
    tree = ast.parse(Path(module.__file__).read_text())
    names, forms = read_names(tree)
    for form in forms:
        names |= form_fields(form)
    if seen is None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gemeinsam."):
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    source = target if target in sys.modules else node.module
                    if source in sys.modules and hasattr(sys.modules[source], "__file__"):
                        names |= module_parameters(source, seen=set())
    return names


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def crawl(client: Client, seeds: list[str]) -> dict[str, list[str]]:
    """Same-site links reachable from the seeds, a few per view, by view name."""
    found: dict[str, list[str]] = {}
    queue, visited = deque(seeds), set()
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in visited or path.startswith(SKIPPED) or "logout" in path:
            continue
        visited.add(url)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        pages = found.setdefault(match.view_name, [])
        if len(pages) >= 3:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        pages.append(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc in ("", "testserver"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return {name: urls for name, urls in found.items() if urls}


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for this module and rolled back at its end."""
    from gemeinsam.budgeting.demo import load_demo_content as load_budgeting
    from gemeinsam.core.demo import load_demo_content as load_core
    from gemeinsam.knowledge.demo import seed as load_knowledge
    from gemeinsam.participation.demo import load_demo_content as load_participation
    from gemeinsam.sensors.demo import load_demo as load_sensors
    from gemeinsam.sortition.demo import load_demo_content as load_sortition
    from gemeinsam.strategy.demo import load_demo_content as load_strategy

    with django_db_blocker.unblock(), transaction.atomic():
        load_core()
        load_participation()
        load_budgeting()
        load_sortition()
        load_sensors(io.StringIO())
        load_strategy()
        load_knowledge()
        yield
        transaction.set_rollback(True)


def test_the_parameter_scan_finds_what_pages_read():
    """The scan is what the fuzzing below relies on: it must see the known readers."""
    assert {"category", "page", "q"} <= module_parameters("gemeinsam.participation.views.public")
    assert {"year", "version"} <= module_parameters("gemeinsam.strategy.views.report")
    assert "count" in module_parameters("gemeinsam.budgeting.views.results")


@pytest.mark.parametrize("persona", ["anonymous", "administrator"])
def test_no_query_parameter_value_makes_a_page_fail(demo_site, db, persona):
    client = Client(raise_request_exception=False)
    if persona == "administrator":
        client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    with translation.override("en"):
        pages = crawl(client, ["/", "/staff/audit/", "/staff/processes/", "/staff/strategy/"])
    assert len(pages) > (40 if persona == "administrator" else 25), sorted(pages)
    # The pages whose views read numbers from the query string are among them.
    readers = {"participation:process", "participation:idea_map", "sensors:thing"}
    if persona == "administrator":
        readers |= {"budgeting:results", "core:audit_log", "sortition:staff_volunteers"}
    assert readers <= set(pages), sorted(pages)
    failures = []
    for view_name, urls in sorted(pages.items()):
        callback = resolve(urlsplit(urls[0]).path).func
        module = getattr(callback, "__module__", "")
        parameters = {"page"}
        if module.startswith("gemeinsam."):
            parameters |= module_parameters(module)
        for url in urls[:MAX_PAGES_PER_VIEW]:
            path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
            for value in BAD_VALUES:
                tries = [{name: value} for name in sorted(parameters)]
                tries.append(dict.fromkeys(parameters, value))
                for changed in tries:
                    target = f"{path}?{urlencode({**query, **changed})}"
                    status = client.get(target).status_code
                    if status >= 500:
                        failures.append(f"{view_name} {target} -> {status}")
    assert failures == []


def test_bad_values_cover_what_the_issue_names():
    assert {"99999999999999999999", "-1", "abc", "NaN", "1e99"} <= set(BAD_VALUES)
    assert any(re.fullmatch(r"\d", v) and not v.isascii() for v in BAD_VALUES)
