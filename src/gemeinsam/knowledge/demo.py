"""Demo content for the knowledge store: documents on the strategy and the methods of its
implementation handbook, written for the demo, with tags.

Idempotent: documents are found by their short name and updated; a second run creates
nothing twice. Saved through services.save_document, so that the SQLite index follows.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Document, DocumentMeasure, Tag


@dataclass(frozen=True)
class DemoDocument:
    slug: str
    title: str
    tags: tuple[str, ...]
    body: str


DOCUMENTS = [
    DemoDocument(
        "handbuch-phasen-eines-projekts",
        "Handbuch: Phasen eines Projekts",
        ("Umsetzungshandbuch", "Projektarbeit"),
        """Jedes Projekt der Strategie durchläuft sechs Phasen. Sie helfen, früh die
richtigen Fragen zu stellen und das Gelernte weiterzugeben.

1. **Initiierung:** Welches Problem lösen wir, und für wen? Wer gehört ins Team?
2. **Exploration:** Wir sprechen mit Betroffenen, sichten Daten und prüfen bestehende
   Lösungen, bevor wir etwas Neues bauen.
3. **Planung:** Ziele, Indikatoren, Budget und Meilensteine werden festgelegt und mit dem
   Wertekompass geprüft.
4. **Umsetzung:** Wir arbeiten in kurzen Schritten und zeigen Zwischenergebnisse öffentlich.
5. **Evaluation:** Erreichen wir unsere Ziele? Die Indikatoren geben die Antwort.
6. **Verstetigung oder Abschluss:** Was sich bewährt, wird Regelbetrieb; was nicht, wird
   mit einem Bericht beendet.
""",
    ),
    DemoDocument(
        "methode-wertekompass-anwenden",
        "Methode: Wertekompass anwenden",
        ("Methode", "Wertekompass"),
        """Der Wertekompass fasst die vier Leitwerte der Strategie zusammen: nachhaltig,
gemeinwohlorientiert, resilient und kooperativ. Jedes Projekt wird zu Beginn und im Lauf der
Umsetzung daran gemessen.

So gehen Sie vor: Das Projektteam bewertet für jeden Wert, wie stark das Projekt zu ihm
beiträgt, auf einer Skala von 0 (gar nicht) bis 4 (voll), und begründet die Einschätzung in
zwei, drei Sätzen. Anschließend bewerten Beteiligte aus der Stadtgesellschaft dasselbe
Projekt in einer kurzen Umfrage. Große Abweichungen zwischen beiden Sichten sind kein
Fehler, sondern der Anlass für ein Gespräch.
""",
    ),
    DemoDocument(
        "methode-stadtgremium",
        "Methode: Stadtgremium",
        ("Methode", "Beteiligung"),
        """Das Stadtgremium ist ein zufällig ausgeloster Bürgerrat, der die Vielfalt der
Stadt abbildet. Aus dem Melderegister werden Einladungen verlost; wer sich zurückmeldet,
kommt in einen Pool. Aus dem Pool wird das Gremium nach Quoten für Alter, Geschlecht,
Bezirk und Bildung gezogen, so dass jede Person eine möglichst gleiche Chance hat.

Das Gremium berät über Zwischenergebnisse der Strategie und gibt Empfehlungen, auf die
die Verwaltung öffentlich antwortet.
""",
    ),
    DemoDocument(
        "leitfaden-indikatoren-festlegen",
        "Leitfaden: Indikatoren festlegen",
        ("Leitfaden", "Erfolgskontrolle"),
        """Ein guter Indikator ist messbar, verständlich und hat einen Ausgangswert, einen
Zielwert und eine Frist. Legen Sie für jedes Ziel höchstens drei Indikatoren fest.

Beispiel: „Anteil der Straßenbäume mit Bodenfeuchtesensor“ – Ausgangswert 2 %, Zielwert
15 % bis Ende 2028, Quelle: die Messstellen der urbanen Datenplattform. Wo Daten live
vorliegen, aktualisiert sich der Indikator selbst.
""",
    ),
    DemoDocument(
        "baeume-und-stadtgruen-im-klimawandel",
        "Bäume und Stadtgrün im Klimawandel",
        ("Smart Water", "Stadtgrün"),
        """Hitzesommer und lange Trockenphasen setzen den Bäumen der Stadt zu. Viele
