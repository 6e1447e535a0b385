"""The demo documents: published, tagged, found by the demo search, seeded once."""

import pytest

from gemeinsam.knowledge import demo, selectors, services
from gemeinsam.knowledge.models import Document, DocumentMeasure, Tag

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
    titles = [hit.document.title for hit in selectors.search("Baum")]
    assert "Bäume und Stadtgrün im Klimawandel" in titles
    assert len(titles) == len(set(titles))


def test_seed_puts_back_a_changed_demo_document():
    demo.seed()
    document = Document.objects.get(slug="methode-stadtgremium")
    document.title = "Verändert"
    services.save_document(document)
    demo.seed()
    assert Document.objects.get(slug="methode-stadtgremium").title == "Methode: Stadtgremium"


def test_demo_documents_belong_to_the_demo_pilots():
    from gemeinsam.core.demo import load_demo_content as load_core
    from gemeinsam.strategy.demo import load_demo_content as load_strategy

    load_core()
    strategy = load_strategy()
    demo.seed()
    pilots = {m.key: m.title for m in strategy.published_version.measures.all()}
    linked = {
        link.document.slug: pilots[link.measure_key]
        for link in DocumentMeasure.objects.select_related("document")
    }
    assert linked["baeume-und-stadtgruen-im-klimawandel"].startswith("Smart Water")
    demo.seed()
    assert DocumentMeasure.objects.count() == len(linked)
