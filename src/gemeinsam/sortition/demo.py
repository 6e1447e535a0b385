"""Demo content for sortition: a fictional Stadtgremium drawn from made-up volunteers (the
whole two-stage lottery, a replacement included), and a second panel whose online
registration is open, with invitation codes printed by `gemeinsam demo`.

Idempotent: each panel is filled once, when it is created; a second run changes nothing.
"""

import csv
import io
import random
import time
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from gemeinsam.core.demo import demo_users
from gemeinsam.core.roles import Role
from gemeinsam.sortition.algorithms.seed import secret_hash
from gemeinsam.sortition.algorithms.synthetic import BERLIN, DISTRICTS, berlin_pool, berlin_quotas
from gemeinsam.sortition.models import Algorithm, Panel, SeedKind, Status, ValueFormat
from gemeinsam.sortition.selectors import shown_code
from gemeinsam.sortition.services.draw import announce_draw, draw
from gemeinsam.sortition.services.invitations import announce_invitations, draw_invitations
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.replacements import announce_replacement, replace_dropouts
from gemeinsam.sortition.services.runs import run_now
from gemeinsam.sortition.services.seeds import SeedProcedure
from gemeinsam.sortition.services.volunteers import Contact, add_paper_reply, register_volunteer

DRAWN_SLUG = "stadtgremium-digitales-berlin"
OPEN_SLUG = "stadtgremium-2027"
# The demo's features: five of the Berlin-like categories, with German names.
FEATURES = {
    "Bezirk": BERLIN["district"],
    "Alter": BERLIN["age"],
    "Geschlecht": {"weiblich": BERLIN["gender"]["female"], "männlich": BERLIN["gender"]["male"],
                   "divers": BERLIN["gender"]["diverse"]},
    "Bildung": {"niedrig": BERLIN["education"]["low"], "mittel": BERLIN["education"]["medium"],
                "hoch": BERLIN["education"]["high"]},
    "Migrationsgeschichte": {"ja": BERLIN["migration"]["yes"], "nein": BERLIN["migration"]["no"]},
}  # fmt: skip
# The replacement draw's witnesses and their secrets (published here: it is a demo).
DEMO_WITNESSES = [
    ("Bezirksverordnete (Demo)", "kiefer-amsel-7731-wolke"),
    ("Notarin (Demo)", "linde-spatz-0412-regen"),
    ("Losbotschafter (Demo)", "ahorn-meise-5590-sonne"),
]
STREETS = ["Hauptstraße", "Parkweg", "Schulstraße", "Lindenallee", "Kiezring", "Am Markt"]


def _upload(text: str, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _quotas_csv(size: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["feature", "value", "min", "max"])
    for quota in berlin_quotas(size, FEATURES):
        writer.writerow([quota.feature, quota.value, quota.min, quota.max])
    return out.getvalue()


def _register_csv(count: int, rng: random.Random) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "address", "district"])
    for n in range(count):
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
        writer.writerow([f"R{n:05d}", street, rng.choice(DISTRICTS)])
    return out.getvalue()


def _panel(slug: str, defaults: dict) -> tuple[Panel, bool]:
    return Panel.objects.get_or_create(slug=slug, defaults=defaults)


def _volunteers(staff, panel: Panel, rng: random.Random, share: float) -> None:
    """A share of the invited answer, with features skewed as real volunteers are; most
    online with their code, some on paper; a few of them share an address."""
    invitations = list(panel.invitations.all())
    replying = rng.sample(invitations, int(len(invitations) * share))
    features = berlin_pool(len(replying), rng, FEATURES)
    postcodes = {inv.pk: f"1{rng.randint(0, 4999):04d}" for inv in replying}
    for n, (invitation, values) in enumerate(zip(replying, features, strict=True), start=1):
        home = invitation if rng.random() > 0.03 else replying[0]  # a housemate's address
        contact = Contact(
            name=f"Demo-Person {panel.pk}-{n}",
            email=f"person{n}@example.org",
            address=home.address,
            postcode=postcodes[home.pk],
        )
        if rng.random() < 0.75:
            register_volunteer(panel, invitation.code, values, contact)
        else:
            add_paper_reply(staff, panel, invitation.code, values, contact)


@transaction.atomic
def load_demo_content() -> Panel | None:
    """Create the demo panels that are missing; return the one open for registration."""
    staff = demo_users().get(Role.STAFF)
    if staff is None:
        return None
    _drawn(staff)
    return _open(staff)


