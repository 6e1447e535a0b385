"""Demo content for `gemeinsam demo`: districts, organisations and one account per role.

Idempotent: running it again updates what exists and creates nothing twice.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from gemeinsam.core.models import ActorGroup, District, Organisation, User
from gemeinsam.core.roles import Role, assign_role
from gemeinsam.core.services import import_districts, shipped_districts_file

DEMO_PASSWORD = "gemeinsam-demo"  # noqa: S105 - printed by the demo; the demo listens on localhost only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    display_name: str
    actor_group: str
    district_code: str


DEMO_ACCOUNTS = [
    DemoAccount(
        "teilnehmerin@demo.gemeinsam.invalid",
        Role.PARTICIPANT,
        "Ayşe K.",
        ActorGroup.CIVIL_SOCIETY,
        "004",
    ),
    DemoAccount(
        "moderation@demo.gemeinsam.invalid",
        Role.MODERATOR,
        "Moderation Jonas",
        ActorGroup.CIVIL_SOCIETY,
        "002",
    ),
    DemoAccount(
        "verwaltung@demo.gemeinsam.invalid",
        Role.STAFF,
        "Senatsverwaltung – CDO-Team",
        ActorGroup.ADMINISTRATION_POLITICS,
        "001",
    ),
    DemoAccount(
        "admin@demo.gemeinsam.invalid",
        Role.ADMIN,
        "Plattform-Admin",
        ActorGroup.ADMINISTRATION_POLITICS,
        "001",
    ),
]

DEMO_ORGANISATIONS = [
    (
        "demo-senatskanzlei",
        "Senatskanzlei – Digitalisierung (Demo)",
        ActorGroup.ADMINISTRATION_POLITICS,
    ),
    ("demo-hochschule", "Institut für Stadtforschung (Demo)", ActorGroup.SCIENCE),
    ("demo-startup", "Kiez-Sensorik GmbH (Demo)", ActorGroup.BUSINESS),
    (
        "demo-nachbarschaft",
        "Nachbarschaftshaus Beispielkiez e. V. (Demo)",
        ActorGroup.CIVIL_SOCIETY,
    ),
    ("demo-inklusion", "Netzwerk Barrierefreiheit (Demo)", ActorGroup.QUIET_GROUPS),
]


@transaction.atomic
def load_demo_content() -> list[tuple[DemoAccount, bool]]:
    """Load districts, organisations and demo accounts; return (account, created) pairs."""
    import_districts(shipped_districts_file())
    organisations = {}
    for slug, name, group in DEMO_ORGANISATIONS:
        organisations[group], _created = Organisation.objects.update_or_create(
            slug=slug, defaults={"name": name, "actor_group": group}
        )
    results = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        created = user is None
        if created:
            user = User.objects.create_user(account.email, DEMO_PASSWORD)
        user.display_name = account.display_name
        user.actor_group = account.actor_group
        user.district = District.objects.filter(code=account.district_code).first()
        user.organisation = organisations.get(account.actor_group)
        user.save()
        assign_role(user, account.role)
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        results.append((account, created))
    return results


def demo_users() -> dict[Role, User | None]:
    """The demo accounts by role, None where one is missing (deleted, or not loaded yet)."""
    return {
        account.role: User.objects.filter(email__iexact=account.email).first()
        for account in DEMO_ACCOUNTS
    }
