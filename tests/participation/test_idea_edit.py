"""Authors change their ideas on a page while the idea collection runs; nobody else may."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gemeinsam.participation import images
from gemeinsam.participation.models import IdeaImage
from gemeinsam.participation.services import contributions, moderation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def idea(process, author):
    return contributions.submit_idea(author, process, title="Bank", description="Zum Ausruhen")


def edit_url(idea) -> str:
    return reverse("participation:idea_edit", args=[idea.process.slug, idea.pk])


def idea_url(idea) -> str:
    return reverse("participation:idea", args=[idea.process.slug, idea.pk])


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (30, 20), (20, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def add_pictures(idea, count: int) -> None:
    pictures = [images.prepare_image(jpeg(), f"Bild {n}") for n in range(count)]
    contributions.update_idea(
        idea.author, idea, title=idea.title, description=idea.description, images=pictures
    )


def test_author_changes_the_idea_and_places_it(berlin, idea, author, login):
    client = login(author)
    page = client.get(edit_url(idea))
    assert page.status_code == 200
    assert 'value="Bank"' in page.content.decode()  # the form starts from the idea
    response = client.post(
        edit_url(idea),
        {
            "title": "Schattige Bank",
            "description": "Unter der Linde",
            "longitude": "13.3329",
            "latitude": "52.5065",
            "image_1": jpeg(),
            "alt_1": "Eine grüne Fläche",
        },
    )
    assert response.status_code == 302
    assert response.url == idea_url(idea)
    idea.refresh_from_db()
    assert (idea.title, idea.description) == ("Schattige Bank", "Unter der Linde")
    assert idea.district.name == "Charlottenburg-Wilmersdorf"
    assert list(idea.images.values_list("alt_text", flat=True)) == ["Eine grüne Fläche"]


def test_the_idea_page_links_to_the_edit_page_only_for_the_author(idea, author, resident, login):
    assert edit_url(idea) in login(author).get(idea_url(idea)).content.decode()
    assert edit_url(idea) not in login(resident).get(idea_url(idea)).content.decode()


def test_a_picture_can_be_removed_and_its_file_goes(
    idea, author, login, django_capture_on_commit_callbacks
):
    add_pictures(idea, 2)
    first, second = idea.images.all()
    path = first.image.path
    with django_capture_on_commit_callbacks(execute=True):
        response = login(author).post(
            edit_url(idea),
            {"title": "Bank", "description": "Zum Ausruhen", "remove_images": [first.pk]},
        )
    assert response.status_code == 302
    assert list(idea.images.all()) == [second]
    assert not Path(path).exists()
    assert Path(second.image.path).exists()


def test_new_pictures_fill_only_the_free_places(idea, author, login):
    add_pictures(idea, images.MAX_IMAGES)
    page = login(author).get(edit_url(idea))
    form = page.context["form"]
    assert form.image_fields() == []
    assert "image_1" not in form.fields
    assert 'name="remove_images"' in page.content.decode()
    assert IdeaImage.objects.count() == images.MAX_IMAGES


def test_a_point_outside_the_area_is_a_form_error(berlin, idea, author, login):
    idea.process.districts.set([berlin.get(code="001")])
    response = login(author).post(
        edit_url(idea),
        {"title": "Bank", "description": "Neu", "longitude": "13.3329", "latitude": "52.5065"},
    )
    assert response.status_code == 200
    assert "Mitte" in str(response.context["form"].non_field_errors())
    idea.refresh_from_db()
    assert (idea.description, idea.longitude) == ("Zum Ausruhen", None)


def test_after_the_idea_collection_the_idea_cannot_be_changed(idea, author, login):
    now = timezone.now()
    idea.process.phases.update(starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=1))
    client = login(author)
    assert client.get(edit_url(idea)).status_code == 403
    response = client.post(edit_url(idea), {"title": "Später", "description": "Zu spät"})
    assert response.status_code == 403
    idea.refresh_from_db()
    assert idea.title == "Bank"
    assert edit_url(idea) not in client.get(idea_url(idea)).content.decode()


@pytest.mark.parametrize("who", ["resident", "moderator"])
def test_others_get_403(idea, login, request, who):
    client = login(request.getfixturevalue(who))
    assert client.get(edit_url(idea)).status_code == 403
    assert client.post(edit_url(idea), {"title": "Fremd", "description": "X"}).status_code == 403
    idea.refresh_from_db()
    assert idea.title == "Bank"


def test_anonymous_visitors_are_sent_to_the_login(idea, anonymous):
    response = anonymous.get(edit_url(idea))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_hidden_idea_cannot_be_changed_by_its_author(idea, author, moderator, login):
    moderation.set_hidden(moderator, idea, True, "Beleidigung")
    assert login(author).get(edit_url(idea)).status_code == 404
