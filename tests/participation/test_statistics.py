"""The statistics page: distinct participants and contributions by actor group and district."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gemeinsam.core.models import ActorGroup
from gemeinsam.participation.services import contributions
from gemeinsam.participation.statistics import NOT_STATED, process_statistics

from ..conftest import UserFactory

pytestmark = pytest.mark.django_db


def _rows(rows):
    return {row.key: row for row in rows}


@pytest.fixture
def taking_part(berlin, process):
    """Three people took part (one of them three times), one only looked."""
    mitte = berlin.get(name="Mitte")
    science = UserFactory(actor_group=ActorGroup.SCIENCE, district=mitte)
    business = UserFactory(actor_group=ActorGroup.BUSINESS)
    unstated = UserFactory()
    UserFactory(actor_group=ActorGroup.QUIET_GROUPS)  # registered, never took part
    idea = contributions.submit_idea(science, process, title="WLAN", description="D")
    contributions.add_comment(science, idea, "Und im Park")
    contributions.rate_idea(science, idea, 1)
    contributions.rate_idea(business, idea, 1)
    contributions.add_comment(unstated, idea, "Gute Idee")
    return {"science": science, "business": business, "unstated": unstated, "mitte": mitte}


def test_each_person_counts_once_in_their_group(taking_part, process):
    stats = process_statistics(process)
    groups = _rows(stats.by_group)
    assert (stats.participants, stats.ideas, stats.comments, stats.ratings) == (3, 1, 2, 2)
    science = groups[ActorGroup.SCIENCE]
    assert (science.participants, science.ideas, science.comments, science.ratings) == (1, 1, 1, 1)
    assert groups[ActorGroup.BUSINESS].participants == 1
    assert groups[NOT_STATED].participants == 1
    assert groups[NOT_STATED].comments == 1
    assert round(science.share, 1) == 33.3


def test_groups_without_participants_are_listed_as_not_reached(taking_part, process):
    stats = process_statistics(process)
    groups = _rows(stats.by_group)
    assert len(stats.by_group) == len(ActorGroup.choices) + 1
    quiet = groups[ActorGroup.QUIET_GROUPS]
    assert (quiet.participants, quiet.reach) == (0, "none")
    assert stats.quiet_groups is quiet
    assert {row.key for row in stats.unreached_groups} == {
        ActorGroup.QUIET_GROUPS,
        ActorGroup.ADMINISTRATION_POLITICS,
        ActorGroup.CIVIL_SOCIETY,
    }


def test_a_group_below_five_percent_is_few(process):
    quiet = UserFactory(actor_group=ActorGroup.QUIET_GROUPS)
    idea = contributions.submit_idea(quiet, process, title="T", description="D")
    for _ in range(20):
        contributions.rate_idea(UserFactory(actor_group=ActorGroup.BUSINESS), idea, 1)
    groups = _rows(process_statistics(process).by_group)
    assert groups[ActorGroup.QUIET_GROUPS].reach == "few"  # 1 of 21 = 4.8 %
    assert groups[ActorGroup.BUSINESS].reach == ""


def test_home_districts_and_idea_places_are_counted_separately(taking_part, process, berlin):
    contributions.submit_idea(
        taking_part["business"],
        process,
        title="Bank",
        description="am Zoo",
        point=contributions.Point(13.3329, 52.5065),
    )
    stats = process_statistics(process)
    homes = _rows(stats.by_district)
    mitte = homes[str(taking_part["mitte"].pk)]
    assert (mitte.participants, mitte.ideas) == (1, 1)
    assert homes[NOT_STATED].participants == 2
    assert len(stats.by_district) == 13  # twelve districts, zeros included, and "not stated"
    places = {row.label: row.ideas for row in stats.ideas_by_place}
    assert places["Charlottenburg-Wilmersdorf"] == 1
    assert places["Mitte"] == 0
    assert places["Keinem Bezirk zugeordnet"] == 1  # German, the default language


def test_contributions_of_deleted_accounts_count_in_the_totals_only(taking_part, process):
    taking_part["unstated"].delete()
    stats = process_statistics(process)
    assert (stats.participants, stats.comments, stats.from_deleted_accounts) == (2, 2, 1)
    assert sum(row.comments for row in stats.by_group) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("moderator", 200), ("staff", 200), ("admin_user", 200), ("resident", 403)],
)
def test_only_moderators_and_staff_see_the_statistics(process, login, persona, status, request):
    client = login(request.getfixturevalue(persona))
    url = reverse("participation:statistics", args=[process.slug])
    assert client.get(url).status_code == status


def test_anonymous_visitors_do_not_see_the_statistics(process, anonymous):
    response = anonymous.get(reverse("participation:statistics", args=[process.slug]))
    assert response.status_code in (302, 403)


def test_a_moderator_of_another_process_does_not_see_them(process, login):
    from .conftest import make_process

    other = make_process(slug="andere")
    someone = UserFactory()
    other.moderators.add(someone)
    url = reverse("participation:statistics", args=[process.slug])
    assert login(someone).get(url).status_code == 403


def test_page_shows_numbers_shares_and_flags_quiet_groups(taking_part, process, login, moderator):
    moderator.language = "en"
    moderator.save()
    body = login(moderator).get(reverse("participation:statistics", args=[process.slug]))
    html = body.content.decode()
    assert "Quiet groups are not reached:" in html
    assert "nobody yet" in html
    assert "33.3 %" in html
    assert "<table>" in html and 'scope="row"' in html
    assert "Participants are people who submitted at least one idea" in html


def test_process_page_links_to_statistics_for_moderators_only(process, login, moderator, resident):
    url = reverse("participation:process", args=[process.slug])
    link = reverse("participation:statistics", args=[process.slug])
    assert link in login(moderator).get(url).content.decode()
    assert link not in login(resident).get(url).content.decode()


def test_statistics_query_count_does_not_grow_with_participants(process, login, moderator):
    url = reverse("participation:statistics", args=[process.slug])
    client = login(moderator)
    idea = contributions.submit_idea(UserFactory(), process, title="T", description="D")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        user = UserFactory(actor_group=ActorGroup.SCIENCE)
        contributions.add_comment(user, idea, f"Kommentar {n}")
        contributions.rate_idea(user, idea, 1)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
