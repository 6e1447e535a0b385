"""Documents for the knowledge store tests, written through the service as the admin does;
a strategy with a published version; uploads into a temporary media folder."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Document
from gemeinsam.strategy.models import Measure, MeasureType
from gemeinsam.strategy.services import versions as strategy_services


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_document(db):
    def _make(title: str, body: str = "", published: bool = True, slug: str = "") -> Document:
        slug = slug or f"doc-{Document.objects.count() + 1}"
        return services.save_document(
            Document(title=title, slug=slug, body=body, published=published)
        )

    return _make


@pytest.fixture
def publish_strategy(db):
    """A strategy whose first version holds the given measures (title, fields…), published."""

    def _publish(*measures: dict, slug: str = "gdb"):
        strategy = strategy_services.create_strategy("Gemeinsam Digital", slug=slug)
        draft = strategy.draft
        for fields in measures:
            strategy_services.add_item(draft, Measure, type=MeasureType.URBAN_SOCIETY, **fields)
        strategy_services.publish(draft, change_note="Erste Fassung")
        return strategy

    return _publish


def upload(name: str, content: bytes = b"Inhalt", content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type or "application/octet-stream")
