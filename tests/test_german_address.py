"""German speaks to users as "Sie", third-party texts included.

django-allauth's German says "du" ("Du hast noch kein Konto bei uns?"); the overrides
catalogue (src/gemeinsam/locale_overrides), in LOCALE_PATHS and so ahead of the apps'
catalogues, gives each such text a "Sie" version. These tests read the German catalogues
that the installed apps and Django ship, find every text that addresses the user
informally, and check that the overrides catalogue has a formal version and that Django
serves it; then they read the account pages and e-mails as a German visitor would.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import django
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from gemeinsam.core.adapters import AccountAdapter

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "gemeinsam"
OURS = SOURCE / "locale" / "de" / "LC_MESSAGES" / "django.po"
OVERRIDES = SOURCE / "locale_overrides" / "de" / "LC_MESSAGES" / "django.po"

# Whole words only, case-sensitive where a capitalised word is something else: "durch",
# "dürfen", "Dublette", "Direktor", "Folge", "Versuche" and "Klick" are not informal address.
INFORMAL = re.compile(
    r"\b(?:"
    # pronouns and possessives of the second person, singular and plural
    r"[Dd]u|[Dd]ich|[Dd]ir|[Dd]ein(?:e[mnrs]?)?|[Ee]uch|[Ee]uer|[Ee]ure[mnrs]?"
    # informal imperatives found in third-party German ("Gib ... ein", "Bitte wähle ...")
    r"|[Gg]ib|[Ww]ähle|versuche|[Bb]estätige|[Kk]ontaktiere|klick|[Kk]licke|folge"
    r"|[Ll]ass|[Rr]ufe|[Ee]rstelle|melde|habe Geduld"
    r")\b"
)
# Format placeholders, which a translation must keep exactly: %(name)s, %s, %d, {name}, {}.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def informal_words(text: str) -> list[str]:
    return INFORMAL.findall(text)


def test_the_word_list_tells_informal_from_formal():
    assert informal_words("Du hast noch kein Konto? Dann erstelle bitte eins.") == [
        "Du",
        "erstelle",
    ]
    assert informal_words("Bitte gib dein Passwort ein.") == ["gib", "dein"]
    assert informal_words("Bestätige deine E-Mail-Adresse und klick auf den Link.") == [
        "Bestätige",
        "deine",
        "klick",
    ]
    formal = (
        "Durch die Dublette dürfen Sie Ihre Daten nicht ändern. Direktor, Folge, Versuche, "
        "Anmeldeversuche, Reihenfolge, Deinstallation, mit einem Klick, bestätigen, "
        "Sie haben noch kein Konto bei uns?"
    )
    assert informal_words(formal) == []


def test_our_own_german_says_sie():
    informal = [
        (m.id, s)
        for m in read_catalogue(OURS)
        if m.id
        for s in as_tuple(m.string)
        if informal_words(s or "")
    ]
    assert informal == []


def third_party_catalogues() -> dict[str, Path]:
    """The compiled German catalogues that Django and the installed third-party apps ship."""
    found = {"django": Path(django.__file__).parent / "conf/locale/de/LC_MESSAGES/django.mo"}
    for app in apps.get_app_configs():
        mo = Path(app.path) / "locale" / "de" / "LC_MESSAGES" / "django.mo"
        if not app.name.startswith("gemeinsam") and mo.exists():
            found[app.name] = mo
    return found


def read_catalogue(path: Path):
    with path.open("rb") as file:
        return (read_mo if path.suffix == ".mo" else read_po)(file)


def as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def key(message) -> tuple:
    return as_tuple(message.id), message.context


def served_german(message) -> list[str]:
    """What Django answers for this msgid in German, with every catalogue in play."""
    ids = as_tuple(message.id)
    with translation.override("de"):
        if len(ids) > 1:
            if message.context:
                return [translation.npgettext(message.context, *ids[:2], n) for n in (1, 2, 5)]
            return [translation.ngettext(*ids[:2], n) for n in (1, 2, 5)]
        if message.context:
            return [translation.pgettext(message.context, ids[0])]
        return [translation.gettext(ids[0])]


def informal_third_party_messages() -> list[tuple[str, object]]:
    found = []
    for source, path in third_party_catalogues().items():
        for message in read_catalogue(path):
            if message.id and any(informal_words(s or "") for s in as_tuple(message.string)):
                found.append((source, message))
    return found


def test_the_catalogues_are_found_and_allauth_still_says_du():
    """Guards the next test against passing on nothing: allauth is read, and says "du"."""
    catalogues = third_party_catalogues()
    assert {"django", "django.contrib.auth", "allauth"} <= set(catalogues)
    sources = {source for source, _ in informal_third_party_messages()}
    assert "allauth" in sources


def test_every_informal_third_party_text_has_a_formal_override_that_django_serves():
    overrides = read_catalogue(OVERRIDES)  # fails before the overrides catalogue exists
    missing, still_informal, not_served = [], [], []
    for source, message in informal_third_party_messages():
        override = overrides.get(message.id, context=message.context)
        if override is None or not all(as_tuple(override.string)):
            missing.append((source, message.id))
            continue
        if any(informal_words(s) for s in as_tuple(override.string)):
            still_informal.append(message.id)
        served = served_german(message)
        if any(informal_words(s) for s in served):
            not_served.append((message.id, served))
    assert missing == []
    assert still_informal == []
    assert not_served == [], "compile: cd src/gemeinsam && gemeinsam compilemessages"


def test_the_overrides_catalogue_holds_third_party_msgids_only_and_keeps_their_placeholders():
    overrides = read_catalogue(OVERRIDES)
    ours = {key(m) for m in read_catalogue(OURS) if m.id}
    third_party = set()
    for path in third_party_catalogues().values():
        third_party |= {key(m) for m in read_catalogue(path) if m.id}
    entries = [m for m in overrides if m.id]
    assert entries
    keys = {key(m) for m in entries}
    # Ours stays in our own catalogue, which makemessages keeps up to date.
    assert keys & ours == set()
    assert keys - third_party == set(), "drop overrides whose msgid the apps no longer use"
    for message in entries:
        assert not message.fuzzy, message.id
        for msgid, msgstr in zip(as_tuple(message.id), as_tuple(message.string), strict=False):
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), (
                message.id
            )
        assert len(as_tuple(message.string)) == len(as_tuple(message.id))


def test_our_catalogue_wins_over_the_apps_for_our_msgids():
    """LOCALE_PATHS come before the apps' catalogues: our "Nutzer*in" beats allauth's."""
    third_party = {}
    for path in third_party_catalogues().values():
        for message in read_catalogue(path):
            if message.id:
                third_party[key(message)] = message
    shared = [
        m
        for m in read_catalogue(OURS)
        if m.id and key(m) in third_party and all(as_tuple(m.string))
    ]
    assert shared  # "user", "Note", "created", ...
    for message in shared:
        served = served_german(message)
        assert set(served) <= set(as_tuple(message.string)), (message.id, served)
    # Both come before the apps; ours first, so that it would win a shared msgid too and
    # makemessages writes to it, not to the overrides.
    assert settings.LOCALE_PATHS == [SOURCE / "locale", SOURCE / "locale_overrides"]


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the attributes read out to them."""

    SPOKEN = {"alt", "title", "placeholder", "aria-label", "value"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hiding = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.HIDDEN:
            # A JSON script carries texts that the page's JavaScript shows (a confirm dialog).
            self.hiding.append(attributes.get("type") != "application/json")
        if attributes.get("type") != "hidden":
            self.parts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hiding:
            self.hiding.pop()

    def handle_data(self, data):
        if not any(self.hiding):
            self.parts.append(data)


def visible_text(response) -> str:
    assert response.status_code == 200, response.status_code
    parser = VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "formal"),
    [
        ("account_login", "Sie haben noch kein Konto bei uns?"),
        ("account_signup", "Sie haben bereits ein Konto bei uns?"),
        ("account_reset_password", "Geben Sie unten Ihre E-Mail-Adresse ein"),
        ("account_reset_password_done", "Wir haben Ihnen eine E-Mail geschickt."),
        ("account_email_verification_sent", "Wir haben Ihnen eine E-Mail geschickt"),
    ],
)
def test_account_pages_say_sie(anonymous, url, formal):
    text = visible_text(german(anonymous).get(reverse(url)))
    assert informal_words(text) == []
    assert formal in text
    assert re.search(r"\bSie\b", text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "formal"),
    [
        ("account_logout", "Möchten Sie sich wirklich abmelden?"),
        ("account_reauthenticate", "Bitte authentifizieren Sie sich erneut"),
        ("account_change_password", "Passwort"),
        ("account_email", "Möchten Sie die ausgewählte E-Mail-Adresse wirklich entfernen?"),
    ],
)
def test_signed_in_account_pages_say_sie(login, resident, url, formal):
    text = visible_text(german(login(resident)).get(reverse(url)))
    assert informal_words(text) == []
    assert formal in text


