"""The visitor cache: answered without touching participation data, never stale, never personal."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gemeinsam.participation import visitor_cache
from gemeinsam.participation.models import Idea, Phase, PhaseType
from gemeinsam.participation.services import contributions, moderation

from .conftest import make_process

pytestmark = pytest.mark.django_db


def participation_queries(client: Client, url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    touched = [q["sql"] for q in queries if "participation_" in q["sql"]]
    return len(touched), response.content


@pytest.fixture
def urls(process):
    return [
        reverse("participation:process", args=[process.slug]),
        reverse("participation:ideas_geojson", args=[process.slug]),
        f"/api/processes/{process.slug}/ideas",
    ]


def test_second_visit_is_answered_from_the_cache(process, author, anonymous, urls):
    contributions.submit_idea(author, process, title="Trinkbrunnen", description="Mehr davon")
    for url in urls:
        first, body = participation_queries(anonymous, url)
        again, cached = participation_queries(anonymous, url)
        assert first > 0
        assert again == 0
        assert cached == body


def test_a_new_idea_shows_at_once(process, author, anonymous, urls):
    for url in urls:
        participation_queries(anonymous, url)
    contributions.submit_idea(author, process, title="Sitzbänke am Ufer", description="D")
    assert "Sitzbänke am Ufer" in anonymous.get(urls[0]).content.decode()
    assert anonymous.get(urls[2]).json()["items"][0]["title"] == "Sitzbänke am Ufer"


def test_a_rating_updates_the_cached_list(process, author, resident, anonymous):
    idea = contributions.submit_idea(author, process, title="Bäume", description="D")
    url = f"/api/processes/{process.slug}/ideas"
    assert anonymous.get(url).json()["items"][0]["rating_up"] == 0
    contributions.rate_idea(resident, idea, 1)
    assert anonymous.get(url).json()["items"][0]["rating_up"] == 1


def test_hiding_an_idea_removes_it_from_the_cached_page(process, author, moderator, anonymous):
    idea = contributions.submit_idea(author, process, title="Unsinn", description="D")
    url = reverse("participation:process", args=[process.slug])
    assert "Unsinn" in anonymous.get(url).content.decode()
    moderation.set_hidden(moderator, Idea.objects.get(pk=idea.pk), True, "Werbung")
    assert "Unsinn" not in anonymous.get(url).content.decode()


def test_signed_in_people_never_get_the_visitors_page(process, resident, login, anonymous):
    url = reverse("participation:process", args=[process.slug])
    anonymous.get(url)
    client = login(resident)
    participation_queries(client, url)
    again, body = participation_queries(client, url)
    assert again > 0  # their rights are checked on every request
    assert b"csrfmiddlewaretoken" in body  # their page has forms of their own


def test_visitor_pages_carry_no_token_and_set_no_cookie(process, anonymous, urls):
    for url in urls:
        for _ in range(2):
            response = anonymous.get(url)
            assert b"csrfmiddlewaretoken" not in response.content
            assert not response.cookies


def test_each_language_has_its_own_entry(process, anonymous):
    url = reverse("participation:process", args=[process.slug])
    german = anonymous.get(url).content.decode()
    anonymous.cookies["gemeinsam_language"] = "en"
    english = anonymous.get(url).content.decode()
    assert 'lang="de"' in german
    assert 'lang="en"' in english


def test_private_processes_are_not_served_to_visitors(db, anonymous):
    process = make_process(visibility="private", slug="intern")
    url = reverse("participation:process", args=[process.slug])
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(url).status_code == 404


def test_a_changed_phase_plan_shows_at_once(process, anonymous):
    url = reverse("participation:process", args=[process.slug])
    anonymous.get(url)
    now = timezone.now()
    Phase.objects.create(
        process=process,
        type=PhaseType.RESULT,
        title="Ergebnisse der Auswertung",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=20),
    )
    assert "Ergebnisse der Auswertung" in anonymous.get(url).content.decode()


def test_an_entry_lives_until_the_next_phase_boundary(db, settings):
    settings.PARTICIPATION_PAGE_CACHE_SECONDS = 300
    process = make_process("during")
    now = timezone.now()
    phase = process.phases.get()
    phase.ends_at = now + timedelta(seconds=42)
    phase.save()
    process = type(process).objects.prefetch_related("phases").get(pk=process.pk)
    assert 40 <= visitor_cache.seconds_for(process, now) <= 42
    phase.ends_at = now + timedelta(days=3)
    phase.save()
    process = type(process).objects.prefetch_related("phases").get(pk=process.pk)
    assert visitor_cache.seconds_for(process, now) == 300


def test_zero_seconds_turns_the_cache_off(process, anonymous, settings):
    settings.PARTICIPATION_PAGE_CACHE_SECONDS = 0
    url = reverse("participation:process", args=[process.slug])
    first, _ = participation_queries(anonymous, url)
    again, _ = participation_queries(anonymous, url)
    assert again == first > 0


def test_visitors_switch_language_without_a_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["gemeinsam_language"].value == "en"


def test_accounts_switch_language_only_with_a_token(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    response = client.post(reverse("core:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    resident.refresh_from_db()
    assert resident.language != "en"


def test_signed_in_people_share_the_cached_idea_cards(process, author, resident, login):
    contributions.submit_idea(author, process, title="Wasserspender", description="D")
    url = reverse("participation:process", args=[process.slug])
    client = login(resident)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    assert "Wasserspender" in body
    assert not [q for q in queries if 'FROM "participation_idea"' in q["sql"]]
    contributions.submit_idea(author, process, title="Schattenbäume", description="D")
    assert "Schattenbäume" in client.get(url).content.decode()
