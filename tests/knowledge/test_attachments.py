"""Attachments: the allowed types and size, downloads with safe headers, drafts hidden."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import MAX_ATTACHMENT_SIZE, Attachment

from .conftest import upload

pytestmark = pytest.mark.django_db


def test_pdf_is_attached_with_size_and_type_from_its_extension(make_document):
    document = make_document("Handbuch", slug="handbuch")
    attachment = services.add_attachment(
        document, upload("Handbuch 2026.pdf", b"%PDF-1.7 x", "text/html")
    )
    assert attachment.size == 10
    assert attachment.content_type == "application/pdf"  # not what the browser claimed
    assert attachment.title == "Handbuch 2026"
    assert attachment.file.name.startswith("knowledge/")


@pytest.mark.parametrize("name", ["seite.html", "skript.js", "bild.svg", "programm.exe", "ohne"])
def test_other_file_types_are_refused(make_document, name):
    document = make_document("Handbuch")
    with pytest.raises(ValidationError) as error:
        services.add_attachment(document, upload(name))
    assert "pdf, docx" in str(error.value)
    assert not Attachment.objects.exists()


def test_a_file_over_20_mb_is_refused(make_document):
    document = make_document("Handbuch")
    with pytest.raises(ValidationError) as error:
        services.add_attachment(document, upload("gross.pdf", b"0" * (MAX_ATTACHMENT_SIZE + 1)))
    assert error.value.error_dict["file"][0].code == "file_size"
    assert services.add_attachment(document, upload("genau.pdf", b"0" * MAX_ATTACHMENT_SIZE))


def test_admin_upload_shows_a_form_error_for_a_wrong_type(login, make_document):
    from gemeinsam.core.models import User

    editor = User.objects.create_superuser(email="root@example.org", password="x")
    document = make_document("Handbuch", slug="handbuch")
    url = reverse("admin:knowledge_document_change", args=[document.pk])
    data = {
        "title": "Handbuch",
        "slug": "handbuch",
        "body": "",
        "published": "on",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-0-title": "Seite",
        "attachments-0-file": upload("seite.html", b"<script>alert(1)</script>"),
        "measure_links-TOTAL_FORMS": "0",
        "measure_links-INITIAL_FORMS": "0",
    }
    client = login(editor)
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert 'class="errorlist' in response.content.decode()
    assert not Attachment.objects.exists()

    data["attachments-0-file"] = upload("tabelle.csv", b"a;b\n1;2\n")
    response = client.post(url, data)
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "text/csv; charset=utf-8"


def test_download_is_an_attachment_with_a_safe_type(anonymous, make_document):
    document = make_document("Handbuch", slug="handbuch")
    attachment = services.add_attachment(document, upload("bericht.txt", b"<html>hallo"))
    response = anonymous.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<html>hallo"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="bericht.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_document_page_lists_its_attachments(anonymous, make_document):
    document = make_document("Handbuch", slug="handbuch")
    attachment = services.add_attachment(document, upload("plan.pdf", b"%PDF"), title="Zeitplan")
    html = anonymous.get(document.get_absolute_url()).content.decode()
    assert f'href="{attachment.get_absolute_url()}"' in html
    assert "Zeitplan" in html and "PDF" in html


def test_draft_attachment_is_404_for_the_public_but_not_for_staff(anonymous, login, make_document):
    from gemeinsam.core.models import User

    document = make_document("Entwurf", published=False, slug="entwurf")
    attachment = services.add_attachment(document, upload("plan.pdf", b"%PDF"))
    url = attachment.get_absolute_url()
    assert anonymous.get(url).status_code == 404
    editor = User.objects.create_user(email="ed@example.org", password="x", is_staff=True)
    response = login(editor).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_attachment_of_another_document_is_404(anonymous, make_document):
    one = make_document("Eins", slug="eins")
    other = make_document("Zwei", slug="zwei")
    attachment = services.add_attachment(one, upload("plan.pdf", b"%PDF"))
    url = reverse("knowledge:attachment", args=[other.slug, attachment.pk])
    assert anonymous.get(url).status_code == 404


def test_picture_attachments_are_not_served_from_media(anonymous, make_document):
    document = make_document("Entwurf", published=False)
    attachment = services.add_attachment(document, upload("karte.png", b"\x89PNG"))
    assert anonymous.get(f"/media/{attachment.file.name}").status_code == 404


def test_deleting_an_attachment_removes_its_file(make_document, django_capture_on_commit_callbacks):
    document = make_document("Handbuch")
    attachment = services.add_attachment(document, upload("plan.pdf", b"%PDF"))
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        attachment.delete()
    assert not storage.exists(name)
