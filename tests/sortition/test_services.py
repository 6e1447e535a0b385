"""The sortition app's actions on a real database: quotas, invitations, volunteers, runs, the
draw (the same panel as the standalone command on the published files), replacements, and
the deletion of personal data."""

import csv
import io
import json
import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from gemeinsam.lib import codes
from gemeinsam.sortition.algorithms import cli
from gemeinsam.sortition.algorithms.invitations import draw_invitations as lottery_draw
from gemeinsam.sortition.algorithms.io import read_instance
from gemeinsam.sortition.algorithms.seed import derive_seed
from gemeinsam.sortition.exports import letters_csv
from gemeinsam.sortition.models import (
    Algorithm,
    Panel,
    RunState,
    SelectionRun,
    Status,
    Volunteer,
)
from gemeinsam.sortition.selectors import (
    composition,
    instance_for,
    panel_members,
    pool,
    problems,
    shown_code,
    transparency,
)
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.invitations import read_register
from gemeinsam.sortition.services.privacy import delete_personal_data
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.replacements import announce_replacement
from gemeinsam.sortition.services.runs import request_run, run_now
from gemeinsam.sortition.services.seeds import draw_context
from gemeinsam.sortition.services.volunteers import (
    Contact,
    add_paper_reply,
    import_volunteers,
    register_volunteer,
    set_withdrawn,
)

from ..conftest import run_concurrently, shared_data
from .seeds import any_text, draw_with, invite_with, let_time_pass, replace_with

FIXTURE = "sa_fixture_150_22"


def upload(path_or_text, name: str = "file.csv") -> SimpleUploadedFile:
    if hasattr(path_or_text, "read_bytes"):
        return SimpleUploadedFile(path_or_text.name, path_or_text.read_bytes())
    return SimpleUploadedFile(name, path_or_text.encode("utf-8"))


def make_panel(staff, size: int = 22, slug: str = "stadtgremium") -> Panel:
    return Panel.objects.create(slug=slug, title="Stadtgremium", size=size, created_by=staff)


def fixture_panel(staff) -> Panel:
    """The Sortition Foundation's fixture: 150 volunteers with addresses, 4 features, k=22."""
    folder = shared_data() / "sortition" / FIXTURE
    panel = make_panel(staff)
    upload_quotas(staff, panel, upload(folder / "features.csv"))
    import_volunteers(staff, panel, upload(folder / "candidates.csv"))
    return panel


def register_csv(rows: int, districts: list[str], seed: int = 3) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "address", "district", "postcode"])
    for i in range(rows):
        writer.writerow([f"a{i}", f"Straße {i}", rng.choice(districts), f"1{i % 100:04d}"])
    return out.getvalue()


# Quotas and volunteers --------------------------------------------------------------------


def test_quota_upload_reports_file_line_and_column(staff):
    panel = make_panel(staff)
    bad = "feature,value,min,max\ngender,female,3,5\ngender,male,x,5\n"
    with pytest.raises(ValidationError) as caught:
        upload_quotas(staff, panel, upload(bad, "quoten.csv"))
    assert "quoten.csv, line 3, column 'min'" in caught.value.messages[0]
    assert not panel.quotas.exists()


def test_only_staff_manage_panels(staff, resident):
    panel = make_panel(staff)
    with pytest.raises(PermissionDenied):
        upload_quotas(resident, panel, upload("feature,value,min,max\na,b,0,1\n"))


