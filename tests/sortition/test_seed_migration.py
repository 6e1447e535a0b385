"""Draws made before seeds were announced keep working: the migration records their
free-text seed as a legacy free seed, and `sortition verify` repeats them."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("sortition", "0001_initial")]
AFTER = [("sortition", "0002_seed_announcements")]


@pytest.fixture(autouse=True)
def _latest_afterwards():
    """Leave the database at the newest migration for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("sortition"))


@pytest.mark.django_db(transaction=True)
def test_existing_draws_and_replacements_become_legacy_free_seeds(staff):
    from gemeinsam.sortition.models import Panel
    from gemeinsam.sortition.services.runs import run_now

    from .test_audit import small_panel

    run = run_now(small_panel(staff))
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldRun, OldReplacement = (
        old.get_model("sortition", "SelectionRun"),
        old.get_model("sortition", "Replacement"),
    )
    from gemeinsam.sortition.algorithms.distribution import Distribution

    drawn = sorted(Distribution.from_json(run.distribution).draw("Urne 4711"))
    now = timezone.now()
    OldRun.objects.filter(pk=run.pk).update(
        seed="Urne 4711", seed_source="Zahlen aus der Urne", drawn_at=now, drawn_panel=drawn
    )
    OldReplacement.objects.create(run_id=run.pk, seed="Nachrücken", dropped=[], added=[])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("sortition"))

    panel = Panel.objects.get(pk=run.panel_id)
    drawn_run = panel.drawn_run()
    draw_seed, replacement_seed = drawn_run.announcements.order_by("pk")
    assert (draw_seed.kind, draw_seed.purpose, draw_seed.seed) == ("legacy", "draw", "Urne 4711")
    assert draw_seed.source == "Zahlen aus der Urne" and draw_seed.revealed == ["Urne 4711"]
    assert replacement_seed.kind == "legacy" and replacement_seed.replacement.seed == "Nachrücken"
    out = io.StringIO()
    call_command("sortition", "verify", panel.slug, stdout=out)
    assert "legacy free seed “Urne 4711”" in out.getvalue()
    assert out.getvalue().rstrip().endswith(f"{panel.slug}: OK")


@pytest.mark.django_db(transaction=True)
def test_invitations_drawn_with_a_free_seed_become_a_legacy_announcement(staff):
    from gemeinsam.sortition.models import Invitation, Panel

    from .test_services import make_panel

    panel = make_panel(staff)
    for n in range(1, 4):
        Invitation.objects.create(panel=panel, stratum="Mitte", code=f"CODE{n}", position=n)
    now = timezone.now()
    Panel.objects.filter(pk=panel.pk).update(
        invitation_seed="Einladung 2026", register_sha256="ab" * 32, invitations_drawn_at=now
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("sortition"))

    (legacy,) = Panel.objects.get(pk=panel.pk).announcements.all()
    assert (legacy.purpose, legacy.kind, legacy.seed) == ("invitations", "legacy", "Einladung 2026")
    assert legacy.count == 3 and legacy.register_sha256 == "ab" * 32 and legacy.run is None
    out = io.StringIO()
    call_command("sortition", "verify", panel.slug, stdout=out)
    assert "legacy free seed “Einladung 2026”" in out.getvalue()
    assert "register not kept, invitations not re-drawn" in out.getvalue()
