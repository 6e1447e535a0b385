"""Wrong voting codes are throttled per connection and per process, on the page and in the
API (429 with the wait), and a right code is refused too while the lock lasts."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import Ballot
from gemeinsam.budgeting.services.codes import generate_codes

from .test_ballots import ids, make_budgeting

WRONG = "AAAA-BBBB-CCCC"


@pytest.fixture
def budgeting(db, settings):
    settings.VOTING_CODE_FAILED_RATE = "3/m/ip,6/h/process"
    return make_budgeting(voting_codes=True)


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_code(budgeting, code: str, proposal: int, ip: str = "10.0.0.1"):
    url = reverse("budgeting:ballot", args=[budgeting.process.slug])
    data = {"action": "submit", "code": code, f"p-{proposal}": "1"}
    return english().post(url, data, REMOTE_ADDR=ip)


def put_code(budgeting, code: str, proposal: int, ip: str = "10.0.0.1"):
    body = {"code": code, "items": [{"proposal": proposal, "value": 1}]}
    return english().post(
        f"/api/budgeting/{budgeting.slug}/code-ballot",
        json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_wrong_codes_from_one_connection_get_429_and_the_form_keeps_the_input(budgeting, staff):
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    for _ in range(3):
        page = post_code(budgeting, WRONG, p[1])
        assert page.status_code == 200 and "not valid" in page.content.decode()
    page = post_code(budgeting, WRONG, p[1])
    text = page.content.decode()
    assert page.status_code == 429
    assert "Too many wrong voting codes were entered from your connection" in text
    assert int(page["Retry-After"]) > 0
    assert f'value="{WRONG}"' in text
    ticked = re.search(rf'<input type="checkbox" name="p-{p[1]}"[^>]*>', text).group(0)
    assert ticked.endswith(" checked>")
    # The right code from the locked connection is refused and stays unused.
    assert post_code(budgeting, code, p[1]).status_code == 429
    assert selectors.code_is_usable(budgeting, code)
    # Another connection is not locked.
    assert post_code(budgeting, code, p[1], ip="10.0.0.2").status_code == 302
    assert Ballot.objects.count() == 1


def test_a_right_code_does_not_count_as_a_wrong_guess(budgeting, staff):
    _batch, codes = generate_codes(staff, budgeting, 5)
    p = ids(budgeting)
    for code in codes:
        assert post_code(budgeting, code, p[0]).status_code == 302
    assert post_code(budgeting, WRONG, p[0]).status_code == 200


def test_wrong_codes_from_many_connections_pause_code_entry_of_that_process_only(budgeting, staff):
    other = make_budgeting(voting_codes=True, slug="anderer")
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    _batch, (elsewhere,) = generate_codes(staff, other, 1)
    p = ids(budgeting)
    for n in range(6):
        assert post_code(budgeting, WRONG, p[0], ip=f"10.0.1.{n}").status_code == 200
    page = post_code(budgeting, code, p[0], ip="10.0.2.1")
    assert page.status_code == 429
    assert "Too many wrong voting codes were entered for this vote" in page.content.decode()
    assert post_code(other, elsewhere, ids(other)[0], ip="10.0.2.1").status_code == 302


def test_api_answers_wrong_codes_with_422_then_429_json_with_retry_after(budgeting, staff):
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    for _ in range(3):
        assert put_code(budgeting, WRONG, p[0]).status_code == 422
    response = put_code(budgeting, code, p[0])
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    (detail,) = response.json()["detail"]
    assert detail["type"] == "rate_limited"
    assert "from your connection" in detail["msg"]
    assert selectors.code_is_usable(budgeting, code)
    ok = put_code(budgeting, code, p[0], ip="10.0.0.9")
    assert ok.status_code == 200, ok.content
    assert ok.json()["items"] == [{"proposal": p[0], "value": 1}]
    assert ok.json()["source"] == "code"


def test_api_refuses_a_used_code_and_an_invalid_ballot_with_422(budgeting, staff):
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    body = {"code": code, "items": [{"proposal": 999999, "value": 1}]}
    invalid = Client().post(
        f"/api/budgeting/{budgeting.slug}/code-ballot",
        json.dumps(body),
        content_type="application/json",
    )
    assert invalid.status_code == 422
    assert put_code(budgeting, code, p[0]).status_code == 200
    assert put_code(budgeting, code, p[1]).status_code == 422
    assert Ballot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_wrong_codes_entered_at_once_are_each_counted(settings, staff):
    from ..conftest import run_concurrently

    settings.VOTING_CODE_FAILED_RATE = "4/m/ip"
    budgeting = make_budgeting(voting_codes=True)
    p = ids(budgeting)
    statuses = []
    errors = run_concurrently(
        [lambda: statuses.append(put_code(budgeting, WRONG, p[0]).status_code)] * 8
    )
    assert errors == []
    assert sorted(statuses) == [422] * 4 + [429] * 4