def test_imported_pool_keeps_features_contacts_and_one_household_key(staff):
    panel = fixture_panel(staff)
    folder = shared_data() / "sortition" / FIXTURE
    with (folder / "candidates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    volunteers = list(panel.volunteers.all())
    assert len(volunteers) == len(rows)
    first = volunteers[0]
    assert first.external_id == rows[0]["nationbuilder_id"]
    assert first.name == f"{rows[0]['first_name']} {rows[0]['last_name']}"
    assert first.features["Gender"] == rows[0]["Gender"]
    # Rows with the same address and postcode share one household hash, others do not.
    by_address: dict[tuple, set[str]] = {}
    for row, volunteer in zip(rows, volunteers, strict=True):
        key = (row["primary_address1"].strip().casefold(), row["primary_zip"].strip().casefold())
        by_address.setdefault(key, set()).add(volunteer.household)
    assert all(len(hashes) == 1 for hashes in by_address.values())
    assert len({next(iter(h)) for h in by_address.values()}) == len(by_address)


def test_import_names_unknown_values_and_refuses_duplicates(staff):
    panel = fixture_panel(staff)
    before = panel.volunteers.count()
    header = "nationbuilder_id,Gender,age_bracket,geo_bucket,edu_level\n"
    bad = header + "x1,Female,30-44,Lothian,Level 1\nx2,Robot,30-44,Lothian,Level 1\n"
    with pytest.raises(ValidationError) as caught:
        import_volunteers(staff, panel, upload(bad, "pool.csv"))
    assert "pool.csv, line 3, column 'Gender': unknown value 'Robot'" in caught.value.messages[0]
    again = header + "p0,Female,30-44,Lothian,Level 1\n"
    with pytest.raises(ValidationError, match="p0"):
        import_volunteers(staff, panel, upload(again))
    assert panel.volunteers.count() == before


def test_problems_name_conflicting_quotas(staff):
    """Each quota alone can be met, but the young volunteers all live in the north."""
    panel = make_panel(staff, size=2)
    quotas = "feature,value,min,max\nAlter,jung,2,2\nAlter,alt,0,2\nOrt,Nord,0,0\nOrt,Süd,0,2\n"
    upload_quotas(staff, panel, upload(quotas))
    for age, area in [("jung", "Nord"), ("jung", "Nord"), ("alt", "Süd"), ("alt", "Süd")]:
        add_paper_reply(staff, panel, "", {"Alter": age, "Ort": area}, Contact())
    found = problems(panel)
    assert len(found) == 1 and "Alter = jung" in found[0] and "Ort = Nord" in found[0]
    assert "Ort = Süd" not in found[0]
    with pytest.raises(ValidationError):
        request_run(staff, panel)


# Stage 1: invitations and registration ----------------------------------------------------


def test_invitations_are_stratified_reproducible_and_new_in_a_second_round(staff):
    districts = ["Mitte", "Pankow", "Spandau", "Neukölln"]
    text = register_csv(400, districts)
    one, two = make_panel(staff, slug="one"), make_panel(staff, slug="two")
    first = invite_with(staff, one, upload(text), 40, "Urne 1")
    other = invite_with(staff, two, upload(text), 40, "Urne 1")
    one.refresh_from_db()
    addresses = read_register(text.encode(), "district")
    again_drawn = lottery_draw(addresses, 40, one.invitation_seed)
    assert [i.register_id for i in first] == [a.id for a in again_drawn]
    # The same value gives another panel another seed: it is bound to the panel.
    assert [i.register_id for i in first] != [i.register_id for i in other]
    sizes = {d: text.count(f",{d},") for d in districts}
    for district in districts:
        invited = sum(1 for i in first if i.stratum == district)
        assert abs(invited - 40 * sizes[district] / 400) < 1
    again = invite_with(staff, one, upload(text), 40, "Urne 2")
    assert not {i.register_id for i in first} & {i.register_id for i in again}
    assert len({i.code for i in one.invitations.all()}) == 80
    letters = list(csv.reader(io.StringIO(letters_csv(one))))
    assert letters[0][-1] == "code" and len(letters) == 81
    assert codes.normalise(letters[1][-1]) == first[0].code
    one.refresh_from_db()
    assert one.register_size == 400 and one.register_strata == dict(sorted(sizes.items()))


def test_invitation_register_errors_name_the_line(staff):
    panel = make_panel(staff)
    bad = "id,address,district\na1,Weg 1,Mitte\na1,Weg 2,Pankow\n"
    with pytest.raises(ValidationError, match="line 3"):
        invite_with(staff, panel, upload(bad), 1, "seed")
    ok = "id,address,district\na1,Weg 1,Mitte\n"
    with pytest.raises(ValidationError):
        invite_with(staff, panel, upload(ok), 5, "seed")
    # The id column chosen as the stratum: the form's answer, not a server error.
    with pytest.raises(ValidationError, match="three different columns"):
        invite_with(staff, panel, upload(ok), 1, "seed", stratum_column="id")
    assert not panel.invitations.exists()


def quota_panel(staff) -> Panel:
    panel = make_panel(staff, size=2)
    upload_quotas(staff, panel, upload("feature,value,min,max\nAlter,jung,0,2\nAlter,alt,0,2\n"))
    return panel


def test_a_code_registers_one_volunteer_once(staff):
    panel = quota_panel(staff)
    register = "id,address,district\n" + "".join(f"a{i},Weg {i},Mitte\n" for i in range(5))
    invitation = invite_with(staff, panel, upload(register), 3, "s")[0]
    panel.registration_open = True
    panel.save()
    typed = shown_code(invitation.code).lower()
    volunteer = register_volunteer(
        panel, typed, {"Alter": "JUNG"}, Contact(name="Ada", address="Weg 0", postcode="10115")
    )
    assert volunteer.features == {"Alter": "jung"} and volunteer.invitation == invitation
    with pytest.raises(ValidationError, match="not valid"):
        register_volunteer(panel, invitation.code, {"Alter": "alt"}, Contact())
    with pytest.raises(ValidationError, match="Alter"):
        register_volunteer(panel, panel.invitations.last().code, {"Alter": "mittel"}, Contact())
    assert panel.volunteers.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_with_one_code_make_one_volunteer(staff):
    panel = quota_panel(staff)
    register = "id,address,district\n" + "".join(f"a{i},Weg {i},Mitte\n" for i in range(5))
    invitation = invite_with(staff, panel, upload(register), 1, "s")[0]
    Panel.objects.filter(pk=panel.pk).update(registration_open=True)
    calls = [
        lambda: register_volunteer(panel, invitation.code, {"Alter": "alt"}, Contact())
        for _ in range(4)
    ]
    errors = run_concurrently(calls)
    assert Volunteer.objects.filter(panel=panel).count() == 1
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors)


