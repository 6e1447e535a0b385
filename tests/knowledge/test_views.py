import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_search_page_shows_highlighted_hits(anonymous, make_document):
    make_document("Stadtbäume", "Die Bäume am Platz.", slug="stadtbaeume")
    response = anonymous.get(reverse("knowledge:index"), {"q": "Baum"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Bäume</mark>" in html
    assert reverse("knowledge:document", args=["stadtbaeume"]) in html


def test_search_page_escapes_the_query(anonymous, make_document):
    response = anonymous.get(reverse("knowledge:index"), {"q": '<script>"x AND *'})
    assert response.status_code == 200
    assert '<script>"x' not in response.content.decode()


def test_index_lists_published_documents_only(anonymous, make_document):
    make_document("Öffentlich", published=True)
    make_document("Entwurf", published=False)
    html = anonymous.get(reverse("knowledge:index")).content.decode()
    assert "Öffentlich" in html and "Entwurf" not in html


def test_document_page_renders_markdown(anonymous, make_document):
    make_document("Methode", "## Schritte\n\n*Workshop* <script>x</script>", slug="methode")
    response = anonymous.get(reverse("knowledge:document", args=["methode"]))
    html = response.content.decode()
    assert "<h2>Schritte</h2>" in html and "<em>Workshop</em>" in html
    assert "<script>x" not in html


def test_draft_is_hidden_from_the_public_but_shown_to_staff(anonymous, login, make_document):
    from gemeinsam.core.models import User

    make_document("Entwurf", published=False, slug="entwurf")
    url = reverse("knowledge:document", args=["entwurf"])
    assert anonymous.get(url).status_code == 404
    editor = User.objects.create_user(email="ed@example.org", password="x", is_staff=True)
    assert login(editor).get(url).status_code == 200
