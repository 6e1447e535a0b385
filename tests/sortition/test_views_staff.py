"""The staff pages of a citizens' panel: access, every step through the pages on real data
(Flanigan et al.'s example_small_20), error messages of bad uploads, and what is downloaded."""

import csv
import hashlib
import io
import json
import random
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.sortition.algorithms import cli
from gemeinsam.sortition.algorithms.seed import derive_seed, secret_hash
from gemeinsam.sortition.models import (
    Algorithm,
    Panel,
    Replacement,
    RunState,
    SeedAnnouncement,
    SelectionRun,
    Source,
    Status,
    Volunteer,
)
from gemeinsam.sortition.selectors import deletion_due, shown_code
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.seeds import draw_context
from gemeinsam.sortition.services.volunteers import import_volunteers, set_withdrawn

from ..conftest import shared_data
from .seeds import SECRETS, draw_with, invite_with, let_time_pass, move_back, replace_with

EXAMPLE = shared_data() / "sortition" / "example_small_20"
DISTRICTS = ["Mitte", "Pankow", "Neukölln", "Spandau"]


def upload(content: bytes | str, name: str = "file.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def example(name: str) -> SimpleUploadedFile:
    return upload((EXAMPLE / name).read_bytes(), name)


def register_csv(rows: int, seed: int = 7) -> str:
    """An address register like the Einwohnermelderegister's extract: id, address, district."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "address", "district", "name"])
    for i in range(rows):
        writer.writerow([f"r{i}", f"Musterstraße {i}", rng.choice(DISTRICTS), f"Name {i}"])
    return out.getvalue()


def make_panel(staff, slug: str = "stadtgremium", size: int = 20, **fields) -> Panel:
    return Panel.objects.create(
        slug=slug, title="Stadtgremium Digitales Berlin", size=size, created_by=staff, **fields
    )


def example_panel(staff, **fields) -> Panel:
    """example_small_20: 200 volunteers, gender and leaning, panel of 20."""
    panel = make_panel(staff, **fields)
    upload_quotas(staff, panel, example("categories.csv"))
    import_volunteers(staff, panel, example("respondents.csv"))
    return panel


def drawn_panel(staff, seed: str = "Urne 2026") -> Panel:
    panel = example_panel(staff)
    run = run_now(panel)
    draw_with(staff, run, seed)
    return panel


def tomorrow() -> str:
    return timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def announce_lotto(source: str) -> dict:
    """The draw page's announcement form: a public event of 4 numbers from 1 to 49."""
    return {
        "announce": "", "kind": "event", "known_at": tomorrow(), "source": source,
        "value_format": "numbers", "value_count": 4, "value_min": 1, "value_max": 49,
    }  # fmt: skip


def url(name: str, panel: Panel | None = None, *args) -> str:
    return reverse(f"sortition:{name}", args=[panel.slug, *args] if panel else list(args))


def html(response) -> str:
    """The page's text with entities resolved (Django escapes the quotes in messages)."""
    return unescape(response.content.decode())


STAFF_PAGES = [
    "staff_panel",
    "staff_quotas",
    "staff_invitations",
    "staff_letters",
    "staff_volunteers",
    "staff_volunteers_import",
    "staff_paper_reply",
    "staff_runs",
    "staff_draw",
    "staff_panel_csv",
    "staff_replacements",
    "staff_deletion",
]


@pytest.mark.parametrize("name", [*STAFF_PAGES, "staff_run"])
def test_staff_pages_render_for_staff_and_refuse_others(
    name, staff, resident, moderator, login, anonymous
):
    panel = drawn_panel(staff)
    args = [panel.runs.get().pk] if name == "staff_run" else []
    page = url(name, panel, *args)
    response = login(staff).get(page)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert login(resident).get(page).status_code == 403
    assert login(moderator).get(page).status_code == 403
    refused = anonymous.get(page)
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]


