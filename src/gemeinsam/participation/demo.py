"""Demo content for participation: an open idea collection with ideas across districts."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from gemeinsam.core.models import Organisation, User
from gemeinsam.participation import services
from gemeinsam.participation.models import Category, Phase, PhaseType, Process

DEMO_SLUG = "ideen-fuer-die-digitale-stadt"

IDEAS = [
    (
        "Freies WLAN am Hardenbergplatz",
        "Öffentliches WLAN rund um den Bahnhof Zoo, "
        "damit Reisende und Wohnungslose Fahrpläne und Hilfsangebote finden.",
        "Öffentlicher Raum",
        (13.3329, 52.5065),
    ),
    (
        "Luftmesswerte an Schulen zeigen",
        "Displays mit Luftqualitätsdaten vor Grundschulen.",
        "Umwelt",
        (13.4531, 52.4995),
    ),
    (
        "Regenwasser-Sensoren für Straßenbäume",
        "Bodenfeuchte messen und Gießaufrufe senden.",
        "Umwelt",
        (13.4244, 52.4812),
    ),
    (
        "Kiezbox am Nachbarschaftshaus",
        "Notstrom und Infos im Krisenfall für den Kiez.",
        "Krisenvorsorge",
        (13.5006, 52.5164),
    ),
    (
        "Formulare in Leichter Sprache",
        "Alle Bürgeramt-Formulare auch in Leichter Sprache.",
        "Verwaltung",
        None,
    ),
]


@transaction.atomic
def load_demo_content() -> Process:
    now = timezone.now()
    staff = User.objects.filter(email="verwaltung@demo.gemeinsam.invalid").first()
    moderator = User.objects.filter(email="moderation@demo.gemeinsam.invalid").first()
    resident = User.objects.filter(email="teilnehmerin@demo.gemeinsam.invalid").first()
    process, created = Process.objects.update_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "Ideen für die digitale Stadt",
            "title_en": "Ideas for the digital city",
            "summary": "Was soll Berlin digital besser machen? Bringen Sie Ihre Idee ein.",
            "summary_en": "What should Berlin do better digitally? Bring in your idea.",
            "description": "Im **Ideenspeicher** sammeln wir Vorschläge aus allen Bezirken. "
            "Die Verwaltung antwortet auf jede Idee öffentlich.",
            "description_en": "The **idea store** collects proposals from all districts. "
            "The administration answers every idea in public.",
            "description_easy": "Hier können Sie Ideen aufschreiben.\n\n"
            "Die Ideen sind für Berlin.\n\nDie Verwaltung liest jede Idee.",
            "field_of_action": "Stadtgesellschaft",
            "organisation": Organisation.objects.filter(slug="demo-senatskanzlei").first(),
            "created_by": staff,
        },
    )
    if not created:
        return process
    Phase.objects.create(
        process=process,
        type=PhaseType.INFORMATION,
        position=0,
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=14),
    )
    Phase.objects.create(
        process=process,
        type=PhaseType.IDEA_COLLECTION,
        position=1,
        starts_at=now - timedelta(days=14),
        ends_at=now + timedelta(days=30),
    )
    Phase.objects.create(
        process=process,
        type=PhaseType.EVALUATION,
        position=2,
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=60),
    )
    if moderator:
        process.moderators.add(moderator)
    categories = {}
    for _title, _text, name, _point in IDEAS:
        categories[name], _ = Category.objects.get_or_create(process=process, name=name)
    if resident is None:
        return process
    for title, text, category, point in IDEAS:
        idea = services.submit_idea(
            resident,
            process,
            title=title,
            description=text,
            category=categories[category],
            point=services.Point(*point) if point else None,
        )
        services.rate_idea(resident, idea, 1)
    return process