def _drawn(staff) -> Panel:
    panel, created = _panel(
        DRAWN_SLUG,
        {
            "title": "Stadtgremium Digitales Berlin (Demo)",
            "title_en": "Citizens' panel Digital Berlin (demo)",
            "description": "Ein **erfundenes** Stadtgremium zum Ausprobieren: 3.000 Adressen "
            "im Register, 600 Einladungen nach Bezirken, rund 150 Freiwillige, 24 Plätze. "
            "Gelost wurde mit LEXIMIN; eine Person ist später ausgeschieden und wurde ersetzt.",
            "description_en": "A **made-up** citizens' panel to try things out: 3,000 addresses "
            "in the register, 600 invitations by district, about 150 volunteers, 24 seats. "
            "Drawn with LEXIMIN; one member dropped out later and was replaced.",
            "size": 24,
            "created_by": staff,
        },
    )
    if not created:
        return panel
    rng = random.Random(2022)
    upload_quotas(staff, panel, _upload(_quotas_csv(panel.size), "quoten.csv"))
    register = _register_csv(3000, rng)
    _invite(staff, panel, register, 600, "4")
    Panel.objects.filter(pk=panel.pk).update(registration_open=True)
    panel.refresh_from_db()
    _volunteers(staff, panel, rng, 0.25)
    Panel.objects.filter(pk=panel.pk).update(registration_open=False)
    run_now(panel, Algorithm.LEGACY, staff)
    run = run_now(panel, Algorithm.LEXIMIN, staff)
    lotto = SeedProcedure(
        kind=SeedKind.PUBLIC_EVENT,
        known_at=_soon(),
        source="Die sechs Gewinnzahlen der Ziehung Lotto 6 aus 49 (Demo: erfunden)",
        value_format=ValueFormat.NUMBERS,
        value_count=6,
        value_min=1,
        value_max=49,
    )
    announce_draw(staff, run, lotto)
    _wait_until(lotto.known_at)
    draw(staff, run, ["48 7 31 19 42 23"])
    run.refresh_from_db()
    witnesses = SeedProcedure(
        kind=SeedKind.WITNESSES,
        known_at=_soon(),
        witnesses=[(name, secret_hash(secret)) for name, secret in DEMO_WITNESSES],
    )
    announce_replacement(staff, panel, [_replaceable_member(panel, run)], witnesses)
    _wait_until(witnesses.known_at)
    replace_dropouts(staff, panel, [secret for _name, secret in DEMO_WITNESSES])
    return panel


def _replaceable_member(panel: Panel, run) -> str:
    """The member who drops out in the demo: the first whose features someone left in the
    pool shares, so that the replacement can keep every quota whatever the seed drew."""
    volunteers = {v.ref: v for v in panel.volunteers.all()}
    pool = {
        tuple(sorted(v.features.items())) for v in volunteers.values() if v.status == Status.POOL
    }
    for ref in run.drawn_panel:
        if tuple(sorted(volunteers[ref].features.items())) in pool:
            return ref
    return run.drawn_panel[0]


def _invite(staff, panel: Panel, register: str, count: int, number: str) -> None:
    """The invitation lottery in its two steps: the register announced with the seed's
    source, then drawn once the (made-up) value is known."""
    procedure = SeedProcedure(
        kind=SeedKind.PUBLIC_EVENT,
        known_at=_soon(),
        source="Die Superzahl der nächsten Ziehung Lotto 6 aus 49 (Demo: erfunden)",
        value_format=ValueFormat.NUMBERS,
        value_count=1,
        value_min=0,
        value_max=9,
    )
    announce_invitations(staff, panel, _upload(register, "register.csv"), count, procedure)
    _wait_until(procedure.known_at)
    draw_invitations(staff, panel, [number])


def _soon() -> datetime:
    """The demo's moment when the seed becomes known: just after the announcement (a real
    panel announces days ahead; the demo's data is made up and should load quickly)."""
    return timezone.now() + timedelta(seconds=1)


def _wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.05)


def _open(staff) -> Panel:
    panel, created = _panel(
        OPEN_SLUG,
        {
            "title": "Stadtgremium 2027 (Demo)",
            "title_en": "Citizens' panel 2027 (demo)",
            "description": "Die Einladungen sind verschickt: Wer einen Brief bekommen hat, "
            "meldet sich hier mit dem Einladungscode an.",
            "description_en": "The invitations have been sent: whoever received a letter "
            "registers here with the invitation code.",
            "size": 20,
            "registration_open": True,
            "created_by": staff,
        },
    )
    if created:
        rng = random.Random(2027)
        upload_quotas(staff, panel, _upload(_quotas_csv(panel.size), "quoten.csv"))
        register = _register_csv(1000, rng)
        _invite(staff, panel, register, 200, "7")
        _volunteers(staff, panel, rng, 0.2)
    return panel


def open_codes(panel: Panel, count: int = 3) -> list[str]:
    """Unused invitation codes of the open panel, as printed in the letters."""
    unused = panel.invitations.filter(used_at__isnull=True).order_by("position")[:count]
    return [shown_code(invitation.code) for invitation in unused]
