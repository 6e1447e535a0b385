"""The demo documents: published, tagged, found by the demo search, seeded once."""

import pytest

from gemeinsam.knowledge import demo, services
from gemeinsam.knowledge.models import Document, Tag

pytestmark = pytest.mark.django_db


def test_seed_twice_makes_no_duplicates():
    first = demo.seed()
    demo.seed()
    assert len(first) == Document.objects.count() == len(demo.DOCUMENTS) >= 8
    assert Tag.objects.count() == len({t for d in demo.DOCUMENTS for t in d.tags})
    assert all(d.published and d.tags.exists() for d in Document.objects.all())


def test_demo_search_for_baum_finds_the_trees_document():
    demo.seed()
    demo.seed()
    titles = [hit.document.title for hit in services.search("Baum")]
    assert "Bäume und Stadtgrün im Klimawandel" in titles
    assert len(titles) == len(set(titles))


def test_seed_puts_back_a_changed_demo_document():
    demo.seed()
    document = Document.objects.get(slug="methode-stadtgremium")
    document.title = "Verändert"
    services.save_document(document)
    demo.seed()
    assert Document.objects.get(slug="methode-stadtgremium").title == "Methode: Stadtgremium"
