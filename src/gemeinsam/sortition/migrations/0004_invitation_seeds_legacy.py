# The data step on its own: PostgreSQL refuses to create the new field's index in the same
# transaction as rows written with deferred foreign key checks.

from django.db import migrations


def panels_and_legacy_invitations(apps, schema_editor):
    """Each announcement names its panel (the invitation lottery has no run), and invitations
    drawn before their seed was announced keep their free-text seed as a legacy free seed."""
    Panel = apps.get_model("sortition", "Panel")
    SeedAnnouncement = apps.get_model("sortition", "SeedAnnouncement")
    for announcement in SeedAnnouncement.objects.select_related("run"):
        announcement.panel_id = announcement.run.panel_id
        announcement.save(update_fields=["panel"])
    for panel in Panel.objects.filter(invitations__isnull=False).distinct():
        moment = panel.invitations_drawn_at or panel.created_at
        SeedAnnouncement.objects.create(
            panel=panel, purpose="invitations", kind="legacy", context="",
            announced_at=moment, revealed=[panel.invitation_seed], seed=panel.invitation_seed,
            used_at=moment, register_sha256=panel.register_sha256,
            count=panel.invitations.count(), stratum_column=panel.stratum_column,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("sortition", "0003_invitation_seed_announcements"),
    ]

    operations = [
        migrations.RunPython(panels_and_legacy_invitations, migrations.RunPython.noop),
    ]
