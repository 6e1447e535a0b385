"""A closed phase says when it closed and what comes next."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gemeinsam.participation.models import Phase, PhaseType, Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def between_phases(db):
    """Idea collection closed two days ago; commenting starts in three days."""
    now = timezone.now()
    process = Process.objects.create(title="Smart Water", slug="wasser", summary="S")
    Phase.objects.create(
        process=process,
        type=PhaseType.IDEA_COLLECTION,
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=2),
    )
    Phase.objects.create(
        process=process,
        type=PhaseType.COMMENTING,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=10),
    )
    return process


def test_outlook_names_the_closed_and_the_coming_phase(between_phases):
    outlook = between_phases.outlook()
    assert outlook.current is None
    assert outlook.previous.type == PhaseType.IDEA_COLLECTION
    assert outlook.upcoming.type == PhaseType.COMMENTING


def test_the_process_page_says_when_it_closed_and_what_comes_next(between_phases, client):
    client.cookies["gemeinsam_language"] = "en"
    text = client.get(reverse("participation:process", args=["wasser"])).content.decode()
    closed = timezone.localtime(between_phases.outlook().previous.ends_at)
    assert f"“Idea collection” closed on {closed:%-d}" in text
    assert "Next: Commenting and rating, from" in text


def test_after_the_last_phase_nothing_more_is_announced(between_phases, client):
    between_phases.phases.filter(type=PhaseType.COMMENTING).delete()
    client.cookies["gemeinsam_language"] = "en"
    text = client.get(reverse("participation:process", args=["wasser"])).content.decode()
    assert "No further phase is planned." in text
