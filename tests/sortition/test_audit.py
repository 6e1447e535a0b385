"""The audit log of a citizens' panel: each step staff take and the worker's runs are
recorded on the panel (who, what, the facts; never names or addresses), and the panel's
overview page shows them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gemeinsam.core import audit
from gemeinsam.core.models import AuditEvent
from gemeinsam.sortition.algorithms.seed import derive_seed
from gemeinsam.sortition.models import Algorithm, Panel, RunState
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.privacy import delete_personal_data, purge_due
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.runs import request_run, run, run_now
from gemeinsam.sortition.services.volunteers import (
    Contact,
    add_paper_reply,
    import_volunteers,
    set_withdrawn,
)

from .seeds import draw_with, invite_with, let_time_pass, lotto, replace_with
from .test_services import make_panel, upload

pytestmark = pytest.mark.django_db

QUOTAS = "feature,value,min,max\nAlter,jung,1,1\nAlter,alt,1,1\n"
PEOPLE = [("jung", "Ada"), ("alt", "Bea"), ("jung", "Cem"), ("alt", "Dan"), ("jung", "Eva")]


def last(panel: Panel, verb: str) -> AuditEvent:
    return audit.events_for(panel).filter(verb=verb).first()


def small_panel(staff) -> Panel:
    """Two seats, one young and one old, five volunteers on paper, each with an address."""
    panel = make_panel(staff, size=2)
    upload_quotas(staff, panel, upload(QUOTAS))
    for n, (age, name) in enumerate(PEOPLE):
        contact = Contact(name=name, email=f"{name}@example.org", address=f"Weg {n}")
        add_paper_reply(staff, panel, "", {"Alter": age}, contact)
    return panel


def test_staff_steps_before_the_draw_are_recorded_with_their_facts(staff):
    panel = small_panel(staff)
    quotas = last(panel, "sortition.set_quotas")
    assert quotas.actor == staff and quotas.target == panel and quotas.data == {"count": 2}
    reply = last(panel, "sortition.add_paper_reply")
    assert reply.data == {"ref": "V0005", "code": False}
    assert audit.describe(reply) == "Paper reply entered as V0005"
    register = "id,address,district\n" + "".join(f"a{i},Weg {i},Mitte\n" for i in range(9))
    invite_with(staff, panel, upload(register), 4, "Urne 1")
    drawn = last(panel, "sortition.draw_invitations")
    panel.refresh_from_db()
    assert drawn.data == {"count": 4, "seed": panel.invitation_seed, "register_size": 9}
    announced = last(panel, "sortition.announce_invitation_seed")
    assert announced.data["purpose"] == "invitations" and "run" not in announced.data
    assert panel.register_sha256 in audit.describe(announced)
    import_volunteers(staff, panel, upload("id,Alter\np1,alt\np2,jung\n"))
    assert last(panel, "sortition.import_volunteers").data == {"count": 2}
    volunteer = panel.volunteers.get(number=1)
    set_withdrawn(staff, volunteer)
    set_withdrawn(staff, volunteer, withdrawn=False)
    assert last(panel, "sortition.withdraw").data == {"ref": "V0001"}
    assert audit.describe(last(panel, "sortition.rejoin")) == "V0001 back in the pool"


def test_a_refused_step_records_nothing(staff):
    panel = small_panel(staff)
    before = audit.events_for(panel).count()
    with pytest.raises(ValidationError):
        upload_quotas(staff, panel, upload("feature,value,min,max\nAlter,jung,x,1\n"))
    with pytest.raises(ValidationError):
        invite_with(staff, panel, upload("id,address,district\na1,Weg,Mitte\n"), 5, "s")
    assert audit.events_for(panel).count() == before


def test_runs_the_draw_replacements_and_the_deletion_are_recorded(staff):
    panel = small_panel(staff)
    selection = run_now(panel, Algorithm.LEXIMIN, staff)
    requested = last(panel, "sortition.request_run")
    assert requested.actor == staff
    assert requested.data == {"run": selection.pk, "algorithm": "leximin"}
    finished = last(panel, "sortition.run_done")
    assert finished.actor is None and finished.data["commitment"] == selection.commitment
    assert audit.describe(finished) == f"Run #{selection.pk} finished (leximin)"

    announcement = announce_draw(staff, selection, lotto(count=3))
    announced = last(panel, "sortition.announce_seed")
    assert announced.actor == staff and announced.data == {
        "run": selection.pk,
        "purpose": "draw",
        "kind": "event",
        "known_at": announcement.known_at.isoformat(),
    }
    assert audit.describe(announced).startswith(f"Seed procedure announced for run #{selection.pk}")
    let_time_pass(announcement)
    draw(staff, selection, [" 4 8 15 "])
    drawn = last(panel, "sortition.draw")
    assert drawn.actor == staff
    seed = derive_seed(announcement.context, ["4 8 15"])
    assert drawn.data == {"run": selection.pk, "seed": seed, "size": 2}
    assert audit.describe(drawn) == f"Panel drawn with the seed “{seed}” (seats: 2)"

    selection.refresh_from_db()
    replacement = replace_with(staff, panel, selection.drawn_panel[:1], "Ersatz")
    replaced = last(panel, "sortition.replace")
    assert replaced.data == {"dropped": 1, "added": 1, "shortfall": 0, "seed": replacement.seed}

    delete_personal_data(panel, staff)
    deleted = last(panel, "sortition.delete_personal_data")
    assert deleted.actor == staff and deleted.data == {"volunteers": 3, "invitations": 0}
    # Counts, seeds and pseudonyms only: no name or address of anyone in the log.
    text = str([event.data for event in audit.events_for(panel)])
    for _age, name in PEOPLE:
        assert name not in text and "Weg" not in text


def test_the_scheduled_deletion_is_recorded_without_an_actor(staff):
    panel = small_panel(staff)
    selection = run_now(panel, Algorithm.LEXIMIN, staff)
    draw_with(staff, selection)
    Panel.objects.filter(pk=panel.pk).update(delete_after_days=0)
    assert purge_due() == [panel]
    deleted = last(panel, "sortition.delete_personal_data")
    assert deleted.actor is None and deleted.data == {"volunteers": 3, "invitations": 0}


def test_a_requested_run_and_a_failed_run_are_recorded(
    staff, django_capture_on_commit_callbacks, monkeypatch
):
    panel = small_panel(staff)
    with django_capture_on_commit_callbacks(execute=False):
        selection = request_run(staff, panel, Algorithm.LEGACY)
        again = request_run(staff, panel, Algorithm.LEGACY)
    assert again.pk == selection.pk  # joined: one run, one event
    assert audit.events_for(panel).filter(verb="sortition.request_run").count() == 1

    def broken(*args, **kwargs):
        raise RuntimeError("the worker stopped")

    monkeypatch.setattr("gemeinsam.sortition.algorithms.legacy.legacy_probabilities", broken)
    assert run(selection.pk) == "failed"
    selection.refresh_from_db()
    assert selection.state == RunState.FAILED
    failed = last(panel, "sortition.run_failed")
    assert failed.actor is None and failed.data == {"run": selection.pk, "algorithm": "legacy"}


def test_creating_and_changing_a_panel_through_its_pages_is_recorded(staff, login):
    client = login(staff)
    created = client.post(
        reverse("sortition:staff_panel_create"),
        {"title": "Gremium", "slug": "gremium", "size": 10, "delete_after_days": 90,
         "household_rule": "on", "public": "on"},
    )  # fmt: skip
    panel = Panel.objects.get(slug="gremium")
    assert created.status_code == 302 and panel.created_by == staff
    event = last(panel, "sortition.create")
    assert event.actor == staff and event.data == {"size": 10, "public": True}
    changed = client.post(
        reverse("sortition:staff_panel", args=[panel.slug]),
        {"title": "Gremium 2027", "slug": "gremium", "size": 12, "delete_after_days": 90,
         "household_rule": "on"},
    )  # fmt: skip
    assert changed.status_code == 302
    assert last(panel, "sortition.change").data == {"fields": ["title", "size"]}
    assert last(panel, "sortition.unpublish").actor == staff
    unchanged = audit.events_for(panel).count()
    client.post(
        reverse("sortition:staff_panel", args=[panel.slug]),
        {"title": "Gremium 2027", "slug": "gremium", "size": 12, "delete_after_days": 90,
         "household_rule": "on", "public": "on"},
    )  # fmt: skip
    assert audit.events_for(panel).count() == unchanged + 1
    assert last(panel, "sortition.publish") is not None
    page = client.get(reverse("sortition:staff_panel", args=[panel.slug])).content.decode()
    assert "History of changes" in page
    assert "Settings changed: title, panel size" in page and "Transparency page made public" in page


def test_what_the_published_draw_shows_cannot_change_after_the_draw(staff):
    from gemeinsam.sortition.services.panels import change_panel

    panel = small_panel(staff)
    draw_with(staff, run_now(panel, Algorithm.LEXIMIN, staff))
    with pytest.raises(ValidationError, match="published draw"):
        change_panel(staff, panel, {"size": 3})
    change_panel(staff, panel, {"title": "Neu"})
    assert last(panel, "sortition.change").data == {"fields": ["title"]}
