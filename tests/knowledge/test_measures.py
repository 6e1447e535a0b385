"""Links from documents to measures: kept by the measure's key, titled by the published
version, listed on the document page and asked for by the measure's page."""

import pytest
from django.urls import NoReverseMatch

from gemeinsam.knowledge import selectors, services
from gemeinsam.knowledge.models import DocumentMeasure, measure_url
from gemeinsam.strategy.services import versions as strategy_services

pytestmark = pytest.mark.django_db


def link(document, strategy, title: str) -> DocumentMeasure:
    measure = strategy.published_version.measures.get(title=title)
    return DocumentMeasure.objects.create(
        document=document, strategy=strategy, measure_key=measure.key
    )


def test_document_page_lists_linked_measures(anonymous, make_document, publish_strategy):
    strategy = publish_strategy({"title": "Kiezbox 2.0"}, {"title": "Smart Water"})
    document = make_document("Handbuch", slug="handbuch")
    link(document, strategy, "Smart Water")
    html = anonymous.get(document.get_absolute_url()).content.decode()
    assert "Smart Water" in html
    assert "Kiezbox" not in html


def test_title_comes_from_the_latest_published_version(make_document, publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"})
    document = make_document("Handbuch")
    link(document, strategy, "Smart Water")
    draft = strategy_services.start_draft(strategy)
    strategy_services.edit_item(draft.measures.get(), title="Smart Water und Stadtgrün")
    assert [m.title for m in selectors.linked_measures(document)] == ["Smart Water"]
    strategy_services.publish(draft, change_note="Neuer Titel")
    assert [m.title for m in selectors.linked_measures(document)] == ["Smart Water und Stadtgrün"]


def test_measure_removed_from_the_published_version_is_not_listed(make_document, publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"})
    document = make_document("Handbuch")
    link(document, strategy, "Smart Water")
    draft = strategy_services.start_draft(strategy)
    strategy_services.remove_item(draft.measures.get())
    strategy_services.publish(draft, change_note="Maßnahme beendet")
    assert selectors.linked_measures(document) == []


def test_measure_url_uses_the_strategy_page_when_there_is_one(publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"})
    key = strategy.published_version.measures.get().key
    try:
        from django.urls import reverse

        expected = reverse("strategy:measure", args=[strategy.slug, str(key)])
    except NoReverseMatch:
        expected = None
    assert measure_url(strategy.slug, key) == expected


def test_documents_for_measure_lists_published_documents_only(make_document, publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"}, {"title": "Kiezbox"})
    public = make_document("Bäume gießen")
    draft = make_document("Entwurf", published=False)
    other = make_document("Kiezbox im Krisenfall")
    link(public, strategy, "Smart Water")
    link(draft, strategy, "Smart Water")
    link(other, strategy, "Kiezbox")
    key = strategy.published_version.measures.get(title="Smart Water").key
    assert selectors.documents_for_measure(key) == [public]
    assert selectors.documents_for_measure(str(key)) == [public]


def test_admin_links_a_measure_of_the_published_version(login, make_document, publish_strategy):
    from django.urls import reverse

    from gemeinsam.core.models import User

    strategy = publish_strategy({"title": "Smart Water"})
    key = strategy.published_version.measures.get().key
    document = make_document("Handbuch", slug="handbuch")
    client = login(User.objects.create_superuser(email="root@example.org", password="x"))
    url = reverse("admin:knowledge_document_change", args=[document.pk])
    assert "Smart Water" in client.get(url).content.decode()
    data = {
        "title": "Handbuch",
        "slug": "handbuch",
        "body": "",
        "published": "on",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "measure_links-TOTAL_FORMS": "2",
        "measure_links-INITIAL_FORMS": "0",
        "measure_links-0-measure": f"{strategy.pk}:{key}",
        "measure_links-1-measure": f"{strategy.pk}:{key}",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the same measure twice is refused
    assert not DocumentMeasure.objects.exists()
    data["measure_links-TOTAL_FORMS"] = "1"
    assert client.post(url, data).status_code == 302
    link = DocumentMeasure.objects.get()
    assert (link.document, link.strategy, link.measure_key) == (document, strategy, key)


def test_the_measure_page_lists_its_published_documents(anonymous, make_document, publish_strategy):
    strategy = publish_strategy({"title": "Smart Water"})
    shown = make_document("Bäume im Klimawandel", slug="baeume")
    hidden = make_document("Entwurf zum Gießen", slug="entwurf")
    hidden.published = False
    services.save_document(hidden)
    link(shown, strategy, "Smart Water")
    link(hidden, strategy, "Smart Water")
    measure = strategy.published_version.measures.get()
    html = anonymous.get(f"/strategy/{strategy.slug}/measures/{measure.key}/").content.decode()
    assert shown.get_absolute_url() in html
    assert "Entwurf zum Gießen" not in html
