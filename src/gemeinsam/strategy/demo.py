"""Demo content for the strategy: GD:B's structure (values, fields of action, sub-fields as
goals) published as version 1, and a version 2 that describes the five pilots as measures with
example indicators, places, partners, compass assessments, a running public survey, handbook
progress and links to the demo's participation, budgeting and panel processes.

Everything beyond GD:B's names is invented and marked as an example. Idempotent: the strategy
is filled once, when it is created; a second run changes nothing.
"""

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from gemeinsam.core.demo import demo_users
from gemeinsam.core.models import Organisation
from gemeinsam.core.roles import Role
from gemeinsam.strategy import models
from gemeinsam.strategy.services import tracking, versions

SLUG = "gemeinsam-digital-berlin"
STRUCTURE = Path(__file__).parent / "data" / "gdb_structure.json"


@dataclass(frozen=True)
class ExampleIndicator:
    name: str
    name_en: str
    unit: str
    direction: str
    baseline: tuple[date, float]
    target: tuple[date, float]
    # The invented course of the measurements: the share of the way from baseline to target
    # reached by today; below 1 means behind the straight path.
    pace: float
    description: str = ""


@dataclass(frozen=True)
class Pilot:
    summary: str
    description: str
    lead: str  # demo organisation slug
    lead_unit: str
    partners: tuple[str, ...]
    budget: int | None
    funding: str
    start: date
    end: date
    status: str
    phase: str
    fields: tuple[int, ...]  # fields of action by position in the structure
    goals: tuple[tuple[int, int], ...]  # (field, sub-field) positions
    place: tuple[str, float, float] | None  # name, longitude, latitude
    indicators: tuple[ExampleIndicator, ...]
    team_scores: tuple[int, int, int, int]  # the four values, in the compass's order


