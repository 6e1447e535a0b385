"""Uploaded pictures are served in production too, as pictures only, never outside MEDIA_ROOT."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gemeinsam.participation import images
from gemeinsam.participation.services import contributions, moderation

from .participation.conftest import make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    (tmp_path / "secret.jpg").write_bytes(b"not for the public")
    (tmp_path / "settings.py").write_text("SECRET_KEY = 'geheim'")
    return settings.MEDIA_ROOT


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (30, 20), (20, 120, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_an_idea_picture_is_served_without_debug(settings, media_root, resident, anonymous):
    assert settings.DEBUG is False
    picture = images.prepare_image(jpeg(), "Eine grüne Fläche")
    idea = contributions.submit_idea(
        resident, make_process(), title="Bank", description="D", images=[picture]
    )
    url = idea.images.get().image.url
    assert url.startswith("/media/ideas/")
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert Image.open(BytesIO(body)).size == (30, 20)


@pytest.mark.parametrize(
    "url",
    [
        "/media/../settings.py",
        "/media/../secret.jpg",
        "/media/ideas/../../secret.jpg",
        "/media/%2e%2e/secret.jpg",
        "/media/..%2fsecret.jpg",
        "/media/..%5csecret.jpg",
    ],
)
def test_paths_outside_media_root_are_refused(media_root, anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 404
    assert b"geheim" not in response.content and b"not for the public" not in response.content


@pytest.mark.parametrize("name", ["seite.html", "bild.svg", "skript.js", "ohne-endung"])
def test_files_that_are_not_pictures_are_not_served(media_root, anonymous, name):
    (media_root / name).write_text("<script>alert(1)</script>")
    assert anonymous.get(f"/media/{name}").status_code == 404


def test_a_picture_with_a_misleading_extension_is_still_sent_as_a_picture(media_root, anonymous):
    (media_root / "bild.PNG").write_text("<html><script>alert(1)</script></html>")
    response = anonymous.get("/media/bild.PNG")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_missing_file_is_404(media_root, anonymous):
    assert anonymous.get("/media/ideas/2020/01/fehlt.jpg").status_code == 404


def test_only_reading_is_allowed(media_root, anonymous):
    (media_root / "bild.png").write_bytes(b"x")
    assert anonymous.post("/media/bild.png").status_code == 405


def test_a_private_process_shows_its_pictures_only_to_those_invited(
    media_root, resident, anonymous, login
):
    from .conftest import UserFactory

    process = make_process(visibility="private", slug="intern")
    process.members.add(resident)
    picture = images.prepare_image(jpeg(), "Plan")
    idea = contributions.submit_idea(
        resident, process, title="Bank", description="D", images=[picture]
    )
    url = idea.images.get().image.url
    assert login(resident).get(url).status_code == 200
    assert anonymous.get(url).status_code == 404
    assert login(UserFactory()).get(url).status_code == 404


def test_a_hidden_ideas_pictures_are_for_moderators_only(
    media_root, resident, moderator, anonymous, login
):
    process = make_process()
    process.moderators.add(moderator)
    picture = images.prepare_image(jpeg(), "Werbung")
    idea = contributions.submit_idea(
        resident, process, title="Kauf", description="D", images=[picture]
    )
    url = idea.images.get().image.url
    assert anonymous.get(url).status_code == 200
    moderation.set_hidden(moderator, idea, True, "Werbung")
    assert anonymous.get(url).status_code == 404
    assert login(moderator).get(url).status_code == 200


def test_a_file_no_idea_or_process_owns_is_not_served(media_root, anonymous):
    (media_root / "ideas").mkdir()
    (media_root / "ideas" / "verwaist.png").write_bytes(b"x")
    assert anonymous.get("/media/ideas/verwaist.png").status_code == 404
