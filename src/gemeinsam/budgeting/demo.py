"""Demo content for budgeting: a fictional Pankow citizen budget whose voting runs now, and
the real ballots of Budapest-Józsefváros 2022 (from Pabulib), counted and published.

Idempotent: each process is filled once, when it is created; a second run changes nothing.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from gemeinsam.budgeting.models import BudgetingProcess, Feasibility, Proposal, VotingCode
from gemeinsam.budgeting.rules.pabulib import read_pabulib
from gemeinsam.budgeting.services import ballots, imports, results
from gemeinsam.budgeting.services.codes import code_hash
from gemeinsam.core.demo import demo_users
from gemeinsam.core.models import District, User
from gemeinsam.core.roles import Role
from gemeinsam.participation.demo import add_phases, written_earlier
from gemeinsam.participation.models import Category, PhaseType, Process

VOTING_SLUG = "buergerhaushalt-pankow-2027"
PABULIB_SLUG = "echte-daten-budapest-jozsefvaros-2022"
PABULIB_FILE = Path(__file__).parent / "data" / "Hungary_Budapest_2022_VIII_Jozsefvaros.pb"

# Printed by `gemeinsam demo` so that voting without an account can be tried; stored hashed
# like every code. Letters and digits from lib/codes.py.
DEMO_CODES = ["PANK-DEMX-2345", "PANK-DEMX-6789", "PANK-DEMX-RSTU"]

CATEGORIES = {
    "Grün und Klima": "Green and climate",
    "Spiel und Sport": "Play and sport",
    "Mobilität": "Mobility",
    "Nachbarschaft": "Neighbourhood",
}

# The processes' texts, set again on every run (`field_of_action` and `created_by` aside).
VOTING_TEXTS = {
    "title": "Bürgerhaushalt Pankow 2027",
    "title_en": "Citizen budget Pankow 2027",
    "summary": "250.000 Euro für Ihren Kiez: Stimmen Sie für bis zu fünf Vorschläge "
    "aus Pankow, die der Bezirk umsetzen soll.",
    "summary_en": "250,000 euros for your neighbourhood: vote for up to five proposals "
    "from Pankow that the district should carry out.",
    "description": "Ein **erfundener** Bürgerhaushalt zum Ausprobieren. Im Frühjahr "
    "haben Menschen aus Pankow Vorschläge eingereicht; das Bezirksamt hat sie geprüft "
    "und die Kosten festgestellt. Jetzt wird abgestimmt: Kreuzen Sie bis zu fünf "
    "Vorschläge an. Ohne Konto stimmen Sie mit dem Abstimmungscode aus Ihrem Brief ab.\n\n"
    "Ausgezählt wird mit der **Methode der gleichen Anteile**: Jede Stimme verfügt über "
    "den gleichen Anteil am Budget, so kommen viele Kieze zum Zug.",
    "description_en": "A **made-up** citizen budget to try things out. In spring, people "
    "from Pankow submitted proposals; the district office reviewed them and set their "
    "costs. Now it is time to vote: tick up to five proposals. Without an account, "
    "you vote with the voting code from your letter.\n\n"
    "Ballots are counted with the **Method of Equal Shares**: every voter controls an "
    "equal share of the budget, so many neighbourhoods get their turn.",
    "description_easy": "Pankow hat 250.000 Euro für gute Ideen.\n\n"
    "Menschen aus Pankow haben Ideen aufgeschrieben.\n\n"
    "Jetzt können Sie wählen: Welche Ideen finden Sie gut?\n\n"
    "Sie können bis zu 5 Ideen ankreuzen.",
}
PABULIB_TEXTS = {
    "title": "Echte Daten: Bürgerhaushalt Budapest-Józsefváros 2022",
    "title_en": "Real data: participatory budget Budapest-Józsefváros 2022",
    "summary": "Echte, anonyme Abstimmungsdaten des Bürgerhaushalts 2022 im 8. Bezirk "
    "von Budapest (Józsefváros), aus der Forschungsbibliothek Pabulib zur Demonstration "
    "importiert: 520 Stimmzettel, 33 Projekte, ausgezählt mit der Methode der gleichen "
    "Anteile.",
    "summary_en": "Real, anonymous voting data of the 2022 participatory budget of "
    "Budapest's 8th district (Józsefváros), imported from the research library Pabulib "
    "for demonstration: 520 ballots, 33 projects, counted with the Method of Equal "
    "Shares.",
    "description": "Dieser Prozess zeigt, wie Gemeinsam **echte Stimmzettel** auszählt. "
    "Die Daten stammen nicht aus Berlin: Es sind die anonymen Online-Stimmen des "
    "Bürgerhaushalts 2022 im VIII. Bezirk von Budapest, Józsefváros, veröffentlicht "
    "in [Pabulib](https://pabulib.org), einer offenen Sammlung von Daten aus "
    "Bürgerhaushalten (Stolicki, Szufa, Talmon, arXiv:2012.06539). Die Projekttitel "
    "sind ungarisch, die Kosten in Forint.\n\n"
    "Jede Person konnte bis zu vier Projekte ankreuzen. Etwa die Hälfte der Stimmen "
    "wurde auf Papier abgegeben und fehlt in den Daten; das Ergebnis hier ist deshalb "
    "nicht das amtliche.",
    "description_en": "This process shows how Gemeinsam counts **real ballots**. The "
    "data are not from Berlin: they are the anonymous online votes of the 2022 "
    "participatory budget of Budapest's 8th district, Józsefváros, published in "
    "[Pabulib](https://pabulib.org), an open library of participatory budgeting data "
    "(Stolicki, Szufa, Talmon, arXiv:2012.06539). Project titles are in Hungarian, "
    "costs in forints.\n\n"
    "Everyone could tick up to four projects. About half of the votes were cast on "
    "paper and are missing from the data; the result here is therefore not the "
    "official one.",
    "description_easy": "Diese Daten sind echt.\n\n"
    "Sie kommen aus Budapest in Ungarn.\n\n"
    "Dort haben Menschen 2022 über Projekte abgestimmt.\n\n"
    "Hier sehen Sie, welche Projekte gewonnen hätten.",
}

# (title, description, category, the author's estimate, lon/lat, final cost after review)
PROPOSALS = [
    (
        "Trinkbrunnen am Helmholtzplatz",
        "Ein Trinkbrunnen für heiße Tage, für Kinder vom Spielplatz und alle im Kiez.",
        "Grün und Klima",
        25_000,
        (13.4195, 52.5447),
        32_000,
    ),
    (
        "Schattensegel für den Spielplatz am Kollwitzplatz",
        "Sonnensegel über Sandkasten und Schaukeln, damit Kinder im Sommer draußen spielen.",
        "Spiel und Sport",
        40_000,
        (13.4176, 52.5366),
        45_000,
    ),
    (
        "Neue Bänke am Weißen See",
        "Zwölf Bänke mit Rückenlehne und Armlehnen auf dem Rundweg, auch für Ältere.",
        "Nachbarschaft",
        18_000,
        (13.4660, 52.5535),
        18_000,
    ),
    (
        "Bücherbox im Bürgerpark Pankow",
        "Ein wetterfester Bücherschrank zum Tauschen, betreut von der Nachbarschaft.",
        "Nachbarschaft",
        8_000,
        (13.3960, 52.5765),
        9_500,
    ),
    (
        "Fahrradbügel am S-Bahnhof Pankow-Heinersdorf",
        "40 überdachte Fahrradbügel, damit mehr Menschen mit dem Rad zur S-Bahn fahren.",
        "Mobilität",
        20_000,
        (13.4295, 52.5782),
        24_000,
    ),
    (
        "Insektenwiese im Schlosspark Schönhausen",
        "Ein Teil des Rasens wird zur Blühwiese mit heimischen Pflanzen und Infotafel.",
        "Grün und Klima",
        15_000,
        (13.4040, 52.5795),
        15_000,
    ),
    (
        "Kiezbox für Französisch Buchholz",
        "Eine Kiezbox mit Notstrom und Funk, die bei einem Stromausfall Anlaufstelle ist.",
        "Nachbarschaft",
        50_000,
        (13.4295, 52.6055),
        60_000,
    ),
    (
        "Beleuchteter Weg zum S-Bahnhof Buch",
        "Solarleuchten auf dem dunklen Fußweg vom Wohngebiet zur S-Bahn.",
        "Mobilität",
        70_000,
        (13.4990, 52.6365),
        75_000,
    ),
    (
        "Fitnessgeräte für draußen in Karow",
        "Sechs Geräte für alle Generationen am Karower Teich, kostenlos nutzbar.",
        "Spiel und Sport",
        35_000,
        (13.4785, 52.6125),
        38_000,
    ),
    (
        "Mehrsprachige Infotafeln am Garbátyplatz",
        "Tafeln zu Geschichte und Angeboten im Kiez, auf Deutsch, Englisch, Türkisch und Arabisch.",
        "Nachbarschaft",
        10_000,
        (13.4125, 52.5692),
        12_000,
    ),
]

REJECTED = (
    "Tempo 30 auf der ganzen Schönhauser Allee",
    "Schilder für Tempo 30 von der Eberswalder Straße bis zur Bornholmer Straße.",
    "Mobilität",
    5_000,
    (13.4121, 52.5405),
    "Über Tempolimits auf Hauptverkehrsstraßen entscheidet die Straßenverkehrsbehörde des "
    "Landes Berlin, nicht der Bürgerhaushalt. Wir haben den Vorschlag dorthin weitergegeben.",
)

PENDING = (
    "Nachbarschaftsgarten in Heinersdorf",
    "Hochbeete und ein Geräteschuppen auf der Brache neben der Grundschule.",
    "Grün und Klima",
    30_000,
    (13.4410, 52.5705),
)

# The demo accounts' own ballots, by proposal number in PROPOSALS.
ACCOUNT_BALLOTS = {
    Role.PARTICIPANT: [0, 1, 3, 5, 9],
    Role.MODERATOR: [2, 6, 7],
    Role.ADMIN: [1, 5, 6, 9],
}
PAPER_BALLOTS = 36
# How often paper ballots tick each proposal, relative to one another.
PAPER_WEIGHTS = [9, 7, 5, 3, 6, 4, 5, 4, 3, 2]


@transaction.atomic
def load_demo_content() -> BudgetingProcess:
    """Create the demo budgeting processes that are missing; return the one in voting."""
    accounts = demo_users()
    budgeting = _voting(accounts)
    _real_result(accounts)
    return budgeting


def _voting(accounts: dict[Role, User | None]) -> BudgetingProcess:
    now = timezone.now()
    staff, moderator = accounts[Role.STAFF], accounts[Role.MODERATOR]
    process, created = _process(VOTING_SLUG, VOTING_TEXTS, staff)
    if not created:
        return process.budgeting
    add_phases(
        process,
        [
            (PhaseType.IDEA_COLLECTION, now - timedelta(days=70), now - timedelta(days=40)),
            (PhaseType.EVALUATION, now - timedelta(days=40), now - timedelta(days=7)),
            (PhaseType.VOTING, now - timedelta(days=7), now + timedelta(days=14)),
            (PhaseType.RESULT, now + timedelta(days=14), now + timedelta(days=60)),
        ],
    )
    pankow = District.objects.filter(name="Pankow").first()
    if pankow:
        process.districts.add(pankow)
    if moderator:
        process.moderators.add(moderator)
    budgeting = BudgetingProcess.objects.create(
        process=process,
        budget=Decimal(250_000),
        max_projects=5,
        voting_codes=True,
    )
    VotingCode.objects.bulk_create(
        VotingCode(budgeting=budgeting, code_hash=code_hash(code), batch=1) for code in DEMO_CODES
    )
    proposals = _proposals(budgeting, accounts, now)
    _ballots(accounts, budgeting, proposals)
    results.schedule_final(budgeting)  # as a change of phases would: counted when voting ends
    results.count_now(budgeting)  # provisional, for staff
    return budgeting


def _proposals(
    budgeting: BudgetingProcess, accounts: dict[Role, User | None], now: datetime
) -> list[Proposal]:
    """Ten feasible proposals with their final costs, one rejected in public, one pending;
    return the feasible ones."""
    categories = {
        name: Category.objects.create(process=budgeting.process, name=name, name_en=name_en)
        for name, name_en in CATEGORIES.items()
    }
    staff = accounts[Role.STAFF]
    author = accounts[Role.PARTICIPANT] or staff
    submitted, reviewed = now - timedelta(days=55), now - timedelta(days=20)
    feasible = []
    for entry in PROPOSALS:
        proposal = _proposal(budgeting, author, categories, entry[:5], submitted)
        proposal.feasibility, proposal.final_cost = Feasibility.FEASIBLE, Decimal(entry[5])
        _save(proposal, staff, reviewed)
        feasible.append(proposal)
    rejected = _proposal(budgeting, author, categories, REJECTED[:5], submitted)
    rejected.feasibility, rejected.rejection_reason = Feasibility.NOT_FEASIBLE, REJECTED[5]
    _save(rejected, staff, reviewed)
    # Came in on the last day of the collection: not reviewed yet, so not on the ballot.
    pending = _proposal(budgeting, author, categories, PENDING, now - timedelta(days=41))
    _save(pending, None, None)
    return feasible


def _proposal(
    budgeting: BudgetingProcess,
    author: User | None,
    categories: dict[str, Category],
    entry: tuple,
    submitted: datetime,
) -> Proposal:
    """A proposal made in the collection phase, which is over: its idea is stored directly,
    as the services rightly refuse new proposals now. The proposal is saved by _save."""
    title, text, category, estimate, point = entry
    idea = written_earlier(
        budgeting.process, author, title, text, point, submitted, categories[category]
    )
    return Proposal(
        idea=idea, budgeting=budgeting, cost_estimate=Decimal(estimate), district=idea.district
    )


def _save(proposal: Proposal, reviewer: User | None, reviewed: datetime | None) -> None:
    if reviewed is not None:
        proposal.reviewed_by, proposal.reviewed_at = reviewer, reviewed
    proposal.full_clean()
    proposal.save()


def _ballots(
    accounts: dict[Role, User | None], budgeting: BudgetingProcess, proposals: list[Proposal]
) -> None:
    """The demo accounts vote online; staff type in a pile of paper ballots."""
    for role, numbers in ACCOUNT_BALLOTS.items():
        if accounts[role]:
            ballots.cast_ballot(accounts[role], budgeting, {proposals[n].pk: 1 for n in numbers})
    staff = accounts[Role.STAFF]
    if staff is None:
        return
    rng = random.Random(2027)  # the same pile on every machine
    for number in range(1, PAPER_BALLOTS + 1):
        wanted = rng.randint(1, budgeting.max_projects)
        chosen: set[int] = set()
        while len(chosen) < wanted:
            chosen.add(rng.choices(proposals, weights=PAPER_WEIGHTS)[0].pk)
        ballots.enter_paper_ballot(
            staff, budgeting, dict.fromkeys(chosen, 1), reference=f"P-{number:03d}"
        )


def _real_result(accounts: dict[Role, User | None]) -> BudgetingProcess:
    """Real ballots of a real participatory budget, labelled as such, counted now."""
    process, created = _process(PABULIB_SLUG, PABULIB_TEXTS, accounts[Role.STAFF])
    if not created:
        return process.budgeting
    election = read_pabulib(PABULIB_FILE)
    begin, end = _voting_period(election.meta)
    add_phases(
        process,
        [
            (PhaseType.VOTING, begin, end),
            (PhaseType.RESULT, end, timezone.now() + timedelta(days=365)),
        ],
    )
    if accounts[Role.MODERATOR]:
        process.moderators.add(accounts[Role.MODERATOR])
    budgeting = BudgetingProcess.objects.create(
        process=process,
        budget=Decimal(election.budget.numerator) / election.budget.denominator,
        currency=election.meta["currency"],
        max_projects=int(election.meta["max_length"]),
    )
    imports.import_election(budgeting, election)
    process.ideas.update(created_at=begin)
    results.count_now(budgeting)  # voting closed in 2022: the published final result
    return budgeting


def _process(slug: str, texts: dict[str, str], staff: User | None) -> tuple[Process, bool]:
    """The demo process of this slug with its texts; whether it was created now."""
    return Process.objects.update_or_create(
        slug=slug,
        defaults={**texts, "field_of_action": "Bürgerhaushalt", "created_by": staff},
    )


def _voting_period(meta: dict[str, str]) -> tuple[datetime, datetime]:
    """The file's voting days (date_begin, date_end as DD.MM.YYYY), the last day whole."""
    begin, end = (datetime.strptime(meta[key], "%d.%m.%Y") for key in ("date_begin", "date_end"))
    return timezone.make_aware(begin), timezone.make_aware(end + timedelta(days=1))