PILOTS = [
    Pilot(
        summary="Der Hardenbergplatz am Bahnhof Zoo wird zum Reallabor für einen Platz, der "
        "mit Daten und mit den Menschen vor Ort besser gestaltet wird.",
        description="Sensoren zählen anonym, wie der Platz genutzt wird, und messen Hitze, "
        "Lärm und Luft. Anwohnende, Gewerbe und Bezirk werten die Daten gemeinsam aus und "
        "erproben Veränderungen – erst auf Zeit, dann dauerhaft.\n\n"
        "*Beispieltext für die Demo.*",
        lead="demo-senatskanzlei",
        lead_unit="Stabsstelle Smart City",
        partners=("demo-hochschule", "demo-startup"),
        budget=850_000,
        funding="Modellprojekte Smart Cities (Bund) und Landesmittel",
        start=date(2023, 4, 1),
        end=date(2027, 12, 31),
        status=models.MeasureStatus.RUNNING,
        phase=models.HandbookPhase.IMPLEMENTATION,
        fields=(1,),
        goals=((1, 2),),
        place=("Hardenbergplatz, Charlottenburg", 13.3327, 52.5066),
        indicators=(
            ExampleIndicator(
                "Aufenthaltsqualität (Befragung, Skala 1–5)",
                "Quality of stay (survey, scale 1–5)",
                "Punkte",
                models.Direction.HIGHER_IS_BETTER,
                (date(2023, 6, 1), 2.4),
                (date(2027, 6, 30), 3.8),
                1.1,
            ),
            ExampleIndicator(
                "Tage über 30 °C Oberflächentemperatur im Sommer",
                "Summer days above 30 °C surface temperature",
                "Tage",
                models.Direction.LOWER_IS_BETTER,
                (date(2023, 9, 30), 41.0),
                (date(2027, 9, 30), 25.0),
                0.35,
            ),
        ),
        team_scores=(3, 3, 2, 4),
    ),
    Pilot(
        summary="Am Beispiel der Luftgüte erprobt Berlin, wie Daten der Stadt gemeinsam "
        "verwaltet, geteilt und für Entscheidungen genutzt werden.",
        description="Messwerte des Berliner Luftgütemessnetzes (BLUME) fließen über die "
        "offene SensorThings-Schnittstelle in die Plattform. Ein Datengremium legt fest, wer "
        "welche Daten wofür nutzen darf.\n\n*Beispieltext für die Demo.*",
        lead="demo-senatskanzlei",
        lead_unit="Referat Daten und Governance",
        partners=("demo-hochschule", "demo-nachbarschaft"),
        budget=420_000,
        funding="Landesmittel Digitalisierung",
        start=date(2023, 1, 1),
        end=date(2026, 12, 31),
        status=models.MeasureStatus.RUNNING,
        phase=models.HandbookPhase.EVALUATION,
        fields=(3, 2),
        goals=((3, 2), (2, 1)),
        place=("Messstation Hardenbergplatz (MC115)", 13.3326, 52.5065),
        indicators=(
            ExampleIndicator(
                "Offene Datensätze zur Luftgüte im Datenportal",
                "Open air-quality datasets in the data portal",
                "Datensätze",
                models.Direction.HIGHER_IS_BETTER,
                (date(2023, 1, 1), 4.0),
                (date(2026, 12, 31), 30.0),
                0.9,
            ),
        ),
        team_scores=(3, 4, 3, 3),
    ),
    Pilot(
        summary="Gewässer und Stadtgrün werden mit Daten klimagerecht gepflegt: Bodenfeuchte, "
        "Pegel und Gießbedarf der Straßenbäume auf einen Blick.",
        description="Bodenfeuchtesensoren an Straßenbäumen und Pegel an Kanälen zeigen, wo "
        "gegossen werden muss. Nachbarschaften übernehmen Gießpatenschaften.\n\n"
        "*Beispieltext für die Demo.*",
        lead="demo-senatskanzlei",
        lead_unit="Koordination Stadtgrün",
        partners=("demo-nachbarschaft", "demo-startup"),
        budget=600_000,
        funding="Landesmittel Klimaanpassung",
        start=date(2023, 3, 1),
        end=date(2028, 2, 29),
        status=models.MeasureStatus.RUNNING,
        phase=models.HandbookPhase.IMPLEMENTATION,
        fields=(0,),
        goals=((0, 3),),
        place=("Landwehrkanal am Urbanhafen, Kreuzberg", 13.4095, 52.4960),
        indicators=(
            ExampleIndicator(
                "Straßenbäume mit Bodenfeuchtesensor",
                "Street trees with a soil moisture sensor",
                "Bäume",
                models.Direction.HIGHER_IS_BETTER,
                (date(2023, 3, 1), 0.0),
                (date(2027, 12, 31), 2000.0),
                0.55,
            ),
            ExampleIndicator(
                "Gießpatenschaften",
                "Watering sponsorships",
                "Patenschaften",
                models.Direction.HIGHER_IS_BETTER,
                (date(2023, 3, 1), 150.0),
                (date(2027, 12, 31), 1500.0),
                1.05,
            ),
        ),
        team_scores=(4, 3, 4, 3),
    ),
    Pilot(
        summary="Berlinerinnen und Berliner schlagen Projekte für ihren Kiez vor und "
        "entscheiden über einen Teil des Bezirkshaushalts.",
        description="Vorschläge mit Kosten, Prüfung durch den Bezirk und eine Abstimmung, "
        "die online und vor Ort möglich ist. Die Ergebnisse werden offen und nachvollziehbar "
        "veröffentlicht.\n\n*Beispieltext für die Demo.*",
        lead="demo-senatskanzlei",
        lead_unit="Stabsstelle Beteiligung",
        partners=("demo-nachbarschaft",),
        budget=1_000_000,
        funding="Bezirkshaushalte",
        start=date(2024, 1, 1),
        end=date(2027, 12, 31),
        status=models.MeasureStatus.RUNNING,
        phase=models.HandbookPhase.IMPLEMENTATION,
        fields=(2,),
        goals=((2, 0), (2, 1)),
        place=None,  # city-wide: no single place
        indicators=(
            ExampleIndicator(
                "Abstimmende im Bürgerhaushalt",
                "Voters in the citizen budget",
                "Personen",
                models.Direction.HIGHER_IS_BETTER,
                (date(2024, 1, 1), 1200.0),
                (date(2027, 12, 31), 10000.0),
                0.93,
            ),
        ),
        team_scores=(2, 4, 2, 4),
    ),
    Pilot(
        summary="Kiezboxen versorgen Nachbarschaften im Alltag mit Daten und in der Krise, "
        "etwa bei einem Stromausfall, mit Strom und Kommunikation.",
        description="Die Kiezbox 2.0 ist ein solar versorgter Knoten mit Funknetz und "
        "Sensoren. Im Krisenmodus bleibt sie erreichbar, wenn Strom und Mobilfunk ausfallen.\n\n"
        "*Beispieltext für die Demo.*",
        lead="demo-startup",
        lead_unit="Projektteam Kiezbox",
        partners=("demo-nachbarschaft", "demo-hochschule", "demo-senatskanzlei"),
        budget=300_000,
        funding="Förderprogramm Resilienz",
        start=date(2024, 6, 1),
        end=date(2026, 12, 31),
        status=models.MeasureStatus.RUNNING,
        phase=models.HandbookPhase.PLANNING,
        fields=(3, 1),
        goals=((3, 3), (1, 1)),
        place=("Nachbarschaftshaus Urbanstraße, Kreuzberg", 13.4103, 52.4921),
        indicators=(
            ExampleIndicator(
                "Kiezboxen in Betrieb",
                "Kiezboxes in operation",
                "Boxen",
                models.Direction.HIGHER_IS_BETTER,
                (date(2024, 6, 1), 2.0),
                (date(2026, 12, 31), 40.0),
                0.45,
            ),
        ),
        team_scores=(3, 3, 4, 4),
    ),
]