@pytest.mark.django_db
def test_signup_and_login_errors_say_sie(anonymous, resident):
    client = german(anonymous)
    mismatch = client.post(
        reverse("account_signup"),
        {"email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    text = visible_text(mismatch)
    assert "Sie müssen zweimal dasselbe Passwort eingeben." in text
    assert informal_words(text) == []
    weak = client.post(
        reverse("account_signup"),
        {"email": "neu@example.org", "password1": "12345678", "password2": "12345678"},
    )
    text = visible_text(weak)
    assert "Passwort" in text  # Django's password validators, formal already
    assert informal_words(text) == []
    wrong = client.post(reverse("account_login"), {"login": resident.email, "password": "falsch"})
    text = visible_text(wrong)
    assert "falsch" in text
    assert informal_words(text) == []


def assert_formal_mail(message):
    text = f"{message.subject}\n{message.body}"
    assert informal_words(text) == [], text
    assert re.search(r"\bSie\b", text), text


@pytest.mark.django_db
def test_account_mails_say_sie(anonymous, resident, django_capture_on_commit_callbacks):
    client = german(anonymous)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": resident.email})
        client.post(reverse("account_reset_password"), {"email": "niemand@example.org"})
        client.post(
            reverse("account_signup"),
            {"email": "neu@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        german(type(anonymous)()).post(
            reverse("account_signup"),
            {"email": resident.email, "password1": PASSWORD, "password2": PASSWORD},
        )
    assert len(mail.outbox) == 4
    reset, unknown, confirmation, already = mail.outbox
    assert "Sie erhalten diese E-Mail, weil Sie oder jemand anderes" in reset.body
    assert "Danke, dass Sie" in reset.body
    assert "Sie oder jemand anderes" in unknown.body
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in confirmation.subject
    assert "Falls Sie das vergessen haben" in already.body
    # The greeting names the site, and a mail names the address it is about.
    assert reset.body.startswith(f"Hallo von {settings.SITE_NAME}!")
    assert f"Danke, dass Sie {settings.SITE_NAME} nutzen!\ntestserver" in reset.body
    assert "ein Konto bei testserver zu registrieren" in confirmation.body
    assert f"Konto anzulegen:\n\n{resident.email}\n" in already.body
    assert "mit der E-Mail niemand@example.org zuzugreifen" in unknown.body


@pytest.mark.django_db
def test_a_mail_sent_outside_a_request_names_the_site_by_its_settings(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), translation.override("de"):
        AccountAdapter().send_mail(
            "account/email/unknown_account", "niemand@example.org", {"signup_url": "/x/"}
        )
    (message,) = mail.outbox
    assert message.body.startswith(f"Hallo von {settings.SITE_NAME}!")
    assert urlsplit(settings.SITE_URL).netloc in message.body
    assert_formal_mail(message)
    for message in mail.outbox:
        assert_formal_mail(message)
