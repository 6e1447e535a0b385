"""The seed procedure: announced with the commitment before the seed can be known, refused
before its moment or with a value that does not fit, and checked by `sortition verify`."""

import io
import subprocess
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from gemeinsam.sortition.algorithms.seed import derive_seed, secret_hash
from gemeinsam.sortition.models import SeedAnnouncement, SeedKind, SelectionRun
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.replacements import announce_replacement, replace_dropouts
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.seeds import draw_context

from .seeds import SECRETS, any_text, let_time_pass, lotto, replace_with, witnesses
from .test_audit import small_panel

pytestmark = pytest.mark.django_db

SECRET_VALUES = [secret for _name, secret in SECRETS]


@pytest.fixture
def committed(staff):
    """A small panel with a finished LEXIMIN run (the commitment), no seed announced."""
    panel = small_panel(staff)
    return panel, run_now(panel)


def drawn_by_witnesses(staff, committed):
    panel, run = committed
    let_time_pass(announce_draw(staff, run, witnesses()))
    draw(staff, run, SECRET_VALUES)
    run.refresh_from_db()
    return panel, run


def verify(panel) -> tuple[int, str]:
    """`gemeinsam sortition verify <panel>`: its exit code and output."""
    out = io.StringIO()
    try:
        call_command("sortition", "verify", panel.slug, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


# Refusals ----------------------------------------------------------------------------------


def test_the_draw_is_refused_without_an_announced_seed(staff, committed):
    _panel, run = committed
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        draw(staff, run, ["4 8 15 16 23 42"])
    assert SelectionRun.objects.get(pk=run.pk).drawn_at is None


def test_the_draw_is_refused_before_the_announced_moment(staff, committed):
    _panel, run = committed
    announce_draw(staff, run, lotto())
    with pytest.raises(ValidationError, match="cannot be known before"):
        draw(staff, run, ["4 8 15 16 23 42"])
    assert SelectionRun.objects.get(pk=run.pk).drawn_at is None


def test_the_moment_must_lie_after_the_announcement(staff, committed):
    _panel, run = committed
    with pytest.raises(ValidationError, match="must lie in the future"):
        announce_draw(staff, run, lotto(known_at=timezone.now() - timedelta(minutes=1)))
    assert not SeedAnnouncement.objects.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("4 8 15 16 23", "has 5 numbers; the announcement says 6"),
        ("4 8 15 16 23 50", "50 is not between 1 and 49"),
        ("vier acht", "is not a list of numbers"),
        ("", "Enter the value"),
    ],
)
def test_a_value_that_does_not_fit_the_announced_form_is_refused(staff, committed, value, message):
    _panel, run = committed
    let_time_pass(announce_draw(staff, run, lotto()))
    with pytest.raises(ValidationError, match=message):
        draw(staff, run, [value])
    assert SelectionRun.objects.get(pk=run.pk).drawn_at is None


def test_a_pattern_is_matched_in_full(staff, committed):
    _panel, run = committed
    procedure = any_text()
    procedure.value_pattern = r"[0-9]{7}"
    let_time_pass(announce_draw(staff, run, procedure))
    with pytest.raises(ValidationError, match="does not have the announced form"):
        draw(staff, run, ["12345678"])
    draw(staff, run, [" 1234567 "])
    run.refresh_from_db()
    assert run.seed == derive_seed(draw_context(run), ["1234567"])


def test_numbers_in_any_order_give_the_same_seed(staff, committed):
    _panel, run = committed
    announcement = announce_draw(staff, run, lotto())
    let_time_pass(announcement)
    draw(staff, run, ["42, 23, 16, 15, 8, 4"])
    run.refresh_from_db()
    assert run.seed == derive_seed(announcement.context, ["4 8 15 16 23 42"])


def test_a_secret_that_does_not_match_its_hash_is_refused(staff, committed):
    _panel, run = committed
    let_time_pass(announce_draw(staff, run, witnesses()))
    with pytest.raises(ValidationError, match="secret of Ben Witness does not match"):
        draw(staff, run, [SECRET_VALUES[0], "guessed"])
    with pytest.raises(ValidationError, match="1 secrets for 2 witnesses"):
        draw(staff, run, SECRET_VALUES[:1])
    assert SelectionRun.objects.get(pk=run.pk).drawn_at is None


def test_witnesses_need_two_and_real_hashes(staff, committed):
    _panel, run = committed
    with pytest.raises(ValidationError, match="at least two witnesses"):
        announce_draw(staff, run, witnesses(SECRETS[:1]))
    bad = witnesses()
    bad.witnesses[1] = ("Ben Witness", "not-a-hash")
    with pytest.raises(ValidationError, match="not a SHA-256"):
        announce_draw(staff, run, bad)
    same = witnesses([("Anna", "x"), ("Ben", "x")])
    with pytest.raises(ValidationError, match="same hash"):
        announce_draw(staff, run, same)


