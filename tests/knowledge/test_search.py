"""Search stems German on SQLite (FTS5 with Snowball stems) and PostgreSQL (`german`)."""

import pytest

from gemeinsam.knowledge import selectors, services
from gemeinsam.knowledge.models import Document

pytestmark = pytest.mark.django_db


def titles(hits) -> list[str]:
    return [hit.document.title for hit in hits]


def test_baum_finds_baeume(make_document):
    make_document("Stadtgrün", "Die Bäume am Hardenbergplatz brauchen Wasser.")
    make_document("Verkehr", "Ampeln und Radwege.")
    assert titles(selectors.search("Baum")) == ["Stadtgrün"]


def test_baeumen_finds_baum(make_document):
    make_document("Kiezbox", "Ein Baum spendet Schatten.")
    assert titles(selectors.search("Bäumen")) == ["Kiezbox"]


def test_title_match_ranks_first(make_document):
    make_document("Luftqualität", "Messungen an Straßen; ein Baum filtert Staub. " * 3)
    make_document("Bäume in Berlin", "Pflege und Bewässerung.")
    assert titles(selectors.search("Baum")) == ["Bäume in Berlin", "Luftqualität"]


def test_snippet_highlights_matches_in_escaped_text(make_document):
    make_document("Smart Water", "Regen & Wasser <script>für</script> die Bäume im Kiez.")
    [hit] = selectors.search("baum")
    assert "<mark>Bäume</mark>" in hit.snippet
    # PostgreSQL's ts_headline drops tags, SQLite's snippet escapes them: never raw HTML.
    assert "<script>" not in hit.snippet and "&amp;" in hit.snippet
    assert hit.rank > 0


def test_all_words_must_match(make_document):
    make_document("Wasser", "Regenwasser sammeln.")
    make_document("Bäume und Wasser", "Bäume gießen mit Regenwasser.")
    assert titles(selectors.search("Baum Wasser")) == ["Bäume und Wasser"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"Baum',
        "Baum*",
        "*",
        "-Baum",
        "Baum AND",
        "AND OR NOT",
        "(Baum",
        "Baum)",
        "NEAR(a b)",
        "a:b",
        "^Baum",
        "Baum & | ! <->",
        "'",
        "\x00Baum",
        "\x02",
        "   ",
        'Straße\'s "Bäume"',
    ],
)
def test_special_characters_never_raise(make_document, query):
    make_document("Bäume", "Bäume am Platz.")
    hits = selectors.search(query)
    assert isinstance(hits, list)


def test_unpublished_documents_are_not_found(make_document):
    make_document("Entwurf Bäume", "Bäume.", published=False)
    assert selectors.search("Baum") == []
    assert titles(selectors.search("Baum", include_unpublished=True)) == ["Entwurf Bäume"]


def test_changed_and_deleted_documents_follow_in_the_index(make_document):
    document = make_document("Bäume", "Alte Bäume.")
    document.title, document.body = "Wasser", "Brunnen."
    services.save_document(document)
    assert selectors.search("Baum") == []
    assert titles(selectors.search("Brunnen")) == ["Wasser"]
    services.delete_document(document)
    assert selectors.search("Brunnen") == []
    assert not Document.objects.exists()


def test_limit(make_document):
    for i in range(5):
        make_document(f"Baum {i}", "Bäume.")
    assert len(selectors.search("Baum", limit=3)) == 3


def test_rebuild_index_finds_documents_written_around_the_service(make_document):
    Document.objects.create(title="Bäume", slug="raw", body="Bäume.", published=True)
    assert services.rebuild_index() == 1
    assert titles(selectors.search("Baum")) == ["Bäume"]