def structure() -> dict:
    return json.loads(STRUCTURE.read_text(encoding="utf-8"))


def _example_series(example: ExampleIndicator, today: date, rng: random.Random) -> list:
    """Quarterly values from the baseline to today that reach `pace` of the straight path."""
    (start, low), (deadline, high) = example.baseline, example.target
    values = []
    when = start + timedelta(days=91)
    while when <= today:
        share = min((when - start).days / max((deadline - start).days, 1), 1.0)
        noise = rng.uniform(-0.03, 0.03) * abs(high - low)
        values.append((when, round(low + (high - low) * share * example.pace + noise, 1)))
        when += timedelta(days=91)
    return values


def _air_quality_indicator(version, measure: models.Measure) -> models.Indicator | None:
    """NO₂ at Hardenbergplatz as monthly means of the demo's SensorThings datastream."""
    from gemeinsam.sensors.models import Datastream

    datastream = Datastream.objects.filter(
        thing__properties__stationCode="MC115", observed_property__name="NO2"
    ).first()
    if datastream is None:
        return None
    return versions.add_item(
        version,
        models.Indicator,
        measure=measure,
        name="NO₂-Monatsmittel am Hardenbergplatz",
        name_en="Monthly mean NO₂ at Hardenbergplatz",
        description="Aus den stündlichen Messwerten der Station MC115 (BLUME), berechnet über "
        "die SensorThings-Schnittstelle. Ziel: der ab 2030 geltende EU-Jahresgrenzwert.",
        unit="µg/m³",
        direction=models.Direction.LOWER_IS_BETTER,
        baseline_value=40.0,
        baseline_date=date(2019, 3, 1),
        target_value=20.0,
        target_date=date(2030, 1, 1),
        source=models.SourceKind.SENSORTHINGS,
        source_config={"datastream": datastream.pk, "aggregate": "mean", "period": "month"},
        is_example=True,
        order=9,
    )


def _link_demo_processes(measures: list[models.Measure]) -> None:
    from gemeinsam.budgeting.demo import VOTING_SLUG
    from gemeinsam.budgeting.models import BudgetingProcess
    from gemeinsam.participation.demo import COMMENTING_SLUG, DEMO_SLUG
    from gemeinsam.participation.models import Process
    from gemeinsam.sortition.demo import DRAWN_SLUG
    from gemeinsam.sortition.models import Panel

    links = [
        (1, Panel.objects.filter(slug=DRAWN_SLUG).first()),
        (2, Process.objects.filter(slug=COMMENTING_SLUG).first()),
        (3, BudgetingProcess.objects.filter(process__slug=VOTING_SLUG).first()),
        (3, Process.objects.filter(slug=VOTING_SLUG).first()),
        (0, Process.objects.filter(slug=DEMO_SLUG).first()),
    ]
    for index, target in links:
        if target is not None:
            tracking.link_process(measures[index], target)


def load_demo_content() -> models.Strategy:
    existing = models.Strategy.objects.filter(slug=SLUG).first()
    if existing is not None:
        return existing
    users = demo_users()
    staff = users.get(Role.STAFF)
    with transaction.atomic():
        strategy = versions.load_gdb(structure(), slug=SLUG, user=staff)
        _describe_pilots(strategy, staff)
    return strategy