# The derived seed --------------------------------------------------------------------------


def test_the_seed_is_derived_from_all_secrets_and_recorded(staff, committed):
    panel, run = drawn_by_witnesses(staff, committed)
    announcement = run.announcements.get()
    assert announcement.revealed == SECRET_VALUES and announcement.used_at is not None
    expected = derive_seed(f"{panel.slug} draw {run.commitment}", SECRET_VALUES)
    assert run.seed == announcement.seed == expected
    assert [w["sha256"] for w in announcement.witnesses] == [secret_hash(s) for s in SECRET_VALUES]


def test_a_new_announcement_supersedes_the_open_one_of_any_run(staff, committed):
    panel, run = committed
    first = announce_draw(staff, run, lotto())
    other = run_now(panel)
    second = announce_draw(staff, other, witnesses())
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    let_time_pass(first)
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        draw(staff, run, ["4 8 15 16 23 42"])  # the superseded announcement draws nothing


def test_each_replacement_draw_needs_its_own_announcement(staff, committed):
    panel, run = drawn_by_witnesses(staff, committed)
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        replace_dropouts(staff, panel, SECRET_VALUES)  # the draw's announcement is used up
    announcement = announce_replacement(staff, panel, run.drawn_panel[:1], witnesses())
    with pytest.raises(ValidationError, match="cannot be known before"):
        replace_dropouts(staff, panel, SECRET_VALUES)
    let_time_pass(announcement)
    first = replace_dropouts(staff, panel, SECRET_VALUES)
    assert first.dropped == run.drawn_panel[:1] and first.announcement == announcement
    with pytest.raises(ValidationError, match="Announce the seed procedure first"):
        replace_dropouts(staff, panel, SECRET_VALUES)
    second = replace_with(staff, panel, first.added, "zweite Runde")
    assert second.seed != first.seed and second.announcement.context.endswith(",".join(first.added))


# gemeinsam sortition verify <panel> --------------------------------------------------------


def test_verify_says_ok_for_an_announced_draw_and_replacement(staff, committed):
    panel, run = drawn_by_witnesses(staff, committed)
    replace_with(staff, panel, run.drawn_panel[:1], "Ersatz")
    code, output = verify(panel)
    assert code == 0, output
    assert output.rstrip().endswith(f"{panel.slug}: OK")
    assert "every revealed secret matches its published SHA-256" in output
    assert "replacement 1: the seed draws the recorded replacements" in output
    assert "DIFFERS" not in output


@pytest.mark.parametrize(
    "tamper, difference",
    [
        (lambda run, a: SelectionRun.objects.filter(pk=run.pk).update(drawn_panel=["V0001"]),
         "the seed draws"),
        (lambda run, a: SeedAnnouncement.objects.filter(pk=a.pk).update(
            revealed=[SECRET_VALUES[0], "other"]), "does not match the published hash"),
        (lambda run, a: SeedAnnouncement.objects.filter(pk=a.pk).update(
            known_at=a.used_at + timedelta(hours=1)), "before the announced moment"),
        (lambda run, a: SeedAnnouncement.objects.filter(pk=a.pk).update(
            announced_at=run.finished_at - timedelta(hours=1)), "older than the commitment"),
        (lambda run, a: SeedAnnouncement.objects.filter(pk=a.pk).update(seed="0" * 64),
         "not the recorded"),
        (lambda run, a: SelectionRun.objects.filter(pk=run.pk).update(commitment="f" * 64),
         "give the commitment"),
    ],
)  # fmt: skip
def test_verify_names_what_differs_and_exits_non_zero(staff, committed, tamper, difference):
    panel, run = drawn_by_witnesses(staff, committed)
    assert verify(panel)[0] == 0
    tamper(run, run.announcements.get())
    code, output = verify(panel)
    assert code == 1 and "DIFFERS" in output and difference in output, output
    assert "does not verify" in output


def test_verify_marks_a_legacy_free_seed_and_repeats_its_draw(staff, committed):
    panel, run = committed
    # As the migration leaves a draw made before seeds were announced.
    SelectionRun.objects.filter(pk=run.pk).update(
        seed="Urne 4711", drawn_at=timezone.now(), drawn_panel=sorted(run_draw(run, "Urne 4711"))
    )
    SeedAnnouncement.objects.create(
        panel=run.panel, run=run, purpose="draw", kind=SeedKind.LEGACY,
        announced_at=timezone.now(),
        revealed=["Urne 4711"], seed="Urne 4711", used_at=timezone.now(),
    )  # fmt: skip
    code, output = verify(panel)
    assert code == 0, output
    assert "legacy free seed “Urne 4711”" in output and "not fixed in advance" in output
    page = unescape(client_page(panel))
    assert "Legacy free seed" in page and "cannot be checked" in page


