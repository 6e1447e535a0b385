"""The public pages of a citizens' panel: the transparency page and its files, and
volunteering with the code from the invitation letter (once per code, wrong codes limited)."""

import pytest

from gemeinsam.sortition.models import Algorithm, Source
from gemeinsam.sortition.selectors import shown_code
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.volunteers import Contact, add_paper_reply

from .seeds import draw_with, invite_with
from .test_views_staff import (
    drawn_panel,
    example,
    example_panel,
    html,
    make_panel,
    register_csv,
    upload,
    url,
)


def invited_panel(staff, slug: str = "stadtgremium", **fields):
    """A panel with the example's quotas, 10 invitations and the registration open."""
    panel = make_panel(staff, slug=slug, registration_open=True, **fields)
    upload_quotas(staff, panel, example("categories.csv"))
    invite_with(staff, panel, upload(register_csv(50)), 10, "Einladung")
    return panel


def registration(code: str, **changes) -> dict:
    data = {
        "code": code,
        "feature_0": "female",
        "feature_1": "conservative",
        "name": "Erika Mustermann",
        "email": "erika@example.org",
        "phone": "030 1234567",
        "address": "Musterstraße 1",
        "postcode": "10115",
        "consent": "on",
    }
    return data | changes


WRONG_CODE = "This invitation code is not valid or has been used already."


def test_the_registration_form_asks_one_question_per_feature_and_explains(staff, anonymous):
    panel = invited_panel(staff, delete_after_days=60)
    response = anonymous.get(url("register", panel))
    page = html(response)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert (
        '<label for="id_feature_0">gender' in page and '<label for="id_feature_1">leaning' in page
    )
    assert '<option value="female">female</option>' in page
    assert "because of the quotas" in page
    assert "60 days after the draw" in page
    assert "one person per household" in page
    assert 'name="consent"' in page and 'autocomplete="postal-code"' in page


def test_a_code_registers_once_in_any_spelling(staff, anonymous):
    panel = invited_panel(staff)
    code = shown_code(panel.invitations.first().code)  # ABCDE-FGHJK
    typed = " " + code.lower().replace("-", " ") + " "
    response = anonymous.post(url("register", panel), registration(typed))
    assert response.status_code == 302 and response["Location"] == url("register_done", panel)
    done = anonymous.get(response["Location"])
    assert done.status_code == 200 and "Thank you" in html(done)
    volunteer = panel.volunteers.get()
    assert volunteer.source == Source.ONLINE
    assert volunteer.features == {"gender": "female", "leaning": "conservative"}
    assert volunteer.invitation.used_at is not None and volunteer.household
    again = anonymous.post(url("register", panel), registration(code, name="Zweite Person"))
    assert again.status_code == 200 and WRONG_CODE in html(again)
    assert panel.volunteers.count() == 1


def test_a_wrong_code_or_one_of_another_panel_gets_the_same_clear_message(staff, anonymous):
    panel = invited_panel(staff)
    other = invited_panel(staff, slug="anderes-gremium")
    foreign = shown_code(other.invitations.first().code)
    for code in ("ABCDE-FGHJK", foreign):
        response = anonymous.post(url("register", panel), registration(code))
        page = html(response)
        assert response.status_code == 200
        assert 'role="alert"' in page and WRONG_CODE in page
        assert 'aria-invalid="true"' in page  # the code field is marked
    assert not panel.volunteers.exists() and not other.volunteers.exists()


def test_missing_consent_household_address_and_feature_are_named(staff, anonymous):
    panel = invited_panel(staff)
    code = panel.invitations.first().code
    data = registration(code, address="", feature_1="")
    del data["consent"]
    page = html(anonymous.post(url("register", panel), data))
    assert 'href="#id_consent"' in page and 'href="#id_address"' in page
    # The summary lists the fields in the order of the page.
    assert page.index('href="#id_feature_1"') < page.index('href="#id_address"')
    assert page.index('href="#id_address"') < page.index('href="#id_consent"')
    bogus = html(anonymous.post(url("register", panel), registration(code, feature_0="diverse")))
    assert 'href="#id_feature_0"' in bogus
    assert not panel.volunteers.exists()
    without_rule = invited_panel(staff, slug="ohne-haushalt", household_rule=False)
    code = without_rule.invitations.first().code
    response = anonymous.post(
        url("register", without_rule), registration(code, address="", postcode="")
    )
    assert response.status_code == 302


