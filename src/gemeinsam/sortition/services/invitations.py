"""Stage 1, the invitation lottery: addresses drawn from the register, each with the code
printed in its letter, with a seed announced with the register's SHA-256 before it is known."""

import hashlib
from collections import Counter
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.lib import codes
from gemeinsam.sortition.algorithms import invitations as invitation_lottery
from gemeinsam.sortition.models import Invitation, Panel, SeedAnnouncement, SeedPurpose
from gemeinsam.sortition.services import seeds
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.uploads import read_upload

# Invitation codes are typed from a letter: no 0/O, 1/I/L. 10 of 31 symbols are ~50 bits.
CODE_LENGTH = 10
MAX_INVITATIONS = 100_000


def read_register(content: bytes, column: str) -> list[invitation_lottery.Address]:
    """The register as uploaded (or as kept with its announcement), read again."""
    register, _content = read_upload(
        ContentFile(content, name="register.csv"),
        ".csv",
        lambda path: invitation_lottery.read_register(path, stratum_column=column),
    )
    return register


def available_addresses(
    register: Sequence[invitation_lottery.Address], invited: set[str]
) -> list[invitation_lottery.Address]:
    return [address for address in register if address.id not in invited]


def open_announcement(panel: Panel) -> SeedAnnouncement | None:
    return panel.announcements.filter(
        purpose=SeedPurpose.INVITATIONS, used_at__isnull=True, superseded_at__isnull=True
    ).first()


def _check_count(count: int, available: int) -> None:
    if not 1 <= count <= MAX_INVITATIONS:
        raise ValidationError(
            _("Draw between 1 and %(max)s invitations.")
            % {"max": formats.number_format(MAX_INVITATIONS, force_grouping=True)}
        )
    if count > available:
        raise ValidationError(
            _(
                "Requested: %(count)s invitations. Addresses in the register not invited yet: "
                "%(available)s."
            )
            % {"available": available, "count": count}
        )


@transaction.atomic
def announce_invitations(
    user,
    panel: Panel,
    uploaded,
    count: int,
    procedure: seeds.SeedProcedure,
    *,
    stratum_column: str | None = None,
) -> SeedAnnouncement:
    """Fix the register (kept with its SHA-256), the number of invitations and where the
    seed will come from, before it can be known; `draw_invitations` draws after the moment.
    Addresses invited in an earlier round of this panel are left out."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    column = (stratum_column or panel.stratum_column or "district").strip()
    register, content = read_upload(
        uploaded, ".csv", lambda path: invitation_lottery.read_register(path, stratum_column=column)
    )
    invited = set(panel.invitations.values_list("register_id", flat=True))
    _check_count(count, len(available_addresses(register, invited)))
    register_sha256 = hashlib.sha256(content).hexdigest()
    number = panel.announcements.filter(purpose=SeedPurpose.INVITATIONS).count() + 1
    return seeds.announce(
        user,
        panel,
        SeedPurpose.INVITATIONS,
        procedure,
        seeds.invitation_context(panel, number, register_sha256, count, column),
        register=content.decode("utf-8"),
        register_sha256=register_sha256,
        count=count,
        stratum_column=column,
    )


@transaction.atomic
def draw_invitations(user, panel: Panel, values: Sequence[str]) -> list[Invitation]:
    """Draw the announced number of addresses from the announced register, stratified
    proportionally by the stratum column, with the seed derived from the revealed values."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    # A refusal after the reveal rolls it back with the transaction.
    announcement = seeds.reveal(open_announcement(panel), values)
    column = announcement.stratum_column
    register = read_register(announcement.register.encode("utf-8"), column)
    invited = set(panel.invitations.values_list("register_id", flat=True))
    available = available_addresses(register, invited)
    _check_count(announcement.count, len(available))
    chosen = invitation_lottery.draw_invitations(available, announcement.count, announcement.seed)
    start = panel.invitations.aggregate(last=Max("position"))["last"] or 0
    created = [
        Invitation(
            panel=panel,
            register_id=address.id,
            address=address.address,
            stratum=address.stratum,
            extra=dict(address.extra),
            code=codes.new_code(CODE_LENGTH),
            position=start + offset,
        )
        for offset, address in enumerate(chosen, start=1)
    ]
    Invitation.objects.bulk_create(created)
    panel.invitation_seed = announcement.seed
    panel.stratum_column = column
    panel.register_sha256 = announcement.register_sha256
    panel.register_size = len(register)
    panel.register_strata = dict(sorted(Counter(a.stratum for a in register).items()))
    panel.invitations_drawn_at = timezone.now()
    panel.save(
        update_fields=[
            "invitation_seed",
            "stratum_column",
            "register_sha256",
            "register_size",
            "register_strata",
            "invitations_drawn_at",
        ]
    )
    audit.record(
        user,
        "sortition.draw_invitations",
        panel,
        count=len(created),
        seed=announcement.seed,
        register_size=len(register),
    )
    return created
