"""One search over documents, measures of the published strategy versions and public
participation processes; German stems on both databases."""

import pytest
from django.urls import reverse

from gemeinsam.knowledge import selectors
from gemeinsam.participation.models import Process, Visibility
from gemeinsam.strategy.services import versions as strategy_services

pytestmark = pytest.mark.django_db


def process(title: str, slug: str, visibility=Visibility.PUBLIC, **fields) -> Process:
    return Process.objects.create(
        title=title, slug=slug, summary="Worum es geht", visibility=visibility, **fields
    )


def test_baeume_finds_a_measure_titled_baum(publish_strategy):
    publish_strategy(
        {"title": "Baum-Monitoring mit Sensoren", "summary": "Bodenfeuchte messen."},
        {"title": "Kiezbox 2.0", "summary": "Strom im Krisenfall."},
    )
    results = selectors.search_all("Bäume")
    assert [hit.title for hit in results.measures] == ["Baum-Monitoring mit Sensoren"]
    assert results.measures[0].strategy.slug == "gdb"


def test_measures_are_found_by_summary_and_description_with_marks(publish_strategy):
    publish_strategy(
        {"title": "Smart Water", "summary": "Sensoren messen die <b>Bodenfeuchte</b>."},
        {"title": "Kiezbox", "description": "Die Bodenfeuchte der Bäume im Kiez."},
    )
    hits = selectors.search_all("Bodenfeuchte").measures
    assert {hit.title for hit in hits} == {"Smart Water", "Kiezbox"}
    smart_water = next(hit for hit in hits if hit.title == "Smart Water")
    assert "<mark>Bodenfeuchte</mark>" in smart_water.snippet
    assert "<b>" not in smart_water.snippet


def test_title_match_ranks_before_a_description_match(publish_strategy):
    publish_strategy(
        {"title": "Kiezbox", "description": "Auch für Bäume."},
        {"title": "Bäume in der Stadt"},
    )
    assert [hit.title for hit in selectors.search_all("Baum").measures] == [
        "Bäume in der Stadt",
        "Kiezbox",
    ]


def test_only_the_published_version_is_searched(publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"})
    draft = strategy_services.start_draft(strategy)
    strategy_services.edit_item(draft.measures.get(), title="Bäume gießen")
    assert selectors.search_all("Baum").measures == []
    assert [h.title for h in selectors.search_all("Smart").measures] == ["Smart Water"]
    strategy_services.publish(draft, change_note="Neuer Titel")
    assert [h.title for h in selectors.search_all("Baum").measures] == ["Bäume gießen"]
    assert selectors.search_all("Smart").measures == []


def test_a_public_process_is_found_but_not_a_private_one(db):
    process("Bäume im Kiez", "baeume-oeffentlich")
    process("Bäume geheim", "baeume-privat", visibility=Visibility.PRIVATE)
    hits = selectors.search_all("Baum").processes
    assert [hit.title for hit in hits] == ["Bäume im Kiez"]
    assert hits[0].url == reverse("participation:process", args=["baeume-oeffentlich"])


def test_process_found_by_its_description(db):
    process("Ideen für Berlin", "ideen", description="Welche Bäume soll der Bezirk pflanzen?")
    [hit] = selectors.search_all("Baum").processes
    assert "<mark>Bäume</mark>" in hit.snippet


def test_all_three_kinds_together(make_document, publish_strategy):
    make_document("Stadtgrün", "Die Bäume am Platz.")
    publish_strategy({"title": "Baumpflege"}, {"title": "Bäume zählen"})
    process("Bäume im Kiez", "kiez")
    results = selectors.search_all("Baum")
    assert [h.document.title for h in results.documents] == ["Stadtgrün"]
    assert [h.title for h in results.measures] == ["Bäume zählen"]  # Baumpflege: other stem
    assert [h.title for h in results.processes] == ["Bäume im Kiez"]
    assert results.total == 3


def test_every_word_must_match_and_limit_applies(publish_strategy):
    publish_strategy(*({"title": f"Bäume und Wasser {i}"} for i in range(4)), {"title": "Bäume"})
    assert len(selectors.search_all("Baum Wasser").measures) == 4
    assert len(selectors.search_all("Baum", limit=2).measures) == 2


@pytest.mark.parametrize("query", ["", "   ", "\x00", '"', "-Baum", "Baum & | !", "*"])
def test_odd_queries_never_raise(publish_strategy, query):
    publish_strategy({"title": "Bäume"})
    process("Bäume", "baeume")
    results = selectors.search_all(query)
    assert results.total >= 0


def test_search_page_shows_the_three_groups(anonymous, make_document, publish_strategy):
    make_document("Stadtgrün", "Die Bäume am Platz.", slug="stadtgruen")
    publish_strategy({"title": "Bäume zählen", "summary": "Alle <Bäume> der Stadt."})
    process("Bäume im Kiez", "kiez")
    process("Bäume privat", "privat", visibility=Visibility.PRIVATE)
    html = anonymous.get(reverse("knowledge:index"), {"q": "Baum"}).content.decode()
    for heading in ("found-documents", "found-measures", "found-processes"):
        assert f'id="{heading}"' in html
    assert 'role="status"' in html
    assert reverse("participation:process", args=["kiez"]) in html
    assert "Bäume privat" not in html
    assert "&lt;<mark>Bäume</mark>&gt;" in html or "<mark>Bäume</mark>" in html
    assert "<Bäume>" not in html