def test_wrong_codes_are_limited_per_connection(staff, anonymous):
    panel = invited_panel(staff)
    for n in range(10):
        response = anonymous.post(url("register", panel), registration(f"WRONG-{n:05d}"))
        assert response.status_code == 200
    right = panel.invitations.first().code
    limited = anonymous.post(url("register", panel), registration(right))
    assert limited.status_code == 429
    assert "Too many wrong invitation codes" in html(limited)
    assert not panel.volunteers.exists()


def test_right_codes_do_not_count_against_the_limit(staff, anonymous):
    panel = invited_panel(staff)
    codes = list(panel.invitations.values_list("code", flat=True))
    for code in codes:
        assert anonymous.post(url("register", panel), registration(code)).status_code == 302
    assert panel.volunteers.count() == 10


def test_registration_is_closed_unless_opened_and_after_the_draw(staff, anonymous):
    panel = invited_panel(staff, slug="geschlossen")
    panel.registration_open = False
    panel.save()
    code = panel.invitations.first().code
    response = anonymous.post(url("register", panel), registration(code))
    assert response.status_code == 200 and "not possible at the moment" in html(response)
    assert not panel.volunteers.exists()
    drawn = drawn_panel(staff)
    drawn.registration_open = True
    drawn.save()
    assert "not possible at the moment" in html(anonymous.get(url("register", drawn)))
    assert anonymous.get("/panels/no-such-panel/register/").status_code == 404


def test_the_transparency_page_before_any_run(staff, anonymous):
    panel = invited_panel(staff)
    response = anonymous.get(url("panel", panel))
    page = html(response)
    assert response.status_code == 200
    assert "LEXIMIN" in page and "HiGHS" in page and "stratified by district" in page
    assert "has not been computed yet" in page
    assert url("register", panel) in page
    assert "/runs/" not in page


def test_the_commitment_is_public_before_the_seed(staff, anonymous):
    panel = example_panel(staff)
    run = run_now(panel)
    page = html(anonymous.get(url("panel", panel)))
    assert run.commitment in page
    assert "10.00 %" in page or "10,00 %" in page
    assert "1 in 10" in page or "1 zu 10" in page
    assert '--seed "SEED"' in page
    assert url("run_file", panel, run.pk, "distribution.json") in page


def test_the_drawn_panel_page_shows_seed_make_up_and_no_personal_data(staff, anonymous):
    panel = example_panel(staff)
    add_paper_reply(
        staff,
        panel,
        "",
        {"gender": "male", "leaning": "liberal"},
        Contact(
            name="Hans Geheim", email="hans@example.org", address="Geheimweg 9", postcode="10999"
        ),
    )
    run = run_now(panel)
    draw_with(staff, run, "Urne 4711")
    run.refresh_from_db()
    page = html(anonymous.get(url("panel", panel)))
    assert "Urne 4711" in page and "a text read out at the public meeting" in page
    assert run.seed in page
    assert run.commitment in page and all(ref in page for ref in run.drawn_panel)
    assert "quota-caption" in page
    for secret in ("Hans Geheim", "hans@example.org", "Geheimweg", "10999"):
        assert secret not in page
    people = anonymous.get(url("run_file", panel, run.pk, "people.csv")).content.decode()
    assert "Hans" not in people and "Geheimweg" not in people


def test_a_panel_that_is_not_public_is_hidden_from_all_but_staff(staff, resident, login, anonymous):
    panel = example_panel(staff, public=False)
    run = run_now(panel)
    for client in (anonymous, login(resident)):
        assert client.get(url("panel", panel)).status_code == 404
        assert client.get(url("run_file", panel, run.pk, "people.csv")).status_code == 404
    page = html(login(staff).get(url("panel", panel)))
    assert "only staff see it" in page


def test_only_finished_leximin_runs_have_files(staff, anonymous):
    panel = example_panel(staff)
    legacy = run_now(panel, Algorithm.LEGACY)
    assert anonymous.get(url("run_file", panel, legacy.pk, "people.csv")).status_code == 404
    run = run_now(panel)
    assert anonymous.get(url("run_file", panel, run.pk, "secret.csv")).status_code == 404
    other = make_panel(staff, slug="anderes")
    assert anonymous.get(url("run_file", other, run.pk, "people.csv")).status_code == 404
    response = anonymous.get(url("run_file", panel, run.pk, "features.csv"))
    assert response.status_code == 200
    assert response.content == run.features_csv.encode("utf-8")  # byte for byte, no BOM
    assert response["Content-Disposition"] == 'attachment; filename="features.csv"'


@pytest.mark.parametrize("slug", ["staff"])
def test_the_staff_list_is_not_a_panel(slug, anonymous):
    assert anonymous.get(f"/panels/{slug}/").status_code == 302  # to the login
