"""Give every strategy without handbook steps the default ones.

The staff measure page used to seed them when it was first shown (a write on GET); a new
strategy now gets them when it is created (services.versions.create_strategy), and this
gives them to the strategies made before, so that every measure page shows what it showed.
The steps are copied here as they were, as a migration must not follow later changes.
"""

from django.db import migrations

STEPS = [
    ("initiation", "Problem und Bedarf beschreiben", "Describe the problem and the need"),
    ("initiation", "Projektteam und Verantwortung festlegen", "Set up the team and responsibilities"),
    ("exploration", "Betroffene Akteursgruppen einbeziehen", "Involve the affected actor groups"),
    ("exploration", "Bestehende Lösungen recherchieren", "Research existing solutions"),
    ("exploration", "Wertekompass-Selbsteinschätzung machen", "Assess the measure with the value compass"),
    ("planning", "Ziele und Indikatoren festlegen", "Set goals and indicators"),
    ("planning", "Ressourcen und Finanzierung klären", "Secure resources and funding"),
    ("planning", "Beteiligungskonzept erstellen", "Write the participation plan"),
    ("implementation", "Umsetzung mit Meilensteinen steuern", "Steer the work by milestones"),
    ("implementation", "Messwerte regelmäßig erheben", "Collect measurements regularly"),
    ("evaluation", "Wirkung anhand der Indikatoren bewerten", "Evaluate the impact by the indicators"),
    ("evaluation", "Erfahrungen im Wissensspeicher dokumentieren", "Record lessons in the knowledge store"),
    ("continuation_or_end", "Über Verstetigung oder Abschluss entscheiden", "Decide on continuation or end"),
    ("continuation_or_end", "Ergebnisse offen veröffentlichen", "Publish the results openly"),
]


def seed_handbooks(apps, schema_editor):
    Strategy = apps.get_model("strategy", "Strategy")
    HandbookStep = apps.get_model("strategy", "HandbookStep")
    for strategy in Strategy.objects.filter(handbook_steps__isnull=True):
        HandbookStep.objects.bulk_create(
            HandbookStep(strategy=strategy, phase=phase, title=title, title_en=title_en, order=order)
            for order, (phase, title, title_en) in enumerate(STEPS)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("strategy", "0002_indicators_tracking"),
    ]

    operations = [
        migrations.RunPython(seed_handbooks, migrations.RunPython.noop),
    ]