def test_paper_replies_and_withdrawals(staff):
    panel = quota_panel(staff)
    a = add_paper_reply(staff, panel, "", {"Alter": "alt"}, Contact(name="Bea"))
    b = add_paper_reply(staff, panel, "", {"Alter": "jung"}, Contact(name="Cem"))
    assert (a.number, b.number) == (1, 2) and a.ref == "V0001"
    set_withdrawn(staff, a)
    assert [v.ref for v in pool(panel)] == ["V0002"]


# Stage 2: run, commitment, draw -----------------------------------------------------------


def published_files(tmp_path, run: SelectionRun) -> list[str]:
    for name, text in (
        ("features.csv", run.features_csv),
        ("people.csv", run.people_csv),
        ("distribution.json", run.distribution),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [
        "verify", "--features", str(tmp_path / "features.csv"),
        "--people", str(tmp_path / "people.csv"), "--size", str(run.panel.size),
        "--id-column", "id", "--household-columns", "household",
        "--distribution", str(tmp_path / "distribution.json"),
        "--commitment", run.commitment, "--seed", run.seed,
    ]  # fmt: skip


def test_a_run_draws_what_verify_repeats_from_the_published_files(staff, tmp_path):
    panel = fixture_panel(staff)
    run = run_now(panel)
    assert run.state == RunState.DONE, run.error
    assert len(run.commitment) == 64 and run.panels_in_support > 0
    assert sum(run.probabilities.values()) == pytest.approx(panel.size, abs=1e-6)
    draw_with(staff, run, "17 4 23 8 42")
    run.refresh_from_db()
    instance = instance_for(panel)
    assert instance.panel_problems(run.drawn_panel) == []
    seated = {v.ref for v in panel.volunteers.filter(status=Status.SELECTED)}
    assert seated == set(run.drawn_panel)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(published_files(tmp_path, run), stdout=out, stderr=err) == 0, err.getvalue()
    verified = json.loads(out.getvalue())
    assert verified["valid"] and verified["panel"] == run.drawn_panel
    assert verified["commitment"] == run.commitment


def test_the_draw_matches_the_standalone_command_on_the_original_files(staff, tmp_path):
    """The same seed gives the same panel through the database (SQLite or PostgreSQL) as
    through `gemeinsam sortition select` on the practitioners' files."""
    folder = shared_data() / "sortition" / FIXTURE
    panel = fixture_panel(staff)
    run = run_now(panel)
    draw_with(staff, run, "Lottozahlen 2026-11-21")
    run.refresh_from_db()
    assert run.seed == derive_seed(draw_context(run), ["Lottozahlen 2026-11-21"])
    # The original file with the platform's public ids (V0001, ... in file order).
    with (folder / "candidates.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for number, row in enumerate(rows[1:], start=1):
        row[0] = f"V{number:04d}"
    people = tmp_path / "candidates.csv"
    with people.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = io.StringIO()
    argv = [
        "select", "--features", str(folder / "features.csv"), "--people", str(people),
        "--size", "22", "--household-columns", "primary_address1", "primary_zip",
        "--seed", run.seed,
    ]  # fmt: skip
    assert cli.main(argv, stdout=out, stderr=io.StringIO()) == 0
    standalone = json.loads(out.getvalue())
    assert sorted(standalone["panel"]) == run.drawn_panel
    assert standalone["min_probability"] == pytest.approx(run.min_probability, abs=1e-9)


def test_the_draw_needs_a_seed_and_the_pool_of_the_run(staff):
    panel = fixture_panel(staff)
    run = run_now(panel)
    let_time_pass(announce_draw(staff, run, any_text()))
    with pytest.raises(ValidationError, match="Enter the value"):
        draw(staff, run, ["  "])
    set_withdrawn(staff, panel.volunteers.first())
    with pytest.raises(ValidationError, match="pool changed"):
        draw(staff, run, ["seed"])
    with pytest.raises(ValidationError, match="pool changed"):
        announce_draw(staff, run, any_text())
    legacy = run_now(panel, Algorithm.LEGACY)
    assert legacy.estimated and legacy.state == RunState.DONE
    with pytest.raises(ValidationError, match="LEXIMIN"):
        draw(staff, legacy, ["seed"])
    with pytest.raises(ValidationError, match="LEXIMIN"):
        announce_draw(staff, legacy, any_text())


def test_a_requested_run_is_computed_by_the_task_and_joined_while_pending(
    staff, django_capture_on_commit_callbacks
):
    panel = fixture_panel(staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = request_run(staff, panel)
        again = request_run(staff, panel)
    assert again.pk == first.pk and first.state == RunState.QUEUED
    for callback in callbacks:
        callback()
    first.refresh_from_db()
    assert first.state == RunState.DONE and first.min_probability > 0


# Replacements and data protection ---------------------------------------------------------


def drawn_fixture(staff) -> tuple[Panel, SelectionRun]:
    panel = fixture_panel(staff)
    run = run_now(panel)
    draw_with(staff, run, "seed")
    run.refresh_from_db()
    return panel, run


def test_replacements_keep_the_quotas_and_are_recorded(staff):
    panel, run = drawn_fixture(staff)
    dropped = run.drawn_panel[:2]
    replacement = replace_with(staff, panel, [r.lower() for r in dropped], "Ersatz")
    assert len(replacement.added) == 2 and replacement.unkept == []
    seated = [v.ref for v in panel_members(panel)]
    assert len(seated) == panel.size and not set(dropped) & set(seated)
    assert instance_for(panel, list(panel.volunteers.all())).panel_problems(seated) == []
    assert all(row["kept"] for row in composition(panel))
    with pytest.raises(ValidationError, match="Not on the panel"):
        announce_replacement(staff, panel, dropped, any_text())


def test_personal_data_of_people_not_selected_is_deleted_and_the_report_stays(staff):
    panel, run = drawn_fixture(staff)
    before = composition(panel)
    count = delete_personal_data(panel, staff)
    assert count == panel.volunteers.count() - panel.size
    for volunteer in panel.volunteers.all():
        seated = volunteer.status in (Status.SELECTED, Status.REPLACEMENT)
        assert bool(volunteer.name) == seated and bool(volunteer.email) == seated
        assert volunteer.features  # kept for the report
    assert composition(panel) == before
    with pytest.raises(ValidationError):
        announce_replacement(staff, panel, run.drawn_panel[:1], any_text())


def test_the_daily_purge_deletes_only_after_the_period(staff):
    panel, run = drawn_fixture(staff)
    call_command("sortition", "purge", stdout=io.StringIO())
    panel.refresh_from_db()
    assert panel.personal_data_deleted_at is None
    SelectionRun.objects.filter(pk=run.pk).update(
        drawn_at=timezone.now() - timedelta(days=panel.delete_after_days, minutes=1)
    )
    out = io.StringIO()
    call_command("sortition", "purge", stdout=out)
    panel.refresh_from_db()
    assert panel.personal_data_deleted_at is not None and panel.slug in out.getvalue()
    assert not panel.volunteers.exclude(status=Status.SELECTED).exclude(name="").exists()


def test_the_transparency_record_has_no_personal_data(staff):
    panel, run = drawn_fixture(staff)
    record = transparency(panel)
    text = json.dumps(record, default=str)
    for volunteer in panel.volunteers.all()[:30]:
        assert volunteer.name not in text and volunteer.email not in text
    assert record["run"]["seed"] == run.seed and record["run"]["commitment"] == run.commitment
    assert sum(row["panel"] for row in record["quotas"] if row["feature"] == "Gender") == 22


def test_the_pure_instance_equals_the_files(staff):
    """The database pool is the file's pool: same features per person, same households."""
    folder = shared_data() / "sortition" / FIXTURE
    panel = fixture_panel(staff)
    original = read_instance(
        folder / "features.csv", folder / "candidates.csv", 22,
        household_columns=["primary_address1", "primary_zip"],
    )  # fmt: skip
    instance = instance_for(panel)
    ref = {v.external_id: v.ref for v in panel.volunteers.all()}
    assert {ref[p]: original.values[p] for p in original.people} == instance.values
    groups = {}
    for person, key in original.households.items():
        groups.setdefault(key, set()).add(ref[person])
    mine = {}
    for person, key in instance.households.items():
        mine.setdefault(key, set()).add(person)
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, mine.values()))


# API ----------------------------------------------------------------------------------------


def test_api_transparency_and_runs(staff, resident, login, anonymous):
    panel = fixture_panel(staff)
    record = anonymous.get(f"/api/sortition/panels/{panel.slug}").json()
    assert record["volunteers"] == 150 and record["run"] is None
    assert anonymous.post(
        f"/api/sortition/panels/{panel.slug}/runs", "{}", content_type="application/json"
    ).status_code in (
        401,
        403,
    )
    as_resident = login(resident).post(
        f"/api/sortition/panels/{panel.slug}/runs", "{}", content_type="application/json"
    )
    assert as_resident.status_code == 403
    client = login(staff)
    bad = client.post(
        f"/api/sortition/panels/{panel.slug}/runs",
        json.dumps({"algorithm": "magic"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "algorithm" in bad.json()["detail"][0]["msg"].lower()
    started = client.post(
        f"/api/sortition/panels/{panel.slug}/runs", "{}", content_type="application/json"
    )
    assert started.status_code == 202 and started.json()["state"] in ("queued", "done")
    Panel.objects.filter(pk=panel.pk).update(public=False)
    assert anonymous.get(f"/api/sortition/panels/{panel.slug}").status_code == 404
    assert client.get(f"/api/sortition/panels/{panel.slug}").status_code == 200
