"""Voting codes: shown once, stored hashed, each usable once, no account needed."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.models import Ballot, BallotSource, VotingCode
from gemeinsam.budgeting.services import ballots
from gemeinsam.budgeting.services.codes import code_hash, generate_codes
from gemeinsam.lib.codes import normalise

from .test_ballots import ids, make_budgeting


def test_staff_generate_codes_stored_only_as_hashes(staff):
    budgeting = make_budgeting(voting_codes=True)
    batch, codes = generate_codes(staff, budgeting, 5)
    assert batch == 1 and len(set(codes)) == 5
    stored = set(VotingCode.objects.values_list("code_hash", flat=True))
    assert stored == {code_hash(c) for c in codes}
    assert not any(c in stored for c in codes)
    assert generate_codes(staff, budgeting, 1)[0] == 2


def test_codes_need_staff_and_enabled_codes(staff, resident):
    with pytest.raises(PermissionDenied):
        generate_codes(resident, make_budgeting(voting_codes=True), 3)
    with pytest.raises(PermissionDenied):
        generate_codes(staff, make_budgeting(slug="ohne"), 3)


def test_a_code_votes_once_without_an_account(staff):
    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    ballot = ballots.cast_ballot(code.lower().replace("-", " "), budgeting, {p[0]: 1})
    assert ballot.source == BallotSource.CODE and ballot.voter is None
    assert VotingCode.objects.get().used_at is not None
    with pytest.raises(ValidationError):
        ballots.cast_ballot(code, budgeting, {p[1]: 1})
    with pytest.raises(ValidationError):
        ballots.cast_ballot("AAAA-BBBB-CCCC", budgeting, {p[1]: 1})
    assert Ballot.objects.count() == 1


def test_an_invalid_ballot_does_not_use_up_the_code(staff):
    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    with pytest.raises(ValidationError):
        ballots.cast_ballot(code, budgeting, {})
    assert selectors.code_is_usable(budgeting, code)


def test_codes_of_another_process_do_not_work(staff):
    one = make_budgeting(voting_codes=True)
    other = make_budgeting(voting_codes=True, slug="zwei")
    _batch, (code,) = generate_codes(staff, one, 1)
    with pytest.raises(ValidationError):
        ballots.cast_ballot(code, other, {ids(other)[0]: 1})


def test_code_ballot_page_without_account(staff):
    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    url = reverse("budgeting:ballot", args=[budgeting.process.slug])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and b'name="code"' in page.content
    response = client.post(url, {"action": "submit", "code": code, f"p-{p[1]}": "1"})
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert "P1" in done.content.decode()
    again = client.post(url, {"action": "submit", "code": code, f"p-{p[2]}": "1"})
    assert again.status_code == 200 and "bereits verwendet" in again.content.decode()


def test_print_page_shows_the_new_codes_once(staff, login):
    budgeting = make_budgeting(voting_codes=True)
    client = login(staff)
    url = reverse("budgeting:codes", args=[budgeting.process.slug])
    response = client.post(url, {"count": "3"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    printed = [c for c in response.content.decode().split("<code>")[1:]]
    assert len(printed) == 3
    listing = client.get(url).content.decode()
    assert "<code>" not in listing and "<td>3</td>" in listing


@pytest.mark.django_db(transaction=True)
def test_one_code_used_at_once_from_several_places_makes_one_ballot(staff):
    from ..conftest import run_concurrently

    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    p = ids(budgeting)
    outcomes = []

    def vote(proposal):
        def call():
            try:
                ballots.cast_ballot(code, budgeting, {proposal: 1})
                outcomes.append("cast")
            except ValidationError:
                outcomes.append("refused")

        return call

    assert run_concurrently([vote(p[n % 4]) for n in range(6)]) == []
    assert sorted(outcomes) == ["cast"] + ["refused"] * 5
    ballot = Ballot.objects.get(budgeting=budgeting)
    assert ballot.items.count() == 1 and ballot.source == BallotSource.CODE


def test_codes_are_stored_under_a_key_not_as_plain_sha256(staff, settings):
    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    stored = VotingCode.objects.get().code_hash
    assert stored != hashlib.sha256(normalise(code).encode()).hexdigest()
    settings.VOTING_CODE_PEPPER = "a pepper outside the database"
    assert code_hash(code) != stored
    assert not selectors.code_is_usable(budgeting, code)


def test_a_code_stored_as_legacy_sha256_still_votes_and_its_hash_is_upgraded(db):
    budgeting = make_budgeting(voting_codes=True)
    code = "ABCD-EFGH-JKMN"
    legacy = hashlib.sha256(normalise(code).encode()).hexdigest()
    row = VotingCode.objects.create(budgeting=budgeting, code_hash=legacy, batch=1)
    assert selectors.code_is_usable(budgeting, code)
    ballots.cast_ballot(code.lower(), budgeting, {ids(budgeting)[0]: 1})
    row.refresh_from_db()
    assert row.used_at is not None and row.code_hash == code_hash(code) != legacy
    with pytest.raises(ValidationError):
        ballots.cast_ballot(code, budgeting, {ids(budgeting)[1]: 1})


def test_codes_keep_working_after_a_pepper_change_while_the_old_pepper_is_a_fallback(
    staff, settings
):
    settings.VOTING_CODE_PEPPER = "pepper of 2026"
    budgeting = make_budgeting(voting_codes=True)
    _batch, (first, second) = generate_codes(staff, budgeting, 2)
    settings.VOTING_CODE_PEPPER = "pepper of 2027"
    assert not selectors.code_is_usable(budgeting, first)
    settings.VOTING_CODE_PEPPER_FALLBACKS = ["pepper of 2026"]
    assert selectors.code_is_usable(budgeting, first)
    ballots.cast_ballot(first, budgeting, {ids(budgeting)[0]: 1})
    assert VotingCode.objects.filter(code_hash=code_hash(first)).exists()
    settings.VOTING_CODE_PEPPER_FALLBACKS = []
    assert not selectors.code_is_usable(budgeting, second)


def test_a_pepper_derived_from_secret_key_follows_secret_key_fallbacks(staff, settings):
    settings.VOTING_CODE_PEPPER = ""
    settings.SECRET_KEY = "old secret key " * 4
    budgeting = make_budgeting(voting_codes=True)
    _batch, (code,) = generate_codes(staff, budgeting, 1)
    settings.SECRET_KEY = "new secret key " * 4
    assert not selectors.code_is_usable(budgeting, code)
    settings.SECRET_KEY_FALLBACKS = ["old secret key " * 4]
    assert selectors.code_is_usable(budgeting, code)
