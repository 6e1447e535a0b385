"""Idea pictures: only real JPEG/PNG/WebP within limits, stored without EXIF, shown with alt."""

import struct
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from gemeinsam.participation import images
from gemeinsam.participation.models import Idea, IdeaImage
from gemeinsam.participation.services import contributions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def picture(kind: str = "JPEG", size=(40, 20), exif=None) -> bytes:
    buffer = BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind, **options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_with_gps_and_rotation() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamerahersteller"
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to view"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 18.0)
    return exif


def post_idea(client, process, **fields):
    data = {"title": "Bank", "description": "Zum Ausruhen", **fields}
    return client.post(reverse("participation:idea_create", args=[process.slug]), data)


def test_exif_and_gps_are_gone_and_the_orientation_is_applied(process, resident, login):
    original = picture(exif=exif_with_gps_and_rotation())
    assert Image.open(BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # precondition
    response = post_idea(
        login(resident), process, image_1=upload(original), alt_1="Eine rote Fläche"
    )
    assert response.status_code == 302
    stored = IdeaImage.objects.get()
    data = stored.image.read()
    with Image.open(BytesIO(data)) as saved:
        assert dict(saved.getexif()) == {}
        assert "exif" not in saved.info
        assert saved.size == (20, 40)  # turned upright, as the camera meant it
    assert b"Exif" not in data and b"Kamerahersteller" not in data
    assert (stored.width, stored.height, stored.alt_text) == (20, 40, "Eine rote Fläche")
    assert "foto" not in stored.image.name  # the sender's file name is not kept


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_keep_their_format(kind):
    prepared = images.prepare_image(upload(picture(kind), name="bild"), "Bild")
    assert Image.open(BytesIO(prepared.content.read())).format == kind


def test_a_text_file_named_jpg_is_refused(process, resident, login):
    fake = upload(b"<?php echo 'hallo'; ?>" * 50, name="foto.jpg")
    response = post_idea(login(resident), process, image_1=fake, alt_1="Foto")
    assert response.status_code == 200
    assert "JPEG, PNG" in str(response.context["form"].errors["image_1"])
    assert not Idea.objects.exists()


def test_a_gif_is_refused_whatever_its_name(process, resident, login):
    gif = upload(picture("GIF"), name="foto.png", content_type="image/png")
    response = post_idea(login(resident), process, image_2=gif, alt_2="Foto")
    assert "image_2" in response.context["form"].errors
    assert not Idea.objects.exists()


def test_a_file_over_five_megabytes_is_refused(process, resident, login):
    big = upload(picture() + b"\0" * images.MAX_BYTES, name="gross.jpg")
    response = post_idea(login(resident), process, image_1=big, alt_1="Gross")
    assert "image_1" in response.context["form"].errors
    assert not Idea.objects.exists()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge canvas: a decompression bomb in a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(10_000, 5_000), (30_000, 30_000)])
def test_too_many_pixels_are_refused_before_decoding(size):
    bomb = upload(png_header_only(*size), name="bomb.png", content_type="image/png")
    with pytest.raises(ValidationError, match=r"too many pixels|zu viele Pixel"):
        images.prepare_image(bomb, "Bombe")


def test_a_damaged_picture_gives_an_error_not_a_crash():
    broken = upload(picture()[:200], name="kaputt.jpg")
    with pytest.raises(ValidationError):
        images.prepare_image(broken, "kaputt")


def test_large_pictures_are_scaled_down():
    prepared = images.prepare_image(upload(picture(size=(3000, 1500))), "Breit")
    assert (prepared.width, prepared.height) == (2000, 1000)


def test_each_picture_needs_a_description(process, resident, login):
    response = post_idea(login(resident), process, image_1=upload(picture()), alt_1="")
    assert "alt_1" in response.context["form"].errors
    assert not Idea.objects.exists()


def test_at_most_three_pictures_per_idea(process, resident):
    prepared = [images.prepare_image(upload(picture()), f"Bild {n}") for n in range(4)]
    with pytest.raises(ValidationError):
        contributions.submit_idea(resident, process, title="T", description="D", images=prepared)
    assert not Idea.objects.exists()
    idea = contributions.submit_idea(
        resident, process, title="T", description="D", images=prepared[:3]
    )
    assert list(idea.images.values_list("alt_text", "position")) == [
        ("Bild 0", 0),
        ("Bild 1", 1),
        ("Bild 2", 2),
    ]


def test_the_idea_page_shows_the_pictures_with_their_description(process, resident, anonymous):
    prepared = images.prepare_image(upload(picture()), "Die Bank am Teich")
    idea = contributions.submit_idea(
        resident, process, title="T", description="D", images=[prepared]
    )
    html = anonymous.get(reverse("participation:idea", args=[process.slug, idea.pk])).content
    stored = idea.images.get()
    assert f'src="{stored.image.url}" alt="Die Bank am Teich"'.encode() in html


def test_the_form_offers_three_labelled_picture_fields(process, resident, login):
    html = login(resident).get(reverse("participation:idea_create", args=[process.slug]))
    html = html.content.decode()
    assert 'enctype="multipart/form-data"' in html
    for n in (1, 2, 3):
        assert f'<label for="id_image_{n}"' in html
        assert f'<label for="id_alt_{n}"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html
