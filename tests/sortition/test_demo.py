"""The demo shows the whole two-stage lottery: a drawn Stadtgremium (with a replacement)
and a panel whose online registration is open, with invitation codes to try."""

import pytest
from django.db import transaction

from gemeinsam.core.demo import load_demo_content as load_core_demo
from gemeinsam.sortition.demo import DRAWN_SLUG, OPEN_SLUG, load_demo_content, open_codes
from gemeinsam.sortition.models import Algorithm, Panel, RunState, Status
from gemeinsam.sortition.selectors import feature_choices, instance_for, panel_members
from gemeinsam.sortition.services.volunteers import Contact, register_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_core_demo()
        load_demo_content()
        yield
        transaction.set_rollback(True)


def test_the_drawn_panel_meets_its_quotas_after_a_replacement(_loaded):
    panel = Panel.objects.get(slug=DRAWN_SLUG)
    run = panel.drawn_run()
    assert run.algorithm == Algorithm.LEXIMIN and run.state == RunState.DONE
    members = [v.ref for v in panel_members(panel)]
    assert len(members) == panel.size
    assert instance_for(panel, list(panel.volunteers.all())).panel_problems(members) == []
    assert panel.volunteers.filter(status=Status.DROPPED).count() == 1
    assert panel.volunteers.filter(status=Status.REPLACEMENT).count() == 1
    legacy = panel.runs.get(algorithm=Algorithm.LEGACY)
    assert legacy.estimated and run.min_probability > legacy.min_probability


def test_the_open_panel_takes_a_printed_code(_loaded):
    panel = Panel.objects.get(slug=OPEN_SLUG)
    codes = open_codes(panel)
    assert len(codes) == 3 and panel.registration_open
    before = panel.volunteers.count()
    features = {feature: values[0] for feature, values in feature_choices(panel).items()}
    register_volunteer(panel, codes[0], features, Contact(name="Test"))
    assert panel.volunteers.count() == before + 1
    assert len(open_codes(panel)) == 3 and codes[0] not in open_codes(panel)


def test_loading_again_changes_nothing(_loaded):
    counts = {p.slug: (p.volunteers.count(), p.runs.count()) for p in Panel.objects.all()}
    load_demo_content()
    assert {p.slug: (p.volunteers.count(), p.runs.count()) for p in Panel.objects.all()} == counts


def test_the_demo_draw_follows_announced_seeds_and_verifies(_loaded):
    from gemeinsam.sortition.selectors import announcements
    from gemeinsam.sortition.services.verification import verify_panel

    panel = Panel.objects.get(slug=DRAWN_SLUG)
    kinds = [(a.purpose, a.kind) for a in announcements(panel)]
    assert kinds == [("invitations", "event"), ("draw", "event"), ("replacement", "witnesses")]
    report = verify_panel(panel)
    assert report.ok and not report.notes, report.problems + report.notes
    assert "invitations 1: the seed draws the recorded 600 invitations from the register" in (
        report.passed
    )