Straßenbäume bekommen zu wenig Wasser, junge Bäume brauchen in den ersten Jahren
regelmäßiges Gießen.

Im Pilotprojekt Smart Water messen Sensoren die Bodenfeuchte an ausgewählten Standorten.
Die Daten zeigen, wo Gießen am dringendsten ist, und helfen Nachbarschaften, die eine
Baumpatenschaft übernehmen. Regenwasser, das vor Ort versickert, kühlt den Kiez und
entlastet die Kanalisation.
""",
    ),
    DemoDocument(
        "methode-ideenspeicher",
        "Methode: Ideen sammeln im Ideenspeicher",
        ("Methode", "Beteiligung"),
        """Im Ideenspeicher kann jede und jeder Vorschläge für die digitale Stadt einreichen,
auf der Karte verorten und kommentieren. Die Moderation achtet auf einen respektvollen
Ton. Zu jeder Idee gibt es eine Rückmeldung der Verwaltung: aufgegriffen, geprüft oder
mit Begründung nicht weiterverfolgt.
""",
    ),
    DemoDocument(
        "leitfaden-offene-daten",
        "Leitfaden: Daten offen bereitstellen",
        ("Leitfaden", "Offene Daten"),
        """Daten, die mit öffentlichen Mitteln entstehen, werden als offene Daten
veröffentlicht, sofern keine personenbezogenen Angaben enthalten sind. Beschreiben Sie
jeden Datensatz mit Quelle, Lizenz, Aktualität und Ansprechperson. Messdaten der
Sensoren stehen über die SensorThings-Schnittstelle maschinenlesbar bereit.
""",
    ),
    DemoDocument(
        "strategie-im-ueberblick",
        "Die Strategie im Überblick",
        ("Strategie",),
        """Die Strategie beschreibt, wie die Stadt digitale Werkzeuge gemeinwohlorientiert
einsetzt. Sie gliedert sich in Handlungsfelder, Ziele und Maßnahmen und wird als lernende
Strategie regelmäßig überarbeitet. Jede neue Fassung wird veröffentlicht, damit
nachvollziehbar bleibt, was sich geändert hat und warum.
""",
    ),
]


@transaction.atomic
def seed() -> list[Document]:
    """Create or update the demo documents; returns them in the order above."""
    documents = []
    for item in DOCUMENTS:
        document = Document.objects.filter(slug=item.slug).first() or Document(slug=item.slug)
        document.title = item.title
        document.body = item.body.strip()
        document.published = True
        services.save_document(document)
        document.tags.set([_tag(name) for name in item.tags])
        documents.append(document)
    _link_to_pilots({document.slug: document for document in documents})
    return documents


# Demo documents that belong to pilots of the demo strategy, by the pilot's place among them.
PILOT_DOCUMENTS = {
    "baeume-und-stadtgruen-im-klimawandel": 2,  # Smart Water
    "leitfaden-offene-daten": 1,  # data and smart-city governance
    "methode-ideenspeicher": 3,  # citizen budgeting and smart participation
}


def _link_to_pilots(documents: dict[str, Document]) -> None:
    """Link documents to the pilots of the demo strategy, if it is loaded."""
    from gemeinsam.strategy.demo import SLUG
    from gemeinsam.strategy.models import Strategy

    strategy = Strategy.objects.filter(slug=SLUG).first()
    version = strategy.published_version if strategy else None
    if version is None:
        return
    measures = list(version.measures.all())
    for slug, index in PILOT_DOCUMENTS.items():
        if slug in documents and index < len(measures):
            DocumentMeasure.objects.get_or_create(
                document=documents[slug], measure_key=measures[index].key, strategy=strategy
            )


def _tag(name: str) -> Tag:
    tag, _created = Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return tag
