"""The knowledge store's JSON API at /api/knowledge."""

import pytest

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import DocumentMeasure, Tag
from gemeinsam.participation.models import Process, Visibility

from .conftest import upload

pytestmark = pytest.mark.django_db


def test_documents_are_paginated_with_tags_and_published_only(anonymous, make_document):
    for i in range(25):
        make_document(f"Dokument {i:02d}", slug=f"dokument-{i:02d}")
    make_document("Entwurf", published=False, slug="entwurf")
    tag = Tag.objects.create(name="Methode", slug="methode")
    make_document("Aaa Methode", slug="aaa").tags.add(tag)
    first = anonymous.get("/api/knowledge/documents").json()
    assert first["count"] == 26
    assert len(first["items"]) == 20
    assert first["items"][0]["tags"] == ["Methode"]
    assert first["items"][0]["url"].endswith("/knowledge/aaa/")
    second = anonymous.get("/api/knowledge/documents", {"page": 2}).json()
    assert len(second["items"]) == 6
    slugs = [d["slug"] for d in first["items"] + second["items"]]
    assert "entwurf" not in slugs


def test_document_detail_has_body_attachments_and_measures(
    anonymous, make_document, publish_strategy
):
    strategy = publish_strategy({"title": "Smart Water"})
    key = strategy.published_version.measures.get().key
    document = make_document("Handbuch", "## Phasen", slug="handbuch")
    services.add_attachment(document, upload("plan.pdf", b"%PDF"), title="Zeitplan")
    DocumentMeasure.objects.create(document=document, strategy=strategy, measure_key=key)
    data = anonymous.get("/api/knowledge/documents/handbuch").json()
    assert data["body"] == "## Phasen"
    [attachment] = data["attachments"]
    assert attachment["title"] == "Zeitplan"
    assert attachment["content_type"] == "application/pdf"
    assert attachment["url"].startswith("http://testserver/knowledge/handbuch/attachments/")
    assert anonymous.get(attachment["url"]).status_code == 200
    assert data["measures"] == [
        {
            "strategy": "gdb",
            "key": str(key),
            "title": "Smart Water",
            "url": data["measures"][0]["url"],
        }
    ]


def test_draft_document_is_404_with_a_message(anonymous, make_document):
    make_document("Entwurf", published=False, slug="entwurf")
    response = anonymous.get("/api/knowledge/documents/entwurf")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert anonymous.get("/api/knowledge/documents/gibt-es-nicht").status_code == 404


def test_search_answers_grouped(anonymous, make_document, publish_strategy):
    make_document("Stadtgrün", "Die Bäume am Platz.", slug="stadtgruen")
    publish_strategy({"title": "Bäume zählen"})
    Process.objects.create(title="Bäume im Kiez", slug="kiez", summary="Kiez")
    Process.objects.create(
        title="Bäume privat", slug="privat", summary="Geheim", visibility=Visibility.PRIVATE
    )
    data = anonymous.get("/api/knowledge/search", {"q": "Baum"}).json()
    assert data["counts"] == {"documents": 1, "measures": 1, "processes": 1}
    assert data["documents"][0]["slug"] == "stadtgruen"
    assert "<mark>Bäume</mark>" in data["documents"][0]["snippet"]
    assert data["measures"][0]["title"] == "Bäume zählen"
    assert data["processes"][0]["slug"] == "kiez"


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}, {"q": "Baum" * 60}])
def test_search_refuses_empty_or_too_long_queries_with_a_message(anonymous, query):
    response = anonymous.get("/api/knowledge/search", query)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("q", ['"', "\x00", "-(", "AND OR", "<script>"])
def test_search_never_fails_on_odd_input(anonymous, make_document, q):
    make_document("Bäume", "Bäume.")
    response = anonymous.get("/api/knowledge/search", {"q": q})
    assert response.status_code == 200


def test_openapi_lists_the_knowledge_endpoints(anonymous):
    paths = anonymous.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/knowledge/documents",
        "/api/knowledge/documents/{slug}",
        "/api/knowledge/search",
    } <= set(paths)
