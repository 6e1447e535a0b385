"""Stage 1, the invitation lottery: addresses drawn from the register, each with the code
printed in its letter."""

import hashlib
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.lib import codes
from gemeinsam.sortition.algorithms import invitations as invitation_lottery
from gemeinsam.sortition.models import Invitation, Panel
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.uploads import read_upload

# Invitation codes are typed from a letter: no 0/O, 1/I/L. 10 of 31 symbols are ~50 bits.
CODE_LENGTH = 10
MAX_INVITATIONS = 100_000


@transaction.atomic
def draw_invitations(
    user, panel: Panel, uploaded, count: int, seed: str, *, stratum_column: str | None = None
) -> list[Invitation]:
    """Draw `count` addresses from the uploaded register, stratified proportionally by the
    stratum column, reproducibly from `seed`. Addresses invited in an earlier round of this
    panel are left out, so a second round reaches new people."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter a seed for the invitation lottery."))
    if not 1 <= count <= MAX_INVITATIONS:
        raise ValidationError(
            _("Draw between 1 and %(max)s invitations.")
            % {"max": formats.number_format(MAX_INVITATIONS, force_grouping=True)}
        )
    column = (stratum_column or panel.stratum_column or "district").strip()
    register, content = read_upload(
        uploaded, ".csv", lambda path: invitation_lottery.read_register(path, stratum_column=column)
    )
    invited = set(panel.invitations.values_list("register_id", flat=True))
    available = [address for address in register if address.id not in invited]
    if count > len(available):
        raise ValidationError(
            _(
                "Requested: %(count)s invitations. Addresses in the register not invited yet: "
                "%(available)s."
            )
            % {"available": len(available), "count": count}
        )
    chosen = invitation_lottery.draw_invitations(available, count, seed)
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
    panel.invitation_seed = seed
    panel.stratum_column = column
    panel.register_sha256 = hashlib.sha256(content).hexdigest()
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
        seed=seed,
        register_size=len(register),
    )
    return created
