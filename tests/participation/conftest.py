"""Fixtures for participation: processes in a chosen phase state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gemeinsam.participation.models import Phase, PhaseType, Process

from ..conftest import UserFactory


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Tests post many contributions quickly; test_limits.py sets the limits it checks."""
    settings.PARTICIPATION_RATE_LIMITS = {
        "idea": (0, 3600),
        "comment": (0, 600),
        "report": (0, 3600),
    }


def make_process(
    state: str = "during",
    phase_type: str = PhaseType.IDEA_COLLECTION,
    slug: str = "ideen",
    **fields,
) -> Process:
    """A process whose single phase lies before, around or after now."""
    now = timezone.now()
    start = {
        "before": now + timedelta(days=1),
        "during": now - timedelta(days=1),
        "after": now - timedelta(days=10),
    }[state]
    process = Process.objects.create(
        title="Ideen für Berlin", slug=slug, summary="Worum es geht", **fields
    )
    Phase.objects.create(
        process=process, type=phase_type, starts_at=start, ends_at=start + timedelta(days=5)
    )
    return process


@pytest.fixture
def process(db, moderator):
    process = make_process()
    process.moderators.add(moderator)
    return process


@pytest.fixture
def author(db):
    return UserFactory(email="autorin@example.org")


@pytest.fixture
def no_page_cache(settings):
    """For query counts: every request renders, none is answered from the visitor cache."""
    settings.PARTICIPATION_PAGE_CACHE_SECONDS = 0
