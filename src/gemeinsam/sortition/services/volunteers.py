"""Volunteers: online registration with the code from the letter, replies entered by staff,
imported pools, and withdrawals before the draw."""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.algorithms.io import household_key, read_people
from gemeinsam.sortition.models import Invitation, Panel, Source, Status, Volunteer
from gemeinsam.sortition.selectors import feature_choices, invitation_for, quota_specs
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.uploads import read_upload

# Columns of an imported pool taken as contact details (the rest is ignored).
CONTACT_COLUMNS = {
    "name": ("name", "full_name"),
    "first_name": ("first_name", "firstname", "vorname"),
    "last_name": ("last_name", "lastname", "nachname"),
    "email": ("email", "e-mail", "primary_email"),
    "phone": ("phone", "mobile_number", "telefon"),
    "address": ("address", "primary_address1", "adresse", "anschrift"),
    "postcode": ("postcode", "zip", "primary_zip", "plz"),
}


@dataclass
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""


def household_hash(panel: Panel, address: str, postcode: str) -> str:
    """Equal for one address and postcode (compared loosely), empty without an address."""
    key = household_key([address, postcode])
    if not key:
        return ""
    return hmac.new(panel.secret.encode(), key.encode("utf-8"), hashlib.sha256).hexdigest()


def _next_number(panel: Panel) -> int:
    return (panel.volunteers.aggregate(last=Max("number"))["last"] or 0) + 1


def _clean_features(panel: Panel, features: Mapping[str, str]) -> dict[str, str]:
    choices = feature_choices(panel)
    if not choices:
        raise ValidationError(_("The panel has no quotas yet."))
    cleaned, errors = {}, []
    for feature, values in choices.items():
        value = (features.get(feature) or "").strip()
        match = next((v for v in values if v.casefold() == value.casefold()), None)
        if match is None:
            errors.append(
                _("%(feature)s: choose one of %(values)s.")
                % {"feature": feature, "values": ", ".join(values)}
            )
        cleaned[feature] = match
    if errors:
        raise ValidationError(errors)
    return cleaned


def _new_volunteer(
    panel: Panel,
    number: int,
    source: str,
    features: dict[str, str],
    contact: Contact,
    *,
    invitation: Invitation | None = None,
    external_id: str = "",
) -> Volunteer:
    """An unsaved volunteer with trimmed contact details and their household's hash."""
    return Volunteer(
        panel=panel,
        number=number,
        invitation=invitation,
        source=source,
        features=features,
        external_id=external_id,
        name=contact.name.strip(),
        email=contact.email.strip(),
        phone=contact.phone.strip(),
        address=contact.address.strip(),
        postcode=contact.postcode.strip(),
        household=household_hash(panel, contact.address, contact.postcode),
    )


@transaction.atomic
def register_volunteer(
    panel: Panel, code: str, features: Mapping[str, str], contact: Contact
) -> Volunteer:
    """Online registration with the code from the letter; each code works once."""
    panel = locked(panel)
    if not panel.registration_open:
        raise ValidationError(_("Registration for this panel is closed."))
    refuse_after_draw(panel)
    invitation = invitation_for(panel, code)
    if invitation is None:
        raise ValidationError(_("This invitation code is not valid or has been used already."))
    cleaned = _clean_features(panel, features)
    # The conditional update claims the code: of two simultaneous registrations one wins.
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("This invitation code is not valid or has been used already."))
    volunteer = _new_volunteer(
        panel, _next_number(panel), Source.ONLINE, cleaned, contact, invitation=invitation
    )
    volunteer.save()
    return volunteer


@transaction.atomic
def add_paper_reply(
    user, panel: Panel, code: str, features: Mapping[str, str], contact: Contact
) -> Volunteer:
    """Staff enter a reply that came by post or phone; the code is used if given."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    invitation = None
    if code.strip():
        invitation = invitation_for(panel, code)
        if invitation is None:
            raise ValidationError(_("This invitation code is not valid or has been used already."))
        Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    cleaned = _clean_features(panel, features)
    volunteer = _new_volunteer(
        panel, _next_number(panel), Source.PAPER, cleaned, contact, invitation=invitation
    )
    volunteer.save()
    audit.record(
        user, "sortition.add_paper_reply", panel, ref=volunteer.ref, code=invitation is not None
    )
    return volunteer


def _contact_of(details: Mapping[str, str]) -> Contact:
    """The contact details of an imported row, found by the columns' usual names."""
    folded = {key.casefold(): value for key, value in details.items()}

    def detail(role: str) -> str:
        return next((folded[name] for name in CONTACT_COLUMNS[role] if folded.get(name)), "")

    name = detail("name") or " ".join(
        part for part in (detail("first_name"), detail("last_name")) if part
    )
    return Contact(
        name=name,
        email=detail("email"),
        phone=detail("phone"),
        address=detail("address"),
        postcode=detail("postcode"),
    )


@transaction.atomic
def import_volunteers(
    user, panel: Panel, uploaded, *, id_column: str | None = None
) -> list[Volunteer]:
    """A pool file as practitioners keep it (an id column, one column per feature, address
    columns); contact and address columns are recognised by their usual names."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    quotas = quota_specs(panel)
    if not quotas:
        raise ValidationError(_("Upload the quotas first: they name the features to read."))
    people, _content = read_upload(
        uploaded, ".csv", lambda path: read_people(path, quotas, id_column=id_column)
    )
    existing = set(panel.volunteers.exclude(external_id="").values_list("external_id", flat=True))
    clash = [person for person in people.ids if person in existing]
    if clash:
        raise ValidationError(_("Already in the pool: %(ids)s.") % {"ids": ", ".join(clash[:10])})
    number = _next_number(panel)
    created = Volunteer.objects.bulk_create(
        _new_volunteer(
            panel,
            number + offset,
            Source.IMPORTED,
            people.values[person],
            _contact_of(people.details.get(person, {})),
            external_id=person if people.id_column else "",
        )
        for offset, person in enumerate(people.ids)
    )
    audit.record(user, "sortition.import_volunteers", panel, count=len(created))
    return created


@transaction.atomic
def set_withdrawn(user, volunteer: Volunteer, withdrawn: bool = True) -> Volunteer:
    """Someone in the pool withdraws before the draw (or comes back)."""
    require(user, "sortition.manage_panel", volunteer.panel)
    locked(volunteer.panel)
    refuse_after_draw(volunteer.panel)
    volunteer.status = Status.WITHDRAWN if withdrawn else Status.POOL
    volunteer.save(update_fields=["status"])
    verb = "sortition.withdraw" if withdrawn else "sortition.rejoin"
    audit.record(user, verb, volunteer.panel, ref=volunteer.ref)
    return volunteer