def _describe_pilots(strategy: models.Strategy, staff) -> None:
    today = timezone.localdate()
    rng = random.Random(2022)  # invented demo values, the same on every run
    draft = versions.start_draft(strategy, staff)
    fields = list(draft.fields_of_action.all())
    goals_by_field = {field.pk: list(field.goals.all()) for field in fields}
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__startswith="demo-")}
    measures = list(draft.measures.all())
    for measure, pilot in zip(measures, PILOTS, strict=True):
        versions.edit_item(
            measure,
            summary=pilot.summary,
            description=pilot.description,
            type=models.MeasureType.CENTRAL,
            lead_organisation=organisations.get(pilot.lead),
            lead_unit=pilot.lead_unit,
            partners=[organisations[s] for s in pilot.partners if s in organisations],
            budget=Decimal(pilot.budget) if pilot.budget is not None else None,
            funding_source=pilot.funding,
            start=pilot.start,
            end=pilot.end,
            status=pilot.status,
            phase=pilot.phase,
            fields_of_action=[fields[i] for i in pilot.fields],
            goals=[goals_by_field[fields[f].pk][g] for f, g in pilot.goals],
            location_name=pilot.place[0] if pilot.place else "",
            longitude=pilot.place[1] if pilot.place else None,
            latitude=pilot.place[2] if pilot.place else None,
        )
        for order, example in enumerate(pilot.indicators):
            indicator = versions.add_item(
                draft,
                models.Indicator,
                measure=measure,
                name=f"{example.name} (Beispiel)",
                name_en=f"{example.name_en} (example)",
                description=example.description
                or "Erfundene Werte, um die Erfolgskontrolle zu zeigen.",
                unit=example.unit,
                direction=example.direction,
                baseline_value=example.baseline[1],
                baseline_date=example.baseline[0],
                target_value=example.target[1],
                target_date=example.target[0],
                is_example=True,
                order=order,
            )
            for when, value in _example_series(example, today, rng):
                tracking.record_measurement(indicator, when, value, user=staff, note="Beispielwert")
    air = _air_quality_indicator(draft, measures[1])
    versions.publish(
        draft,
        staff,
        "Pilotprojekte beschrieben: Träger, Partner, Budget, Orte und Beispielindikatoren.",
    )
    if air is not None:
        tracking.sync_indicator(air)
    _assess(strategy, measures, staff, today)
    _checklists(strategy, measures, staff)
    _link_demo_processes(measures)


def _assess(strategy: models.Strategy, measures: list[models.Measure], staff, today: date) -> None:
    version = strategy.published_version
    values = list(version.values.all())
    published = {m.key: m for m in version.measures.all()}
    participants = [u for role, u in demo_users().items() if u is not None and role != Role.STAFF]
    for measure, pilot in zip(measures, PILOTS, strict=True):
        current = published[measure.key]
        earlier = [max(score - 1, 0) for score in pilot.team_scores]
        for on, scores in ((pilot.start + timedelta(days=60), earlier), (today, pilot.team_scores)):
            tracking.assess_measure(
                current,
                {
                    value.key: (score, f"Einschätzung des Projektteams zu „{value.name}“.")
                    for value, score in zip(values, scores, strict=True)
                },
                user=staff,
                on=min(on, today),
            )
    hardenbergplatz = published[measures[0].key]
    now = timezone.now()
    survey = tracking.open_survey(
        hardenbergplatz,
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=60),
        user=staff,
    )
    for offset, user in enumerate(participants):
        tracking.answer_survey(
            survey,
            user,
            {
                value.key: (max(0, min(4, score - 1 + (offset + i) % 3)), "")
                for i, (value, score) in enumerate(zip(values, PILOTS[0].team_scores, strict=True))
            },
        )


def _checklists(strategy: models.Strategy, measures: list[models.Measure], staff) -> None:
    phases = list(models.HandbookPhase)
    version = strategy.published_version
    published = {m.key: m for m in version.measures.all()}
    steps = list(models.HandbookStep.objects.filter(strategy=strategy))
    first_of_phase = {}
    for step in steps:
        first_of_phase.setdefault(step.phase, step)
    for measure in measures:
        current = published[measure.key]
        reached = phases.index(current.phase)
        for step in steps:
            step_phase = phases.index(step.phase)
            first = first_of_phase[step.phase] == step
            # Earlier phases done; in the current phase the first step only.
            if step_phase < reached or (step_phase == reached and first):
                tracking.set_step_done(current, step, True, user=staff)
