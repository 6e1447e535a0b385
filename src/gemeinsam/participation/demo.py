"""Demo content for participation: an open idea collection with ideas across districts,
and a second process whose ideas are being commented on, so every phase shows.

Idempotent: each process is filled once, when it is created; a second run changes nothing.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from gemeinsam.core.demo import demo_users
from gemeinsam.core.geo import district_at
from gemeinsam.core.models import Organisation, User
from gemeinsam.core.roles import Role
from gemeinsam.participation.models import (
    Category,
    Idea,
    IdeaStatus,
    Phase,
    PhaseType,
    Process,
)
from gemeinsam.participation.services import contributions, moderation

DEMO_SLUG = "ideen-fuer-die-digitale-stadt"
COMMENTING_SLUG = "smart-water-zwischenergebnisse"

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

# (idea title, who writes: "resident"/"moderator"/"staff", text); a reply follows its thread.
COMMENTS = [
    (
        "Freies WLAN am Hardenbergplatz",
        "staff",
        "Am Bahnhof Zoo gibt es schon einen Hotspot; wir prüfen, ob er bis zum Platz reicht.",
    ),
    ("Freies WLAN am Hardenbergplatz", "resident", "Danke! Auf dem Platz selbst ist kein Netz."),
    (
        "Luftmesswerte an Schulen zeigen",
        "moderator",
        "Welche Werte wären für Eltern am wichtigsten: Feinstaub oder Stickstoffdioxid?",
    ),
    ("Kiezbox am Nachbarschaftshaus", "staff", "Die Kiezbox 2.0 wird gerade erprobt."),
]

# Interim results of the Smart Water pilot, put up for comments after the idea collection.
INTERIM_RESULTS = [
    (
        "Gießkarte für Straßenbäume",
        "Eine Karte zeigt, welche Bäume in der Nähe gerade Wasser brauchen.",
        (13.4244, 52.4812),
    ),
    (
        "Regenwasser von Dächern sammeln",
        "Zisternen an Schulen und Kitas speichern Regen für trockene Wochen.",
        (13.2870, 52.5170),
    ),
    (
        "Pegel der Kleingewässer offen veröffentlichen",
        "Messwerte der Pfuhle und Teiche als offene Daten, täglich aktualisiert.",
        (13.5870, 52.4400),
    ),
]


def _accounts() -> dict[str, User | None]:
    users = demo_users()
    return {
        "staff": users[Role.STAFF],
        "moderator": users[Role.MODERATOR],
        "resident": users[Role.PARTICIPANT],
        "admin": users[Role.ADMIN],
    }


@transaction.atomic
def load_demo_content() -> Process:
    """Create the demo processes that are missing; return the open idea collection."""
    accounts = _accounts()
    process = _idea_collection(accounts)
    _commenting(accounts)
    return process


def _idea_collection(accounts: dict[str, User | None]) -> Process:
    now = timezone.now()
    moderator, resident = accounts["moderator"], accounts["resident"]
    process, created = _process(
        DEMO_SLUG,
        {
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
        },
        accounts["staff"],
    )
    if not created:
        return process
    add_phases(
        process,
        [
            (PhaseType.INFORMATION, now - timedelta(days=30), now - timedelta(days=14)),
            (PhaseType.IDEA_COLLECTION, now - timedelta(days=14), now + timedelta(days=30)),
            (PhaseType.EVALUATION, now + timedelta(days=30), now + timedelta(days=60)),
        ],
    )
    if moderator:
        process.moderators.add(moderator)
    categories = {}
    for _title, _text, name, _point in IDEAS:
        categories[name], _ = Category.objects.get_or_create(process=process, name=name)
    if resident is None:
        return process
    ideas = {}
    for title, text, category, point in IDEAS:
        ideas[title] = contributions.submit_idea(
            resident,
            process,
            title=title,
            description=text,
            category=categories[category],
            point=contributions.Point(*point) if point else None,
        )
    _discuss(accounts, ideas)
    if moderator:
        moderation.respond(
            moderator,
            ideas["Formulare in Leichter Sprache"],
            IdeaStatus.ACCEPTED,
            "Die Senatsverwaltung übersetzt die 20 meistgenutzten Formulare "
            "in Leichte Sprache. Danke für die Idee!",
        )
        moderation.respond(
            moderator,
            ideas["Freies WLAN am Hardenbergplatz"],
            IdeaStatus.UNDER_REVIEW,
            "Wir prüfen mit dem Bezirk, ob der Hotspot am Bahnhof erweitert werden kann.",
        )
    return process


def _commenting(accounts: dict[str, User | None]) -> Process:
    """A process past its idea collection: its ideas are open for comments and ratings."""
    now = timezone.now()
    process, created = _process(
        COMMENTING_SLUG,
        {
            "title": "Smart Water: Zwischenergebnisse kommentieren",
            "title_en": "Smart Water: comment on the interim results",
            "summary": "Aus Ihren Ideen zu Wasser und Stadtgrün sind drei Vorschläge geworden. "
            "Was meinen Sie dazu?",
            "summary_en": "Your ideas on water and urban greenery became three proposals. "
            "What do you think?",
            "description": "Das Pilotprojekt **Smart Water** hat Ideen gesammelt. "
            "Jetzt können Sie die Zwischenergebnisse kommentieren und bewerten.",
            "description_en": "The **Smart Water** pilot collected ideas. "
            "Now you can comment on and rate the interim results.",
            "description_easy": "Berlin braucht Wasser für Bäume und Parks.\n\n"
            "Viele Menschen haben Ideen dazu geschrieben.\n\n"
            "Jetzt gibt es 3 Vorschläge.\n\n"
            "Sie können sagen: Das finde ich gut. Oder: Das finde ich nicht gut.",
            "field_of_action": "Umwelt und Klima",
        },
        accounts["staff"],
    )
    if not created:
        return process
    collected = now - timedelta(days=20)
    add_phases(
        process,
        [
            (PhaseType.INFORMATION, now - timedelta(days=60), now - timedelta(days=45)),
            (PhaseType.IDEA_COLLECTION, now - timedelta(days=45), now - timedelta(days=10)),
            (PhaseType.COMMENTING, now - timedelta(days=10), now + timedelta(days=20)),
            (PhaseType.RESULT, now + timedelta(days=20), now + timedelta(days=50)),
        ],
    )
    if accounts["moderator"]:
        process.moderators.add(accounts["moderator"])
    if accounts["resident"] is None:
        return process
    ideas = {}
    author = accounts["staff"] or accounts["resident"]
    for title, text, point in INTERIM_RESULTS:
        ideas[title] = written_earlier(process, author, title, text, point, collected)
    for voter in ("resident", "moderator", "admin"):
        if accounts[voter]:
            contributions.rate_idea(accounts[voter], ideas["Gießkarte für Straßenbäume"], 1)
    if accounts["admin"]:
        contributions.rate_idea(accounts["admin"], ideas["Regenwasser von Dächern sammeln"], -1)
    contributions.add_comment(
        accounts["resident"],
        ideas["Gießkarte für Straßenbäume"],
        "Bitte auch mit Hinweis, wo die nächste Wasserpumpe ist.",
    )
    return process


def _process(slug: str, texts: dict[str, str], staff: User | None) -> tuple[Process, bool]:
    """The demo process of this slug with its texts; whether it was created now."""
    organisation = Organisation.objects.filter(slug="demo-senatskanzlei").first()
    return Process.objects.update_or_create(
        slug=slug, defaults={**texts, "organisation": organisation, "created_by": staff}
    )


def add_phases(process: Process, phases: list[tuple[str, datetime, datetime]]) -> None:
    """Give the process these phases, (type, start, end) in this order."""
    for position, (phase_type, starts_at, ends_at) in enumerate(phases):
        Phase.objects.create(
            process=process,
            type=phase_type,
            position=position,
            starts_at=starts_at,
            ends_at=ends_at,
        )


def written_earlier(
    process: Process,
    author: User | None,
    title: str,
    text: str,
    point: tuple[float, float],
    written_at: datetime,
    category: Category | None = None,
) -> Idea:
    """An idea written in a phase that is over, stored directly, as the services rightly
    refuse new ideas now."""
    longitude, latitude = point
    idea = Idea(
        process=process,
        author=author,
        title=title,
        description=text,
        category=category,
        longitude=longitude,
        latitude=latitude,
        district=district_at(longitude, latitude),
        created_at=written_at,
    )
    idea.full_clean()
    idea.save()
    return idea


def _discuss(accounts: dict[str, User | None], ideas: dict[str, Idea]) -> None:
    """Ratings from several accounts and a few comments, one of them a reply."""
    for index, idea in enumerate(ideas.values()):
        for voter in ("resident", "moderator", "staff", "admin")[: 4 - index % 3]:
            if accounts[voter]:
                contributions.rate_idea(
                    accounts[voter], idea, -1 if voter == "admin" and index else 1
                )
    threads = {}
    for title, who, text in COMMENTS:
        if accounts[who] is None:
            continue
        parent = threads.get(title)
        comment = contributions.add_comment(accounts[who], ideas[title], text, parent)
        threads.setdefault(title, comment)
