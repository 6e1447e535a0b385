"""The participation API: the permission matrix, lists and filters, comments, errors, queries."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gemeinsam.core.models import User
from gemeinsam.core.predicates import can
from gemeinsam.core.roles import Role, assign_role
from gemeinsam.participation.models import (
    Category,
    Comment,
    Idea,
    IdeaStatus,
    PhaseType,
    Rating,
    Report,
)
from gemeinsam.participation.schemas import IdeaOut, IdeaPage
from gemeinsam.participation.services import contributions, moderation

from ..conftest import UserFactory
from .conftest import make_process

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "author", "moderator", "staff", "admin"]
STATES = ["before", "during", "after"]
ACTIONS = ["submit", "change", "comment", "rate", "report"]
PERMS = {
    "submit": "participation.submit_idea",
    "change": "participation.change_idea",
    "comment": "participation.comment_idea",
    "rate": "participation.rate_idea",
    "report": "participation.report_content",
}
API = "/api/processes"


def expected(role: str, state: str, action: str) -> bool:
    """The matrix as the issue states it; reporting does not depend on the phase."""
    if role == "anonymous":
        return False
    if action == "report":
        return True
    if state != "during":
        return False
    return role == "author" if action == "change" else True


@pytest.fixture
def world():
    people = {"anonymous": None}
    for role, value in (
        ("participant", Role.PARTICIPANT),
        ("author", Role.PARTICIPANT),
        ("moderator", Role.MODERATOR),
        ("staff", Role.STAFF),
        ("admin", Role.ADMIN),
    ):
        people[role] = UserFactory(email=f"{role}@example.org", display_name=role.title())
        assign_role(people[role], value)
    return people


def client_for(user, language: str = "en") -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def send(client: Client, method: str, url: str, data=None):
    return getattr(client, method)(url, data, content_type="application/json")


def act(client: Client, action: str, process, idea):
    base = f"{API}/{process.slug}/ideas"
    return {
        "submit": lambda: send(client, "post", base, {"title": "Neu", "description": "D"}),
        "change": lambda: send(client, "patch", f"{base}/{idea.pk}", {"title": "Geändert"}),
        "comment": lambda: send(client, "post", f"{base}/{idea.pk}/comments", {"text": "Gut"}),
        "rate": lambda: send(client, "put", f"{base}/{idea.pk}/rating", {"value": 1}),
        "report": lambda: send(client, "post", f"{base}/{idea.pk}/report", {"reason": "Spam"}),
    }[action]()


def effect(action: str, idea) -> bool:
    idea.refresh_from_db()
    return {
        "submit": lambda: Idea.objects.filter(title="Neu").exists(),
        "change": lambda: idea.title == "Geändert",
        "comment": lambda: Comment.objects.filter(idea=idea).exists(),
        "rate": lambda: Rating.objects.filter(idea=idea).exists(),
        "report": lambda: Report.objects.filter(idea=idea).exists(),
    }[action]()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_api_follows_the_permission_matrix(world, role, state, action):
    process = make_process(state)
    process.moderators.add(world["moderator"])
    idea = Idea.objects.create(process=process, author=world["author"], title="T", description="D")
    user = world[role] or AnonymousUser()
    allowed = can(user, PERMS[action], idea if action != "submit" else process)
    assert allowed is expected(role, state, action)

    response = act(client_for(world[role]), action, process, idea)

    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
        assert response.json()["detail"]
    assert effect(action, idea) is allowed


def test_refusal_says_why_in_plain_words(world):
    after = make_process("after")
    idea = Idea.objects.create(process=after, author=world["author"], title="T", description="D")
    participant = client_for(world["participant"])
    closed = act(participant, "comment", after, idea)
    assert closed.json() == {"detail": "The process is not open for contributions at the moment."}

    commenting = make_process("during", PhaseType.COMMENTING, slug="kommentare")
    phase = act(participant, "submit", commenting, None)
    assert phase.status_code == 403
    assert phase.json()["detail"] == (
        "This is not possible in the current phase (Commenting and rating)."
    )

    other = Idea.objects.create(
        process=commenting, author=world["author"], title="T", description="D"
    )
    assert act(participant, "change", commenting, other).json()["detail"] == (
        "Only the author may change this."
    )
    assert act(Client(), "rate", commenting, other).json()["detail"] == (
        "Bitte melden Sie sich zuerst an."  # no cookie, no account: the default language
    )


def test_blocked_person_is_told_so(world, moderator):
    process = make_process()
    process.moderators.add(moderator)
    moderation.block_user(moderator, process, world["participant"], "Beleidigungen")
    response = act(client_for(world["participant"]), "submit", process, None)
    assert response.status_code == 403
    assert "blocked" in response.json()["detail"]


# Processes ---------------------------------------------------------------------------


def test_process_detail_shows_phases_and_what_you_may_do(world):
    process = make_process()
    Category.objects.create(process=process, name="Verkehr")
    data = client_for(world["participant"]).get(f"{API}/{process.slug}").json()
    assert data["state"] == "during"
    assert data["current_phase"]["type"] == "idea_collection"
    assert data["current_phase"]["actions"] == ["comment", "rate", "submit"]
    assert [c["name"] for c in data["categories"]] == ["Verkehr"]
    assert data["permissions"] == {"submit": True, "comment": True, "rate": True, "moderate": False}
    anonymous = Client().get(f"{API}/{process.slug}").json()
    assert anonymous["permissions"]["submit"] is False


def test_private_process_is_404_for_outsiders(world):
    process = make_process(visibility="private")
    process.members.add(world["participant"])
    idea = Idea.objects.create(
        process=process, author=world["participant"], title="T", description="D"
    )
    for client in (Client(), client_for(world["author"])):
        assert client.get(f"{API}/{process.slug}").status_code == 404
        assert client.get(f"{API}/{process.slug}/ideas").status_code == 404
        assert client.get(f"{API}/{process.slug}/ideas/{idea.pk}").status_code == 404
        assert [p["slug"] for p in client.get(API).json()] == []
        refused = act(client, "rate", process, idea)
        assert refused.status_code in (401, 404)
    member = client_for(world["participant"])
    assert member.get(f"{API}/{process.slug}").status_code == 200
    assert [p["slug"] for p in member.get(API).json()] == [process.slug]
    assert act(client_for(world["author"]), "rate", process, idea).status_code == 404


def test_unknown_and_malformed_addresses_are_4xx_not_500(process, resident):
    idea = Idea.objects.create(process=process, author=resident, title="T", description="D")
    client = client_for(resident)
    assert client.get(f"{API}/nirgendwo").status_code == 404
    assert client.get(f"{API}/nirgend%00wo/ideas").status_code == 404
    assert client.get(f"{API}/{process.slug}/ideas/{idea.pk + 1}").status_code == 404
    for bad in ("abc", "0", "-1", "99999999999999999999999", "1.5"):
        assert client.get(f"{API}/{process.slug}/ideas/{bad}").status_code == 422, bad
    comment = f"{API}/{process.slug}/ideas/{idea.pk}/comments"
    assert send(client, "patch", f"{comment}/12345", {"text": "x"}).status_code == 404
    assert send(client, "delete", f"{comment}/abc").status_code == 422
    broken = client.post(comment, "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500


# Ideas -------------------------------------------------------------------------------


@pytest.fixture
def ideas(berlin, process, resident):
    verkehr = Category.objects.create(process=process, name="Verkehr")
    made = [
        contributions.submit_idea(
            resident,
            process,
            title=title,
            description=text,
            category=verkehr if n % 2 else None,
            point=contributions.Point(13.3329, 52.5065) if n < 2 else None,
        )
        for n, (title, text) in enumerate(
            [("Radweg", "Kantstraße"), ("WLAN", "am Zoo"), ("Bänke", "im Park"), ("Bus", "öfter")]
        )
    ]
    Idea.objects.filter(pk=made[2].pk).update(status=IdeaStatus.ACCEPTED, rating_up=5)
    return made


def titles(response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_idea_list_filters_sorts_and_pages(ideas, process, anonymous):
    url = f"{API}/{process.slug}/ideas"
    assert titles(anonymous.get(url)) == ["Bus", "Bänke", "WLAN", "Radweg"]
    assert titles(anonymous.get(url, {"sort": "rated"}))[0] == "Bänke"
    assert titles(anonymous.get(url, {"q": "zoo"})) == ["WLAN"]
    assert titles(anonymous.get(url, {"category": ideas[1].category_id})) == ["Bus", "WLAN"]
    district = anonymous.get(url, {"district": "charlottenburg-wilmersdorf"})
    assert titles(district) == ["WLAN", "Radweg"]
    assert titles(anonymous.get(url, {"status": "accepted"})) == ["Bänke"]
    page = anonymous.get(url, {"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [i["title"] for i in page["items"]] == ["Bänke", "WLAN"]


def test_idea_list_item_shows_public_data_only(ideas, process, anonymous, resident):
    response = anonymous.get(f"{API}/{process.slug}/ideas")
    item = response.json()["items"][-1]
    assert item["author"] == resident.public_name
    assert item["district"] == {
        "slug": "charlottenburg-wilmersdorf",
        "name": "Charlottenburg-Wilmersdorf",
    }
    assert (item["longitude"], item["latitude"]) == (13.3329, 52.5065)
    assert resident.email not in response.content.decode()
    detail = anonymous.get(f"{API}/{process.slug}/ideas/{ideas[0].pk}")
    assert resident.email not in detail.content.decode()


def test_list_items_match_the_documented_schema_and_the_detail(ideas, process):
    anonymous = client_for(None)
    User.objects.filter(pk=ideas[0].author_id).update(display_name="")
    Idea.objects.filter(pk=ideas[1].pk).update(author=None)
    page = anonymous.get(f"{API}/{process.slug}/ideas").json()
    assert set(page) == set(IdeaPage.model_fields)
    assert [item["author"] for item in page["items"]] == ["Resident", "Resident", None, "Resident"]
    for item in page["items"]:
        assert set(item) == set(IdeaOut.model_fields)
        detail = anonymous.get(f"{API}/{process.slug}/ideas/{item['id']}").json()
        assert {key: detail[key] for key in item} == item


def test_hidden_ideas_are_left_out(ideas, process, moderator, anonymous):
    moderation.set_hidden(moderator, ideas[0], True, "Werbung")
    assert "Radweg" not in titles(anonymous.get(f"{API}/{process.slug}/ideas"))
    assert anonymous.get(f"{API}/{process.slug}/ideas/{ideas[0].pk}").status_code == 404
    seen = client_for(moderator).get(f"{API}/{process.slug}/ideas/{ideas[0].pk}").json()
    assert (seen["is_hidden"], seen["hidden_reason"]) == (True, "Werbung")


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "best"},
        {"limit": 101},
        {"limit": 0},
        {"offset": -1},
        {"status": "done"},
        {"q": "a\x00b"},
        {"district": "../x"},
        {"category": "x"},
    ],
)
def test_bad_list_parameters_are_422(process, anonymous, query):
    response = anonymous.get(f"{API}/{process.slug}/ideas", query)
    assert response.status_code == 422
    assert response.json()["detail"]


def list_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_idea_list_takes_three_queries_however_long(
    no_page_cache, ideas, process, resident, anonymous
):
    url = f"{API}/{process.slug}/ideas?sort=rated&limit=100"
    few = list_queries(anonymous, url)
    for n in range(30):
        idea = Idea.objects.create(
            process=process,
            author=UserFactory(),
            title=f"Idee {n}",
            description="D",
            category=ideas[1].category,
            district=ideas[0].district,
        )
        Comment.objects.create(idea=idea, author=resident, text="K")
    assert list_queries(anonymous, url) == few == 3  # process, count, one page


def test_submitting_returns_the_new_idea(berlin, process, resident):
    response = send(
        client_for(resident),
        "post",
        f"{API}/{process.slug}/ideas",
        {"title": " WLAN ", "description": "am Zoo", "longitude": 13.3329, "latitude": 52.5065},
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["title"], data["district"]["slug"]) == ("WLAN", "charlottenburg-wilmersdorf")
    assert data["permissions"]["change"] is True
    assert Idea.objects.get().author == resident


def test_point_outside_the_process_districts_is_422_with_the_area(berlin, process, resident):
    process.districts.set([berlin.get(code="001")])
    response = send(
        client_for(resident),
        "post",
        f"{API}/{process.slug}/ideas",
        {"title": "WLAN", "description": "am Zoo", "longitude": 13.3329, "latitude": 52.5065},
    )
    assert response.status_code == 422
    assert "Mitte" in response.json()["detail"][0]["msg"]
    assert not Idea.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "  ", "description": "D"}, "title"),
        ({"title": "T", "description": ""}, "description"),
        ({"title": "T", "description": "D", "longitude": 13.4}, None),
        ({"title": "T", "description": "D", "category": 999}, "category"),
        ({"title": "T" * 201, "description": "D"}, "title"),
        ({"title": "T", "description": "D" * 10_001}, "description"),
        ({"title": "T\x00", "description": "D"}, "title"),
        ({"description": "D"}, "title"),
    ],
)
def test_invalid_idea_is_422_with_a_message(process, resident, body, field):
    response = send(client_for(resident), "post", f"{API}/{process.slug}/ideas", body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert all(error["msg"] for error in errors)
    if field:
        assert field in errors[0]["loc"]
    assert not Idea.objects.exists()


def test_empty_title_message_is_translated(process, resident):
    response = send(
        client_for(resident, "de"),
        "post",
        f"{API}/{process.slug}/ideas",
        {"title": "", "description": "D"},
    )
    assert response.json()["detail"] == [
        {"loc": ["body", "title"], "msg": "Dieses Feld darf nicht leer sein.", "type": "blank"}
    ]


def test_author_changes_only_the_fields_sent(berlin, process, resident):
    idea = contributions.submit_idea(
        resident, process, title="T", description="D", point=contributions.Point(13.3329, 52.5065)
    )
    url = f"{API}/{process.slug}/ideas/{idea.pk}"
    data = send(client_for(resident), "patch", url, {"title": "Neu"}).json()
    assert (data["title"], data["description"], data["longitude"]) == ("Neu", "D", 13.3329)
    data = send(client_for(resident), "patch", url, {"longitude": None, "latitude": None}).json()
    assert (data["longitude"], data["district"]) == (None, None)


def test_too_many_ideas_are_429(settings, process, resident):
    settings.PARTICIPATION_RATE_LIMITS = {**settings.PARTICIPATION_RATE_LIMITS, "idea": (1, 3600)}
    client = client_for(resident)
    body = {"title": "T", "description": "D"}
    assert send(client, "post", f"{API}/{process.slug}/ideas", body).status_code == 201
    response = send(client, "post", f"{API}/{process.slug}/ideas", body)
    assert response.status_code == 429
    assert response.json()["detail"][0]["msg"]


# Ratings -----------------------------------------------------------------------------


def test_rating_answers_with_the_new_counts(process, resident, author):
    idea = Idea.objects.create(process=process, author=author, title="T", description="D")
    url = f"{API}/{process.slug}/ideas/{idea.pk}/rating"
    send(client_for(author), "put", url, {"value": -1})
    client = client_for(resident)
    assert send(client, "put", url, {"value": 1}).json() == {
        "rating_up": 1,
        "rating_down": 1,
        "score": 0,
        "my_rating": 1,
    }
    assert send(client, "put", url, {"value": -1}).json()["rating_down"] == 2
    assert client.get(f"{API}/{process.slug}/ideas/{idea.pk}").json()["my_rating"] == -1
    assert send(client, "delete", url).json() == {
        "rating_up": 0,
        "rating_down": 1,
        "score": -1,
        "my_rating": None,
    }
    assert Rating.objects.filter(idea=idea).count() == 1


@pytest.mark.parametrize("value", [0, 2, -2, "up", 1.5, True, None])
def test_bad_rating_value_is_422(process, resident, value):
    idea = Idea.objects.create(process=process, author=resident, title="T", description="D")
    response = send(
        client_for(resident),
        "put",
        f"{API}/{process.slug}/ideas/{idea.pk}/rating",
        {"value": value},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]
    assert not Rating.objects.exists()


def test_empty_report_reason_is_422(process, resident, author):
    idea = Idea.objects.create(process=process, author=author, title="T", description="D")
    url = f"{API}/{process.slug}/ideas/{idea.pk}/report"
    response = send(client_for(resident), "post", url, {"reason": " "})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Please say what is wrong with this contribution."


# Comments ----------------------------------------------------------------------------


@pytest.fixture
def discussion(process, resident, author, moderator):
    idea = Idea.objects.create(process=process, author=author, title="T", description="D")
    first = contributions.add_comment(resident, idea, "Erster")
    reply = contributions.add_comment(author, idea, "Antwort", parent=first)
    contributions.add_comment(resident, idea, "Antwort auf Antwort", parent=reply)
    gone = contributions.add_comment(resident, idea, "Bereue ich")
    contributions.delete_comment(resident, gone)
    rude = contributions.add_comment(author, idea, "Frech")
    moderation.set_hidden(moderator, rude, True, "Beleidigung")
    return idea


def test_comments_come_as_threads_with_deleted_and_hidden_ones_blanked(
    discussion, process, anonymous, resident
):
    threads = anonymous.get(f"{API}/{process.slug}/ideas/{discussion.pk}/comments").json()
    assert [(t["state"], t["text"], t["author"]) for t in threads] == [
        ("visible", "Erster", resident.public_name),
        ("deleted", None, None),
        ("hidden", None, None),
    ]
    assert [r["text"] for r in threads[0]["replies"]] == ["Antwort", "Antwort auf Antwort"]
    assert threads[2]["hidden_reason"] == "Beleidigung"
    assert threads[1]["hidden_reason"] is None


def test_moderators_read_hidden_comments(discussion, process, moderator):
    url = f"{API}/{process.slug}/ideas/{discussion.pk}/comments"
    hidden = client_for(moderator).get(url).json()[2]
    assert (hidden["text"], hidden["hidden_reason"]) == ("Frech", "Beleidigung")


def test_reply_joins_the_thread_of_its_parent(discussion, process, resident):
    root = Comment.objects.get(text="Antwort")
    url = f"{API}/{process.slug}/ideas/{discussion.pk}/comments"
    created = send(client_for(resident), "post", url, {"text": "Noch eine", "parent": root.pk})
    assert created.status_code == 201
    assert created.json()["parent"] == root.parent_id
    missing = send(client_for(resident), "post", url, {"text": "x", "parent": 987654})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "parent"]


def test_author_edits_and_deletes_own_comment_only(discussion, process, resident, author):
    mine = Comment.objects.get(text="Erster")
    url = f"{API}/{process.slug}/ideas/{discussion.pk}/comments/{mine.pk}"
    assert send(client_for(author), "patch", url, {"text": "Fremd"}).status_code == 403
    edited = send(client_for(resident), "patch", url, {"text": "Erster, berichtigt"}).json()
    assert (edited["text"], edited["edited_at"] is not None) == ("Erster, berichtigt", True)
    assert send(client_for(author), "delete", url).status_code == 403
    assert send(client_for(resident), "delete", url).status_code == 204
    mine.refresh_from_db()
    assert (mine.is_deleted, mine.text) == (True, "")


def test_comment_report_reaches_the_moderators(discussion, process, author):
    first = Comment.objects.get(text="Erster")
    url = f"{API}/{process.slug}/ideas/{discussion.pk}/comments/{first.pk}/report"
    assert send(client_for(author), "post", url, {"reason": "Spam"}).status_code == 201
    assert Report.objects.get().comment == first


# Session, CSRF, schema ---------------------------------------------------------------


def test_unsafe_request_without_csrf_token_is_refused(process, resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    url = f"{API}/{process.slug}/ideas"
    body = {"title": "T", "description": "D"}
    assert send(client, "post", url, body).status_code == 403
    assert not Idea.objects.exists()
    token = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_openapi_schema_lists_the_participation_endpoints(anonymous):
    response = anonymous.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/processes",
        "/api/processes/{slug}",
        "/api/processes/{slug}/ideas",
        "/api/processes/{slug}/ideas/{idea_id}",
        "/api/processes/{slug}/ideas/{idea_id}/rating",
        "/api/processes/{slug}/ideas/{idea_id}/comments/{comment_id}",
    } <= set(paths)
    assert {"get", "post"} <= set(paths["/api/processes/{slug}/ideas"])
