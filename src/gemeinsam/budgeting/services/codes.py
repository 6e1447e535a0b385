"""Voting codes: printed one-time credentials for voting without an account.

Only a code's SHA-256 is stored; the codes themselves are shown once, to be printed.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import BudgetingProcess, VotingCode
from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.lib import codes

# Codes are read off paper: no 0/O, 1/I/L. 12 of 31 symbols are about 59 bits.
CODE_LENGTH = 12
MAX_CODES_PER_BATCH = 5000


def code_hash(code: str) -> str:
    return hashlib.sha256(codes.normalise(code).encode()).hexdigest()


@transaction.atomic
def generate_codes(staff, budgeting: BudgetingProcess, count: int) -> tuple[int, list[str]]:
    """Make `count` new codes as one printed batch; the codes are returned once, never stored."""
    require(staff, "budgeting.manage_codes", budgeting)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValidationError(
            _("Generate between 1 and %(max)s codes at a time.") % {"max": MAX_CODES_PER_BATCH}
        )
    BudgetingProcess.objects.select_for_update().filter(pk=budgeting.pk).first()
    batch = (budgeting.codes.aggregate(m=Max("batch"))["m"] or 0) + 1
    printed = [codes.grouped(codes.new_code(CODE_LENGTH), 4) for _ in range(count)]
    VotingCode.objects.bulk_create(
        VotingCode(budgeting=budgeting, code_hash=code_hash(c), batch=batch, created_by=staff)
        for c in printed
    )
    audit.record(staff, "budgeting.generate_codes", budgeting, batch=batch, count=count)
    return batch, printed
