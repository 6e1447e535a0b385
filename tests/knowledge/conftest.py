"""Documents for the knowledge store tests, written through the service as the admin does."""

import pytest

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Document


@pytest.fixture
def make_document(db):
    def _make(title: str, body: str = "", published: bool = True, slug: str = "") -> Document:
        slug = slug or f"doc-{Document.objects.count() + 1}"
        return services.save_document(
            Document(title=title, slug=slug, body=body, published=published)
        )

    return _make
