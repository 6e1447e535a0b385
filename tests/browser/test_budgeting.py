"""A participant fills an approval ballot, exceeds the budget, corrects it, submits, changes it.

The pages run in English (language cookie), so the assertions read like the UI source.
"""

import re

import pytest

from gemeinsam.budgeting.models import BallotItem

from ..budgeting.test_ballots import ids, make_budgeting
from .test_accessibility import serious_violations
from .test_participation_staff import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approval_ballot_over_budget_is_explained_then_corrected_and_changed(
    page, live_server, resident
):
    budgeting = make_budgeting(knapsack=True, costs=(600, 500, 100))
    p = ids(budgeting)
    log_in(page, live_server, resident)
    page.goto("/budgeting/haushalt/ballot/")
    assert serious_violations(page) == []

    page.get_by_label(re.compile("^P0")).check()
    page.get_by_label(re.compile("^P1")).check()
    total = page.locator(".pb-total")
    # The script updates the running total live ...
    assert "100 EUR more than the budget of 1,000 EUR" in total.inner_text()
    page.get_by_role("button", name="Submit ballot").click()
    # ... and the server refuses and explains, as it would without JavaScript.
    errors = page.locator("#ballot-errors")
    assert "Your selection costs 1,100 EUR, 100 EUR more than the budget" in errors.inner_text()
    assert serious_violations(page) == []
    assert not BallotItem.objects.exists()

    page.get_by_label(re.compile("^P1")).uncheck()
    page.get_by_label(re.compile("^P2")).check()
    assert "700 EUR of 1,000 EUR; 300 EUR left" in total.inner_text()
    page.get_by_role("button", name="Submit ballot").click()
    page.wait_for_url(re.compile(r"/ballot/done/$"))
    assert "Your ballot is saved" in page.inner_text("h1")
    assert serious_violations(page) == []
    assert set(BallotItem.objects.values_list("proposal_id", flat=True)) == {p[0], p[2]}

    page.get_by_role("link", name="Change my ballot").click()
    page.get_by_label(re.compile("^P0")).uncheck()
    page.get_by_label(re.compile("^P1")).check()
    page.get_by_role("button", name="Save changed ballot").click()
    page.wait_for_url(re.compile(r"/ballot/done/$"))
    assert set(BallotItem.objects.values_list("proposal_id", flat=True)) == {p[1], p[2]}


def test_ballot_page_fits_a_320_px_phone(page, live_server, resident):
    make_budgeting(costs=(600, 500, 100))
    log_in(page, live_server, resident)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/budgeting/haushalt/ballot/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    assert serious_violations(page) == []


def test_results_page_explains_the_outcome_and_shows_my_winners(page, live_server, resident):
    from gemeinsam.budgeting.services import ballots, results

    from ..budgeting.test_results import close_voting, majority_election

    budgeting = majority_election()
    *_, b = ids(budgeting)
    idea = budgeting.proposals.get(pk=b).idea
    idea.longitude, idea.latitude = 13.4, 52.52
    idea.save()
    # The resident takes the place of one of B's four voters.
    budgeting.ballots.filter(items__proposal=b).first().delete()
    ballots.cast_ballot(resident, budgeting, {b: 1})
    close_voting(budgeting)
    results.count_now(budgeting)
    log_in(page, live_server, resident)
    page.goto("/budgeting/haushalt/results/")
    assert "Results" in page.inner_text("h1")
    winners = page.locator(".pb-winners")
    assert "You voted for this" in winners.inner_text()
    explained = page.locator(".pb-explain")
    # A2's six supporters spent their shares on A0 and A1.
    assert re.search(r"Its 6 supporters still had 0 EUR together", explained.inner_text())
    assert "Greedy would have chosen instead" in page.content()
    page.wait_for_selector("[data-idea-map][data-loaded='1']")
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert serious_violations(page) == []