@pytest.mark.parametrize("name", ["staff_panels", "staff_panel_create"])
def test_panel_list_and_creation_are_for_staff_only(name, staff, resident, login, anonymous):
    assert login(staff).get(url(name)).status_code == 200
    assert login(resident).get(url(name)).status_code == 403
    assert anonymous.get(url(name)).status_code == 302


def test_post_actions_refuse_residents(staff, resident, login):
    panel = example_panel(staff)
    client = login(resident)
    number = panel.volunteers.first().number
    posts = [
        (url("staff_panel_create"), {"title": "X", "slug": "x", "size": 5}),
        (url("staff_quotas", panel), {"file": example("categories.csv")}),
        (url("staff_runs", panel), {"algorithm": "leximin"}),
        (url("staff_volunteer_status", panel, number), {"withdrawn": "1"}),
        (url("staff_draw", panel), announce_lotto("x")),
        (url("staff_deletion", panel), {}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 403, address
    assert not Panel.objects.filter(slug="x").exists()
    assert not panel.runs.exists()
    assert not panel.volunteers.filter(status=Status.WITHDRAWN).exists()


def test_the_staff_area_links_to_the_panels(staff, login):
    response = login(staff).get(reverse("participation_staff:processes"))
    assert url("staff_panels") in html(response)


def test_the_whole_lottery_through_the_pages(
    staff, login, anonymous, tmp_path, django_capture_on_commit_callbacks
):
    client = login(staff)
    # Create the panel.
    response = client.post(
        url("staff_panel_create"),
        {
            "title": "Stadtgremium Digitales Berlin",
            "slug": "stadtgremium",
            "description": "Zwanzig Menschen beraten die Strategie.",
            "size": 20,
            "household_rule": "on",
            "public": "on",
            "delete_after_days": 90,
        },
    )
    panel = Panel.objects.get(slug="stadtgremium")
    assert response.status_code == 302 and response["Location"] == url("staff_panel", panel)
    assert panel.created_by == staff

    # 1. Quotas, in the paper's format.
    response = client.post(url("staff_quotas", panel), {"file": example("categories.csv")})
    assert response.status_code == 302
    page = html(client.get(url("staff_quotas", panel)))
    assert "female" in page and "9–20" in page
    assert panel.quotas.count() == 4

    # 2. Invitations from a register of 400 addresses, stratified by district: the register
    # and the seed procedure first, the lottery after the announced moment.
    register = register_csv(400)
    response = client.post(
        url("staff_invitations", panel),
        {
            **announce_lotto("Ziehung am 2. März"),
            "register": upload(register, "melderegister.csv"),
            "count": 40,
            "stratum_column": "district",
        },
    )
    assert response.status_code == 302 and not panel.invitations.exists()
    announcement = SeedAnnouncement.objects.get(purpose="invitations")
    assert announcement.register_sha256 == hashlib.sha256(register.encode()).hexdigest()
    page = html(client.get(url("staff_invitations", panel)))
    assert announcement.register_sha256 in page and "Ziehung am 2. März" in page
    early = client.post(url("staff_invitations", panel), {"reveal": "", "value_0": "1 2 3 4"})
    assert early.status_code == 200 and "cannot be known before" in html(early)
    move_back(announcement)
    wrong = client.post(url("staff_invitations", panel), {"reveal": "", "value_0": "1 2 3 50"})
    assert "50 is not between 1 and 49" in html(wrong) and not panel.invitations.exists()
    response = client.post(url("staff_invitations", panel), {"reveal": "", "value_0": "4 3 2 1"})
    assert response.status_code == 302
    assert panel.invitations.count() == 40
    panel.refresh_from_db()
    assert panel.invitation_seed == derive_seed(announcement.context, ["1 2 3 4"])
    public = html(anonymous.get(url("panel", panel)))
    assert "The invitation lottery" in public and announcement.register_sha256 in public
    page = html(client.get(url("staff_invitations", panel)))
    for district in DISTRICTS:
        assert district in page
    letters = client.get(url("staff_letters", panel))
    assert letters["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(letters.content.decode("utf-8-sig"))))
    assert len(rows) == 40 and {"id", "address", "name", "code"} <= set(rows[0])
    code = rows[0]["code"]

    # 3. Volunteers: one online with the letter's code, the pool imported, a paper reply.
    response = client.post(
        url("staff_panel", panel),
        {
            "title": panel.title,
            "slug": panel.slug,
            "size": 20,
            "household_rule": "on",
            "public": "on",
            "registration_open": "on",
            "delete_after_days": 90,
        },
    )
    assert response.status_code == 302
    registration = {
        "code": code.lower().replace("-", " "),
        "feature_0": "female",
        "feature_1": "liberal",
        "name": "Erika Mustermann",
        "email": "erika@example.org",
        "address": "Musterstraße 1",
        "postcode": "10115",
        "consent": "on",
    }
    response = anonymous.post(url("register", panel), registration)
    assert response.status_code == 302
    assert response["Location"] == url("register_done", panel)
    again = anonymous.post(url("register", panel), registration)
    assert again.status_code == 200
    assert "nicht gültig oder wurde schon verwendet" in html(again) or (
        "not valid or has been used" in html(again)
    )
    assert panel.volunteers.filter(source=Source.ONLINE).count() == 1

    response = client.post(
        url("staff_volunteers_import", panel), {"file": example("respondents.csv")}
    )
    assert response.status_code == 302
    response = client.post(
        url("staff_paper_reply", panel),
        {
            "code": "",
            "feature_0": "male",
            "feature_1": "conservative",
            "name": "Max Brief",
            "address": "Postweg 2",
            "postcode": "13353",
        },
    )
    assert response.status_code == 302
    assert panel.volunteers.count() == 202
    page = html(client.get(url("staff_volunteers", panel)))
    assert "Erika Mustermann" in page and "V0001" in page

    # 4. Runs: LEXIMIN, and LEGACY for comparison; the worker is the immediate backend.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("staff_runs", panel), {"algorithm": "leximin"})
    run = panel.runs.get()
    assert response["Location"] == url("staff_run", panel, run.pk)
    run.refresh_from_db()
    assert run.state == RunState.DONE, run.error
    page = html(client.get(url("staff_run", panel, run.pk)))
    assert run.commitment in page
    assert "histogram-caption" in page and 'class="bars"' in page
    assert 'role="status"' in page and "run.js" not in page  # finished: no refreshing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("staff_runs", panel), {"algorithm": "legacy"})
    page = html(client.get(url("staff_run", panel, run.pk)))
    assert "LEGACY" in page and "compare-heading" in page

    # Before the seed: the public page shows the commitment, no seed, no draw.
    public = html(anonymous.get(url("panel", panel)))
    assert run.commitment in public
    assert "Urne" not in public

    # 5. The commitment with the seed procedure, then the draw after the announced moment.
    response = client.post(url("staff_draw", panel), announce_lotto("Sitzung am 4. Mai"))
    assert response.status_code == 302
    announcement = SeedAnnouncement.objects.get(purpose="draw")
    public = html(anonymous.get(url("panel", panel)))
    assert "Sitzung am 4. Mai" in public and "4 numbers from 1 to 49" in public
    early = client.post(url("staff_draw", panel), {"reveal": "", "value_0": "17 4 42 8"})
    assert early.status_code == 200 and "cannot be known before" in html(early)
    let_time_pass(announcement)
    wrong = client.post(url("staff_draw", panel), {"reveal": "", "value_0": "17 4 42 50"})
    assert "50 is not between 1 and 49" in html(wrong)
    response = client.post(url("staff_draw", panel), {"reveal": "", "value_0": "17 4 42 8"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert len(run.drawn_panel) == 20
    assert run.seed == derive_seed(draw_context(run), ["4 8 17 42"])
    page = html(client.get(url("staff_draw", panel)))
    assert all(ref in page for ref in run.drawn_panel)
    assert "17 4 42 8" in page and run.seed in page  # the reveal and the derived seed
    members = client.get(url("staff_panel_csv", panel))
    assert members["Cache-Control"] == "no-store"
    member_rows = list(csv.DictReader(io.StringIO(members.content.decode("utf-8-sig"))))
    assert sorted(row["id"] for row in member_rows) == run.drawn_panel

    # The public page: seed, its source and the make-up, no personal data.
    public = html(anonymous.get(url("panel", panel)))
    assert "17 4 42 8" in public and "Sitzung am 4. Mai" in public and run.seed in public
    assert "gemeinsam-seed/1" in public  # how to derive the seed yourself
    for personal in ("Erika", "erika@example.org", "Musterstraße", "Max Brief", "Postweg"):
        assert personal not in public
    assert all(ref in public for ref in run.drawn_panel)

    # The downloads verify: the same panel from the published files.
    for name in ("features.csv", "people.csv", "distribution.json"):
        response = anonymous.get(url("run_file", panel, run.pk, name))
        assert response.status_code == 200
        (tmp_path / name).write_bytes(response.content)
    commitment = anonymous.get(url("run_file", panel, run.pk, "commitment.txt"))
    assert commitment.content.decode().strip() == run.commitment
    assert b"Erika" not in (tmp_path / "people.csv").read_bytes()
    out = io.StringIO()
    argv = [
        "verify",
        "--features", str(tmp_path / "features.csv"),
        "--people", str(tmp_path / "people.csv"),
        "--size", "20",
        "--id-column", "id",
        "--household-columns", "household",
        "--distribution", str(tmp_path / "distribution.json"),
        "--commitment", run.commitment,
        "--seed", run.seed,
    ]  # fmt: skip
    assert cli.main(argv, stdout=out, stderr=io.StringIO()) == 0
    verified = json.loads(out.getvalue())
    assert verified["valid"] and sorted(verified["panel"]) == run.drawn_panel

    # 6. Replacements for two who dropped out.
    dropped = run.drawn_panel[:2]
    hashes = "\n".join(f"{name}, {secret_hash(secret)}" for name, secret in SECRETS)
    response = client.post(
        url("staff_replacements", panel),
        {"announce": "", "dropped": dropped, "kind": "witnesses", "known_at": tomorrow(),
         "witnesses": hashes},
    )  # fmt: skip
    assert response.status_code == 302
    announcement = SeedAnnouncement.objects.get(purpose="replacement")
    assert announcement.dropped == dropped
    public = html(anonymous.get(url("panel", panel)))
    assert all(secret_hash(secret) in public for _name, secret in SECRETS)
    let_time_pass(announcement)
    secrets = {f"value_{n}": secret for n, (_name, secret) in enumerate(SECRETS)}
    wrong = client.post(url("staff_replacements", panel), {"reveal": "", **secrets, "value_1": "x"})
    assert "The secret of Ben Witness does not match" in html(wrong)
    response = client.post(url("staff_replacements", panel), {"reveal": "", **secrets})
    replacement = Replacement.objects.get()
    assert (
        response["Location"] == f"{url('staff_replacements', panel)}?result={replacement.pk}#result"
    )
    page = html(client.get(response["Location"]))
    assert all(ref in page for ref in replacement.added)
    assert len(replacement.added) == 2
    assert set(panel.volunteers.filter(status=Status.DROPPED).values_list("number", flat=True)) == {
        int(ref[1:]) for ref in dropped
    }

    # 7. Deletion of personal data, confirmed.
    page = html(client.get(url("staff_deletion", panel)))
    assert "Delete" in page or "löschen" in page
    response = client.post(url("staff_deletion", panel))
    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.personal_data_deleted_at is not None
    unseated = panel.volunteers.exclude(status__in=[Status.SELECTED, Status.REPLACEMENT])
    assert not unseated.exclude(name="").exists()
    erika = Volunteer.objects.get(panel=panel, source=Source.ONLINE)
    if erika.status not in (Status.SELECTED, Status.REPLACEMENT):
        assert erika.name == "" and erika.email == ""
    assert not panel.invitations.exclude(address="").exists()
    after = client.get(url("staff_letters", panel))
    assert after.status_code == 302  # the addresses are gone: no letters to merge


BAD_QUOTAS = [
    ("feature,value,min,max\ngender,female,nine,20\n", "line 2", "column 'min'"),
    ("feature,value,min,max\ngender,female,9,20\ngender,female,1,2\n", "line 3", "duplicate"),
    ("gender,female\n", "line 1", "missing column"),
    ("feature,value,min,max\ngender,female,12,3\n", "line 2", "greater than max"),
]


@pytest.mark.parametrize(("content", "line", "detail"), BAD_QUOTAS)
def test_a_bad_quota_file_shows_file_line_and_column(staff, login, content, line, detail):
    panel = make_panel(staff)
    response = login(staff).post(url("staff_quotas", panel), {"file": upload(content, "q.csv")})
    assert response.status_code == 200
    page = html(response)
    assert 'role="alert"' in page
    assert "q.csv" in page and line in page and detail in page
    assert not panel.quotas.exists()


def test_bad_register_pool_and_encoding_show_messages_not_errors(staff, login):
    panel = make_panel(staff)
    client = login(staff)
    client.post(url("staff_quotas", panel), {"file": example("categories.csv")})
    response = client.post(
        url("staff_invitations", panel),
        {
            **announce_lotto("Lotto"),
            "register": upload("id,address\nr1,Weg 1\n", "reg.csv"),
            "count": 1,
            "stratum_column": "district",
        },
    )
    assert response.status_code == 200
    assert "reg.csv" in html(response) and "district" in html(response)
    too_many = client.post(
        url("staff_invitations", panel),
        {**announce_lotto("Lotto"), "register": upload(register_csv(5), "reg.csv"),
         "count": 9, "stratum_column": "district"},
    )  # fmt: skip
    assert too_many.status_code == 200 and 'role="alert"' in html(too_many)
    response = client.post(
        url("staff_volunteers_import", panel),
        {"file": upload("gender,leaning\nfemale,liberal\ndiverse,liberal\n", "pool.csv")},
    )
    assert response.status_code == 200
    assert "pool.csv" in html(response) and "line 3" in html(response)
    response = client.post(
        url("staff_volunteers_import", panel),
        {"file": upload("gender,leaning\nmännlich,liberal\n".encode("latin-1"), "alt.csv")},
    )
    assert response.status_code == 200 and "UTF-8" in html(response)
    assert not panel.volunteers.exists() and not panel.invitations.exists()
    empty = client.post(url("staff_quotas", panel), {})
    assert empty.status_code == 200 and 'role="alert"' in html(empty)


def test_a_register_column_named_like_a_letter_column_is_kept_under_another_name(staff, login):
    panel = make_panel(staff)
    register = "id,address,district,code\nr1,Weg 1,Mitte,11000\nr2,Weg 2,Pankow,11000\n"
    invite_with(staff, panel, upload(register), 2, "s")
    response = login(staff).get(url("staff_letters", panel))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    codes = {shown_code(i.code) for i in panel.invitations.all()}
    assert {row["code"] for row in rows} == codes
    assert {row["register_code"] for row in rows} == {"11000"}


def test_problems_name_the_quotas_that_cannot_hold(staff, login):
    panel = example_panel(staff)
    upload_quotas(
        staff,
        panel,
        upload(
            "feature,value,min,max\ngender,female,15,20\ngender,male,0,20\n"
            "leaning,liberal,0,20\nleaning,conservative,0,20\n"
        ),
    )
    female = panel.volunteers.filter(features__gender="female")
    for volunteer in female[5:]:
        set_withdrawn(staff, volunteer)
    page = html(login(staff).get(url("staff_quotas", panel)))
    assert "female" in page and "st-notice" in page
    runs = login(staff).get(url("staff_runs", panel))
    assert "st-notice" in html(runs)
    refused = login(staff).post(url("staff_runs", panel), {"algorithm": "leximin"})
    assert refused.status_code == 200 and not panel.runs.exists()


def test_the_volunteer_list_pages_filters_and_withdraws(
    staff, login, django_assert_max_num_queries
):
    panel = example_panel(staff)
    client = login(staff)
    client.get(url("staff_panels"))  # the session is loaded once
    with django_assert_max_num_queries(12):
        first = client.get(url("staff_volunteers", panel))
    page = html(first)
    assert "V0001" in page and "V0100" in page and "V0101" not in page
    second = html(client.get(url("staff_volunteers", panel) + "?page=2"))
    assert "V0101" in second and "V0200" in second
    volunteer = panel.volunteers.get(number=150)
    response = client.post(
        url("staff_volunteer_status", panel, 150), {"withdrawn": "1", "page": "2"}
    )
    assert response["Location"] == url("staff_volunteers", panel) + "?page=2"
    volunteer.refresh_from_db()
    assert volunteer.status == Status.WITHDRAWN
    only = html(client.get(url("staff_volunteers", panel) + "?status=withdrawn"))
    assert "V0150" in only and "V0001" not in only
    client.post(url("staff_volunteer_status", panel, 150), {"withdrawn": "0"})
    volunteer.refresh_from_db()
    assert volunteer.status == Status.POOL
    assert client.get(url("staff_volunteer_status", panel, 150)).status_code == 405


def test_a_paper_reply_with_a_code_uses_it(staff, login):
    panel = make_panel(staff)
    client = login(staff)
    client.post(url("staff_quotas", panel), {"file": example("categories.csv")})
    invite_with(staff, panel, upload(register_csv(10)), 2, "s")
    invitation = panel.invitations.first()
    reply = {
        "code": shown_code(invitation.code),
        "feature_0": "male",
        "feature_1": "liberal",
        "name": "Paul Post",
        "address": "Weg 3",
        "postcode": "12043",
    }
    assert client.post(url("staff_paper_reply", panel), reply).status_code == 302
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert panel.volunteers.get().invitation == invitation
    again = client.post(url("staff_paper_reply", panel), reply)
    assert again.status_code == 200 and 'role="alert"' in html(again)
    missing = client.post(url("staff_paper_reply", panel), {"code": "", "name": "Ohne"})
    assert missing.status_code == 200 and "feature_0" in html(missing)
    assert panel.volunteers.count() == 1


def test_a_waiting_run_page_refreshes_itself_and_a_failed_one_explains(staff, login):
    panel = example_panel(staff)
    waiting = SelectionRun.objects.create(panel=panel, requested_by=staff)
    page = html(login(staff).get(url("staff_run", panel, waiting.pk)))
    assert 'id="run-status" role="status"' in page and "data-refresh" in page
    assert "sortition/run.js" in page
    waiting.state, waiting.error = RunState.FAILED, "RuntimeError: solver stopped"
    waiting.save()
    page = html(login(staff).get(url("staff_run", panel, waiting.pk)))
    assert "data-refresh" not in page and "RuntimeError: solver stopped" in page
    other = make_panel(staff, slug="anderes")
    assert login(staff).get(url("staff_run", other, waiting.pk)).status_code == 404


def test_leximin_and_legacy_minimum_chances_side_by_side(staff, login):
    panel = example_panel(staff)
    leximin = run_now(panel)
    legacy = run_now(panel, Algorithm.LEGACY)
    page = html(login(staff).get(url("staff_run", panel, legacy.pk)))
    assert "compare-heading" in page
    assert page.count('class="bar-label"') >= 2 + 20  # comparison and 20 histogram bins
    assert legacy.estimated and leximin.min_probability == pytest.approx(0.1, abs=1e-6)


def test_settings_keep_the_published_draw_and_reserve_the_staff_name(staff, login):
    client = login(staff)
    refused = client.post(url("staff_panel_create"), {"title": "X", "slug": "staff", "size": 5,
                                                      "delete_after_days": 30})  # fmt: skip
    assert refused.status_code == 200 and not Panel.objects.filter(slug="staff").exists()
    panel = drawn_panel(staff)
    response = client.post(
        url("staff_panel", panel),
        {"title": "Neuer Titel", "slug": "anders", "size": 5, "delete_after_days": 30},
    )
    assert response.status_code == 302
    panel.refresh_from_db()
    assert (panel.title, panel.slug, panel.size, panel.household_rule) == (
        "Neuer Titel",
        "stadtgremium",
        20,
        True,
    )
    assert panel.public is False and panel.delete_after_days == 30


def test_the_short_name_is_fixed_once_letters_exist(staff, login):
    panel = make_panel(staff)
    invite_with(staff, panel, upload(register_csv(10)), 2, "s")
    settings = {"title": "T", "slug": "neu", "size": 20, "delete_after_days": 90}
    assert login(staff).post(url("staff_panel", panel), settings).status_code == 302
    panel.refresh_from_db()
    assert panel.slug == "stadtgremium" and panel.title == "T"


def test_a_run_made_stale_by_new_quotas_cannot_be_drawn(staff, login):
    panel = example_panel(staff)
    run = run_now(panel)
    upload_quotas(
        staff,
        panel,
        upload(
            "feature,value,min,max\ngender,female,10,10\ngender,male,10,10\n"
            "leaning,liberal,5,15\nleaning,conservative,5,15\n"
        ),
    )
    response = login(staff).post(url("staff_draw", panel), announce_lotto("Urne"))
    assert response.status_code == 200 and 'role="alert"' in html(response)
    assert "quotas or the panel settings changed" in html(response)
    run.refresh_from_db()
    assert run.drawn_at is None


def test_replacements_name_the_quotas_not_kept(staff, login):
    panel = drawn_panel(staff)
    run = panel.drawn_run()
    client = login(staff)
    pool_females = panel.volunteers.filter(status=Status.POOL, features__gender="female")
    for volunteer in pool_females:
        volunteer.status = Status.WITHDRAWN
        volunteer.save()
    females = [
        ref for ref in run.drawn_panel
        if panel.volunteers.get(number=int(ref[1:])).features["gender"] == "female"
    ]  # fmt: skip
    replacement = replace_with(staff, panel, females[:3])
    page = html(client.get(url("staff_replacements", panel) + f"?result={replacement.pk}"))
    assert replacement.unkept and "st-notice" in page
    assert "gender = female" in page
    nothing = client.post(url("staff_replacements", panel), {"announce": "", "kind": "event"})
    assert nothing.status_code == 200 and 'role="alert"' in html(nothing)


def test_data_deletion_needs_a_draw_and_shows_when_it_is_due(staff, login):
    panel = example_panel(staff)
    client = login(staff)
    page = html(client.get(url("staff_deletion", panel)))
    assert "<button" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    refused = client.post(url("staff_deletion", panel))
    assert refused.status_code == 200 and 'role="alert"' in html(refused)
    run = run_now(panel)
    draw_with(staff, run)
    due = deletion_due(panel)
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    page = html(client.get(url("staff_deletion", panel)))
    with translation.override("en"):  # the request left its own language active
        assert date_format(localtime(due), "j. F Y") in page


def test_the_panel_list_shows_each_panels_state(staff, login, django_assert_max_num_queries):
    drawn_panel(staff)
    other = make_panel(staff, slug="zweites", registration_open=True)
    client = login(staff)
    with django_assert_max_num_queries(8):
        page = html(client.get(url("staff_panels")))
    assert url("staff_panel", other) in page
    assert "200" in page


def test_dashboard_lists_the_steps(staff, login):
    panel = drawn_panel(staff)
    page = html(login(staff).get(url("staff_panel", panel)))
    for name in ("staff_quotas", "staff_invitations", "staff_volunteers", "staff_runs",
                 "staff_draw", "staff_replacements", "staff_deletion"):  # fmt: skip
        assert url(name, panel) in page
    assert page.count('class="st-done"') == 4  # quotas, volunteers, run, draw