def run_draw(run: SelectionRun, seed: str) -> tuple[str, ...]:
    from gemeinsam.sortition.selectors import distribution_of

    return distribution_of(run).draw(seed)


def test_verify_of_an_unknown_panel_exits_2(staff):
    code, output = verify(type("P", (), {"slug": "nosuch"}))
    assert code == 2 and "no panel" in output


# The public page ---------------------------------------------------------------------------


def client_page(panel) -> str:
    """The public transparency page in English (the site's language cookie)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("sortition:panel", args=[panel.slug])).content.decode()


def test_the_page_shows_the_announcement_before_and_the_reveal_after(staff, committed):
    panel, run = committed
    announcement = announce_draw(staff, run, witnesses())
    before = unescape(client_page(panel))
    assert "Anna Witness" in before and announcement.witnesses[1]["sha256"] in before
    assert announcement.context in before and "Not revealed yet." in before
    assert SECRET_VALUES[0] not in before
    let_time_pass(announcement)
    draw(staff, run, SECRET_VALUES)
    run.refresh_from_db()
    after = unescape(client_page(panel))
    assert all(secret in after for secret in SECRET_VALUES) and run.seed in after
    assert "printf '%s' SECRET | sha256sum" in after


def test_the_command_on_the_page_derives_the_seed(staff, committed):
    panel, run = committed
    let_time_pass(announce_draw(staff, run, lotto()))
    draw(staff, run, ["49 1 7 13 22 35"])
    run.refresh_from_db()
    page = unescape(client_page(panel))
    command = page.split("python3 -c ", 1)[1].split("</code>", 1)[0]
    completed = subprocess.run(
        ["sh", "-c", "python3 -c " + command], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == run.seed


def test_the_api_record_has_the_announcement_and_reveal(staff, committed, anonymous):
    panel, run = drawn_by_witnesses(staff, committed)
    record = anonymous.get(f"/api/sortition/panels/{panel.slug}").json()
    (announced,) = record["seed_announcements"]
    assert announced["kind"] == "witnesses" and announced["revealed"] == SECRET_VALUES
    assert announced["seed"] == run.seed and announced["witnesses"][0]["name"] == "Anna Witness"


SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from gemeinsam.core.models import User
from gemeinsam.core.roles import Role, assign_role
from gemeinsam.sortition.models import Panel
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.volunteers import Contact, add_paper_reply
from tests.sortition.seeds import SECRETS, let_time_pass, witnesses
staff = User.objects.create_user(email="sam@example.org", password="x")
assign_role(staff, Role.STAFF)
panel = Panel.objects.create(slug="cli", title="CLI", size=2, created_by=staff)
quotas = b"feature,value,min,max\\nAlter,jung,1,1\\nAlter,alt,1,1\\n"
upload_quotas(staff, panel, SimpleUploadedFile("q.csv", quotas))
for n, age in enumerate(["jung", "alt", "jung", "alt"]):
    add_paper_reply(staff, panel, "", {"Alter": age}, Contact(name=f"P{n}", address=f"Weg {n}"))
run = run_now(panel)
let_time_pass(announce_draw(staff, run, witnesses()))
draw(staff, run, [secret for _name, secret in SECRETS])
"""


def test_the_installed_command_exits_0_when_the_draw_verifies_and_1_when_not(tmp_path):
    """`gemeinsam sortition verify <panel>` as an operator runs it, on a database of its own."""
    from ..test_cli import gemeinsam

    root = str(Path(__file__).resolve().parents[2])
    assert gemeinsam("migrate", "-v0", data_dir=tmp_path).returncode == 0
    made = gemeinsam("shell", "-c", SETUP, data_dir=tmp_path, PYTHONPATH=root)
    assert made.returncode == 0, made.stderr
    ok = gemeinsam("sortition", "verify", "cli", data_dir=tmp_path)
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith("cli: OK"), ok.stderr
    tamper = "from gemeinsam.sortition.models import SelectionRun as R\n"
    tamper += "R.objects.update(drawn_panel=['V0001', 'V0002'] if R.objects.get().drawn_panel "
    tamper += "!= ['V0001', 'V0002'] else ['V0003', 'V0004'])"
    assert gemeinsam("shell", "-c", tamper, data_dir=tmp_path).returncode == 0
    differs = gemeinsam("sortition", "verify", "cli", data_dir=tmp_path)
    assert differs.returncode == 1 and "DIFFERS: draw: the seed draws" in differs.stdout
    assert "Traceback" not in differs.stderr
