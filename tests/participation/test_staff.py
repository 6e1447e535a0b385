"""The staff area: creating and editing processes with phases, categories and moderators."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from gemeinsam.core.predicates import can
from gemeinsam.participation.models import (
    Category,
    Idea,
    PhaseType,
    Process,
    Visibility,
)
from gemeinsam.participation.services import contributions, processes

from ..conftest import DistrictFactory, UserFactory
from .conftest import make_process

pytestmark = pytest.mark.django_db

CREATE = reverse("participation_staff:process_create")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def process_data(**changes) -> dict:
    data = {
        "title": "Smarte Kieze",
        "title_en": "Smart neighbourhoods",
        "slug": "smarte-kieze",
        "summary": "Was braucht Ihr Kiez?",
        "summary_en": "What does your neighbourhood need?",
        "description": "## Worum es geht\n\nIdeen **sammeln**.",
        "description_en": "",
        "description_easy": "Wir sammeln Ideen.",
        "image_alt": "",
        "organisation": "",
        "field_of_action": "Smarte Stadtentwicklung",
        "visibility": Visibility.PUBLIC,
        "member_emails": "",
        **management("phases", 2),
        "phases-0-type": PhaseType.IDEA_COLLECTION,
        "phases-0-title": "Ideen sammeln",
        "phases-0-description": "",
        "phases-0-starts_at": "2026-03-01T09:00",
        "phases-0-ends_at": "2026-03-31T18:00",
        "phases-1-type": PhaseType.EVALUATION,
        "phases-1-title": "",
        "phases-1-description": "",
        "phases-1-starts_at": "2026-03-31T18:00",
        "phases-1-ends_at": "2026-05-01T00:00",
        **management("categories", 2),
        "categories-0-name": "Verkehr",
        "categories-0-name_en": "Transport",
        "categories-1-name": "",
        "categories-1-name_en": "",
    }
    data.update(changes)
    return data


def test_staff_creates_a_process_with_phases_in_berlin_time(staff, login):
    district = DistrictFactory()
    response = login(staff).post(CREATE, process_data(districts=[district.pk]))
    assert response.status_code == 302
    process = Process.objects.get(slug="smarte-kieze")
    assert response.url == reverse("participation_staff:process_edit", args=[process.slug])
    phases = process.ordered_phases()
    assert [p.type for p in phases] == [PhaseType.IDEA_COLLECTION, PhaseType.EVALUATION]
    # 09:00 in Berlin in March (CET, UTC+1) is 08:00 UTC.
    assert phases[0].starts_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert phases[0].title == "Ideen sammeln"
    assert [c.name for c in process.categories.all()] == ["Verkehr"]
    assert list(process.districts.all()) == [district]
    assert process.created_by == staff


def test_typed_dates_work_without_a_date_picker(staff, login):
    data = process_data(
        **{"phases-0-starts_at": "01.07.2026 09:00", "phases-0-ends_at": "2026-07-31 18:00"}
    )
    data.update(management("phases", 1))
    response = login(staff).post(CREATE, data)
    assert response.status_code == 302
    phase = Process.objects.get().ordered_phases()[0]
    # Summer time: Berlin is UTC+2.
    assert phase.starts_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert phase.ends_at == datetime(2026, 7, 31, 16, 0, tzinfo=UTC)


def test_a_phase_ending_before_it_starts_is_refused_with_a_message(staff, login):
    data = process_data(**{"phases-0-ends_at": "2026-02-01T09:00"})
    response = english(login(staff)).post(CREATE, data)
    assert response.status_code == 200
    with translation.override("en"):  # the lazy message renders in the language of now
        assert response.context["phases"].forms[0].errors["ends_at"] == [
            "The end must be after the start."
        ]
    assert "The end must be after the start." in response.content.decode()
    assert not Process.objects.exists()


def test_overlapping_phases_are_refused_with_a_message(staff, login):
    data = process_data(**{"phases-1-starts_at": "2026-03-15T09:00"})
    response = english(login(staff)).post(CREATE, data)
    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["phases"].non_form_errors() == [
            "Phases 1 and 2 overlap: phase 2 starts before phase 1 ends.",
        ]
    assert "Phases 1 and 2 overlap" in response.content.decode()
    assert not Process.objects.exists()


def test_a_long_phase_overlapping_a_later_one_is_found():
    start = timezone.now()
    phases = [
        processes.PhaseSpec(PhaseType.INFORMATION, start, start + timedelta(days=30)),
        processes.PhaseSpec(PhaseType.IDEA_COLLECTION, start + timedelta(days=1), start),
        processes.PhaseSpec(
            PhaseType.COMMENTING, start + timedelta(days=5), start + timedelta(days=6)
        ),
    ]
    problems = processes.phase_problems(phases)
    assert len(problems) == 3  # phase 2 backwards, phases 2 and 3 inside phase 1


def test_an_image_needs_a_description(staff, login):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    image = SimpleUploadedFile("kiez.png", buffer.getvalue(), content_type="image/png")
    response = english(login(staff)).post(CREATE, {**process_data(), "image": image})
    assert response.status_code == 200
    assert "image_alt" in response.context["form"].errors
    assert not Process.objects.exists()


def test_an_image_with_its_description_is_stored(staff, login, settings, tmp_path):
    from io import BytesIO

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    image = SimpleUploadedFile("kiez.png", buffer.getvalue(), content_type="image/png")
    data = {**process_data(image_alt="Ein grüner Platz"), "image": image}
    assert login(staff).post(CREATE, data).status_code == 302
    process = Process.objects.get()
    assert process.image.name.startswith("processes/kiez")
    assert process.image_alt == "Ein grüner Platz"


def test_invited_people_are_given_by_email_and_unknown_addresses_are_named(staff, login):
    invited = UserFactory(email="Gast@Example.org")
    client = english(login(staff))
    response = client.post(
        CREATE,
        process_data(
            visibility=Visibility.PRIVATE, member_emails="gast@example.org\nniemand@example.org"
        ),
    )
    assert response.status_code == 200
    assert "niemand@example.org" in response.context["form"].errors["member_emails"][0]
    response = client.post(
        CREATE, process_data(visibility=Visibility.PRIVATE, member_emails="gast@example.org")
    )
    assert response.status_code == 302
    assert list(Process.objects.get().members.all()) == [invited]


def test_staff_edits_a_process_and_renamed_categories_keep_their_ideas(staff, login, resident):
    process = make_process()
    traffic = Category.objects.create(process=process, name="Verkehr")
    Category.objects.create(process=process, name="Grün")
    idea = Idea.objects.create(
        process=process, author=resident, title="T", description="D", category=traffic
    )
    client = login(staff)
    url = reverse("participation_staff:process_edit", args=[process.slug])
    form = client.get(url).context
    assert form["phases"].initial_form_count() == 1
    phase = process.ordered_phases()[0]
    local = timezone.localtime(phase.starts_at).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in client.get(url).content.decode()

    data = process_data(title="Neuer Titel", slug=process.slug)
    data.update(management("phases", 1, initial=1))
    data.update(management("categories", 2, initial=2))
    data.update(
        {
            "categories-0-pk": str(traffic.pk),
            "categories-0-name": "Mobilität",
            "categories-0-name_en": "Mobility",
            "categories-1-pk": str(process.categories.get(name="Grün").pk),
            "categories-1-name": "Grün",
            "categories-1-DELETE": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    process.refresh_from_db()
    idea.refresh_from_db()
    assert process.title == "Neuer Titel"
    assert idea.category.name == "Mobilität"
    assert list(process.categories.values_list("name", flat=True)) == ["Mobilität"]
    assert len(process.ordered_phases()) == 1


def test_two_categories_may_swap_names(staff):
    process = make_process()
    a = Category.objects.create(process=process, name="A")
    b = Category.objects.create(process=process, name="B")
    processes.set_categories(
        staff,
        process,
        [processes.CategorySpec("B", pk=a.pk), processes.CategorySpec("A", pk=b.pk)],
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.name, b.name) == ("B", "A")


def test_services_refuse_people_who_are_not_staff(moderator, resident):
    process = make_process()
    process.moderators.add(moderator)
    for person in (moderator, resident):
        with pytest.raises(PermissionDenied):
            processes.create_process(person, fields={"title": "X", "slug": "x", "summary": "S"})
        with pytest.raises(PermissionDenied):
            processes.set_phases(person, process, [])
        with pytest.raises(PermissionDenied):
            processes.add_moderator(person, process, resident)


def test_set_phases_refuses_overlaps(staff):
    process = make_process()
    now = timezone.now()
    with pytest.raises(ValidationError):
        processes.set_phases(
            staff,
            process,
            [
                processes.PhaseSpec(PhaseType.INFORMATION, now, now + timedelta(days=2)),
                processes.PhaseSpec(PhaseType.RESULT, now + timedelta(days=1), now + timedelta(3)),
            ],
        )
    assert process.phases.count() == 1


@pytest.mark.parametrize("persona", ["resident", "moderator"])
def test_residents_and_moderators_get_403_in_the_staff_area(persona, request, login):
    person = request.getfixturevalue(persona)
    process = make_process()
    process.moderators.add(person)
    client = login(person)
    urls = [
        reverse("participation_staff:processes"),
        CREATE,
        reverse("participation_staff:process_edit", args=[process.slug]),
        reverse("participation_staff:audit_log"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(CREATE, process_data()).status_code == 403
    add = reverse("participation_staff:moderator_add", args=[process.slug])
    assert client.post(add, {"email": person.email}).status_code == 403
    assert Process.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(anonymous):
    response = anonymous.get(reverse("participation_staff:processes"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_list_shows_private_processes_with_counts(staff, login, resident):
    public = make_process(slug="offen")
    private = make_process(slug="intern", visibility=Visibility.PRIVATE)
    idea = contributions.submit_idea(resident, public, title="T", description="D")
    contributions.add_comment(resident, idea, "Hallo")
    contributions.report(resident, idea, "Werbung")
    response = login(staff).get(reverse("participation_staff:processes"))
    assert response.status_code == 200
    rows = {p.slug: p for p in response.context["processes"]}
    assert set(rows) == {public.slug, private.slug}
    assert (rows["offen"].idea_count, rows["offen"].comment_total) == (1, 1)
    assert rows["offen"].report_count == 1
    assert rows["intern"].report_count == 0


def test_staff_list_query_count_does_not_grow_with_processes(staff, login):
    client = login(staff)
    url = reverse("participation_staff:processes")
    make_process(slug="eins")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        make_process(slug=f"p{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_moderators_are_added_by_email_and_removed(staff, login, resident):
    process = make_process()
    client = login(staff)
    add = reverse("participation_staff:moderator_add", args=[process.slug])
    assert client.post(add, {"email": "ALICE@example.org"}).status_code == 302
    assert list(process.moderators.all()) == [resident]
    assert can(resident, "participation.moderate_process", process)

    response = client.post(add, {"email": "niemand@example.org"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    assert process.moderators.count() == 1

    remove = reverse("participation_staff:moderator_remove", args=[process.slug, resident.pk])
    assert client.post(remove).status_code == 302
    assert not process.moderators.exists()


def test_staff_area_link_appears_in_the_navigation_for_staff_only(staff, resident, login):
    url = reverse("participation_staff:processes")
    assert f'href="{url}"' in login(staff).get("/").content.decode()
    assert f'href="{url}"' not in login(resident).get("/").content.decode()


def test_admin_pages_of_participation_open(admin_user, login, resident):
    process = make_process()
    idea = contributions.submit_idea(resident, process, title="T", description="D")
    contributions.report(resident, idea, "Werbung")
    client = login(admin_user)
    for model in ("process", "idea", "comment", "rating", "report", "block", "moderationevent"):
        assert client.get(f"/admin/participation/{model}/").status_code == 200, model
    assert client.get(f"/admin/participation/process/{process.pk}/change/").status_code == 200
    assert client.get("/admin/participation/moderationevent/add/").status_code == 403
