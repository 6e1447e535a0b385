"""The demo shows participation at work: phases, ideas across districts, talk and answers."""

import pytest
from django.apps import apps
from django.urls import reverse

from gemeinsam.core.demo import load_demo_content as load_core_demo
from gemeinsam.participation.demo import COMMENTING_SLUG, DEMO_SLUG, load_demo_content
from gemeinsam.participation.models import Comment, PhaseType, Process, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    load_core_demo()
    return load_demo_content()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("participation").get_models()
    }


def test_an_open_idea_collection_with_ideas_across_districts(demo):
    assert demo.slug == DEMO_SLUG
    assert demo.phase_at().type == PhaseType.IDEA_COLLECTION
    districts = {idea.district.name for idea in demo.ideas.exclude(district=None)}
    assert len(districts) >= 3
    assert demo.description_easy


def test_comments_ratings_and_an_official_response(demo):
    assert Comment.objects.filter(idea__process=demo).count() >= 3
    assert Comment.objects.filter(idea__process=demo, parent__isnull=False).exists()
    assert Rating.objects.filter(idea__process=demo).values("user").distinct().count() >= 3
    answered = demo.ideas.exclude(statement="").first()
    assert answered.status != "submitted" and answered.statement_by is not None


def test_the_demo_moderator_moderates_the_processes(demo):
    for process in Process.objects.all():
        emails = set(process.moderators.values_list("email", flat=True))
        assert "moderation@demo.gemeinsam.invalid" in emails


def test_a_second_process_is_in_a_later_phase(demo, anonymous):
    later = Process.objects.get(slug=COMMENTING_SLUG)
    assert later.phase_at().type == PhaseType.COMMENTING
    assert [phase.type for phase in later.phases.order_by("position")] == [
        PhaseType.INFORMATION,
        PhaseType.IDEA_COLLECTION,
        PhaseType.COMMENTING,
        PhaseType.RESULT,
    ]
    assert later.ideas.count() == 3 and later.description_easy
    assert Rating.objects.filter(idea__process=later).exists()
    page = anonymous.get(reverse("participation:process", args=[later.slug]))
    assert page.status_code == 200
    assert "Gießkarte für Straßenbäume" in page.content.decode()


def test_loading_again_duplicates_nothing(demo):
    before = row_counts()
    load_core_demo()
    load_demo_content()
    assert row_counts() == before
