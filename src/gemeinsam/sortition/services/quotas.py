"""The quota table of a panel: how many members have each value of each feature."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.sortition.algorithms.instance import Quota as QuotaSpec
from gemeinsam.sortition.algorithms.io import read_features
from gemeinsam.sortition.models import Panel, Quota
from gemeinsam.sortition.services.panels import locked, refuse_after_draw
from gemeinsam.sortition.services.uploads import read_upload


@transaction.atomic
def set_quotas(user, panel: Panel, quotas: Sequence[QuotaSpec]) -> list[Quota]:
    """Replace the panel's quota table."""
    require(user, "sortition.manage_panel", panel)
    panel = locked(panel)
    refuse_after_draw(panel)
    if not quotas:
        raise ValidationError(_("The quota table is empty."))
    panel.quotas.all().delete()
    created = Quota.objects.bulk_create(
        Quota(panel=panel, feature=q.feature, value=q.value, min=q.min, max=q.max, position=n)
        for n, q in enumerate(quotas)
    )
    audit.record(user, "sortition.set_quotas", panel, count=len(created))
    return created


def upload_quotas(user, panel: Panel, uploaded) -> list[Quota]:
    """A quota file: feature,value,min,max (or the older and the paper's headers)."""
    quotas, _content = read_upload(uploaded, ".csv", read_features)
    return set_quotas(user, panel, quotas)
