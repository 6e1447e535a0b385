"""The invitation lottery draws with a seed announced with the register's SHA-256, before the
seed can be known: refusals, the binding to the register, and `sortition verify`."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gemeinsam.sortition.algorithms.seed import derive_seed
from gemeinsam.sortition.models import SeedAnnouncement, SeedKind
from gemeinsam.sortition.services.invitations import announce_invitations, draw_invitations
from gemeinsam.sortition.services.privacy import delete_personal_data
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.seeds import invitation_context

from .seeds import SECRETS, any_text, draw_with, lotto, move_back, witnesses
from .test_seeds import verify
from .test_services import make_panel, register_csv, upload

pytestmark = pytest.mark.django_db

DISTRICTS = ["Mitte", "Pankow", "Spandau"]
REGISTER = register_csv(60, DISTRICTS)
SECRET_VALUES = [secret for _name, secret in SECRETS]


def announced(staff, panel, procedure=None, count: int = 12) -> SeedAnnouncement:
    return announce_invitations(staff, panel, upload(REGISTER), count, procedure or lotto())


def test_the_announcement_binds_the_seed_to_the_register_and_draws_nothing(staff):
    panel = make_panel(staff)
    announcement = announced(staff, panel)
    digest = hashlib.sha256(REGISTER.encode()).hexdigest()
    assert announcement.register_sha256 == digest and announcement.register == REGISTER
    assert announcement.context == invitation_context(panel, 1, digest, 12, "district")
    assert announcement.context == f"{panel.slug} invitations 1 {digest} 12 district"
    assert announcement.run is None and not panel.invitations.exists()


def test_the_invitations_are_refused_before_the_moment_and_without_an_announcement(staff):
    panel = make_panel(staff)
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        draw_invitations(staff, panel, ["1 2 3 4 5 6"])
    announced(staff, panel)
    with pytest.raises(ValidationError, match="cannot be known before"):
        draw_invitations(staff, panel, ["1 2 3 4 5 6"])
    assert not panel.invitations.exists()


def test_a_value_of_the_wrong_form_or_a_wrong_secret_is_refused(staff):
    panel = make_panel(staff)
    move_back(announced(staff, panel))
    with pytest.raises(ValidationError, match="50 is not between 1 and 49"):
        draw_invitations(staff, panel, ["1 2 3 4 5 50"])
    move_back(announced(staff, panel, witnesses()))
    with pytest.raises(ValidationError, match="does not match the hash published"):
        draw_invitations(staff, panel, [SECRET_VALUES[0], "not the secret"])
    assert not panel.invitations.exists()
    assert SeedAnnouncement.objects.filter(used_at__isnull=False).count() == 0


def test_the_invitations_are_drawn_with_the_seed_derived_from_the_reveal(staff):
    panel = make_panel(staff)
    announcement = announced(staff, panel, witnesses())
    move_back(announcement)
    invitations = draw_invitations(staff, panel, SECRET_VALUES)
    announcement.refresh_from_db()
    panel.refresh_from_db()
    seed = derive_seed(announcement.context, SECRET_VALUES)
    assert announcement.seed == seed == panel.invitation_seed and announcement.used_at
    assert len(invitations) == 12 and panel.register_size == 60
    # A second reveal finds no open announcement: one announcement, one lottery.
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        draw_invitations(staff, panel, SECRET_VALUES)


def test_a_new_announcement_supersedes_the_open_one_and_counts_as_the_next(staff):
    panel = make_panel(staff)
    first = announced(staff, panel)
    second = announced(staff, panel, any_text(), count=6)
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    assert second.context.startswith(f"{panel.slug} invitations 2 ")


def test_the_announcement_is_refused_for_a_moment_past_or_too_many_invitations(staff):
    panel = make_panel(staff)
    with pytest.raises(ValidationError, match="must lie in the future"):
        announced(staff, panel, lotto(known_at=timezone.now() - timedelta(minutes=1)))
    with pytest.raises(ValidationError, match="not invited yet: 60"):
        announced(staff, panel, count=61)
    assert not SeedAnnouncement.objects.exists()


def test_verify_redraws_the_invitations_from_the_kept_register(staff):
    panel = make_panel(staff)
    for value in ("7 8 9 10 11 12", "1 2 3 4 5 6"):
        move_back(announced(staff, panel))
        draw_invitations(staff, panel, [value])
    code, out = verify(panel)
    assert code == 0, out
    assert "ok: invitations 1: the seed draws the recorded 12 invitations" in out
    assert "ok: invitations 2: the seed draws the recorded 12 invitations" in out
    assert "ok: invitations 2: the seed is bound to this panel" in out
    swapped = panel.invitations.get(position=14)
    swapped.register_id = "r999"
    swapped.save()
    code, out = verify(panel)
    assert code == 1 and "DIFFERS: invitations 2: the seed draws other addresses" in out


def test_verify_notes_a_register_deleted_with_the_personal_data(staff):
    from .test_audit import small_panel

    panel = small_panel(staff)
    announcement = announce_invitations(staff, panel, upload(REGISTER), 4, lotto())
    move_back(announcement)
    draw_invitations(staff, panel, ["1 2 3 4 5 6"])
    draw_with(staff, run_now(panel))
    delete_personal_data(panel)
    announcement.refresh_from_db()
    assert announcement.register == "" and announcement.kind == SeedKind.PUBLIC_EVENT
    code, out = verify(panel)
    assert code == 0, out
    assert "note: invitations 1: register not kept, invitations not re-drawn" in out
    assert "ok: invitations 1: seed" in out
