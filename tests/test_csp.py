"""Content-Security-Policy: every page of the demo sends the policy, built from the settings,
and no template holds code or styles that the policy would block (inline scripts, handlers)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from gemeinsam.lib.csp import tile_source

from . import demo_pages

PACKAGE = Path(settings.PACKAGE_DIR)
TEMPLATES = sorted(PACKAGE.glob("**/templates/**/*.html"))

EXPECTED = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "https://tile.openstreetmap.org"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://tiles.local:8080/{z}/{x}/{y}.png", "http://tiles.local:8080"),
        ("/tiles/{z}/{x}/{y}.png", None),
    ],
)
def test_the_tile_server_is_the_only_other_image_source(template, source):
    assert tile_source(template) == source


@pytest.mark.django_db
def test_every_page_of_the_demo_carries_the_policy():
    demo_pages.load_demo()
    clients = {demo_pages.ANONYMOUS: Client()}
    for persona, user in demo_pages.personas().items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    pages = demo_pages.site_pages() + demo_pages.admin_pages()
    wrong = []
    for page in pages:
        response = clients[page.persona].get(page.path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            wrong.append(f"{page.path} as {page.persona}: {response.status_code}")
        elif directives(response.get("Content-Security-Policy", "")) != EXPECTED:
            wrong.append(f"{page.path}: {response.get('Content-Security-Policy')!r}")
    assert len(pages) > 150
    assert wrong == []


def test_error_pages_carry_the_policy(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert directives(response["Content-Security-Policy"]) == EXPECTED


SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
BLOCKED_ATTRIBUTE = re.compile(r"""\s(on[a-z]+|style)\s*=\s*["'{]""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def blocked_markup(text: str) -> list[str]:
    """Markup the policy blocks: inline scripts (JSON data blocks are not run, so allowed),
    event handler attributes, style attributes and style elements."""
    found = [
        tag
        for tag in SCRIPT.findall(text)
        if "src=" not in tag and 'type="application/json"' not in tag
    ]
    found += [match.group(0).strip() for match in BLOCKED_ATTRIBUTE.finditer(text)]
    found += STYLE_ELEMENT.findall(text)
    return found


def test_the_markup_check_finds_what_the_policy_blocks():
    assert blocked_markup('<script>alert(1)</script><script src="/a.js"></script>') == ["<script>"]
    assert blocked_markup('<button onclick="go()">') == ['onclick="']
    assert blocked_markup('<span style="width: 3%">') == ['style="']
    assert blocked_markup("<style>p {}</style>") == ["<style"]
    assert blocked_markup('<script type="application/json" id="d">{}</script>') == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_holds_inline_scripts_handlers_or_styles(template):
    assert blocked_markup(template.read_text()) == []
