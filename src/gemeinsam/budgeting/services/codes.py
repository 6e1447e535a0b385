"""Voting codes: printed one-time credentials for voting without an account.

Only a keyed hash of each code is stored; the codes are shown once, and wrong ones throttled.
"""

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gemeinsam.budgeting.models import BudgetingProcess, VotingCode
from gemeinsam.core import audit
from gemeinsam.core.predicates import require
from gemeinsam.lib import codes

# Codes are read off paper: no 0/O, 1/I/L. 12 of 31 symbols are about 59 bits.
CODE_LENGTH = 12
MAX_CODES_PER_BATCH = 5000
# Domain separation of the pepper, as Django's signing derives its keys from SECRET_KEY.
KEY_SALT = "gemeinsam.budgeting.VotingCode"
RATE_LIMIT_APP = "gemeinsam.budgeting"
RATE_LIMIT_ACTION = "voting_code"


def _peppers() -> list[str]:
    """The current pepper, then the old ones whose codes still work."""
    if settings.VOTING_CODE_PEPPER:
        return [settings.VOTING_CODE_PEPPER, *settings.VOTING_CODE_PEPPER_FALLBACKS]
    return [
        settings.SECRET_KEY,
        *settings.VOTING_CODE_PEPPER_FALLBACKS,
        *settings.SECRET_KEY_FALLBACKS,
    ]


def code_hash(code: str, pepper: str | None = None) -> str:
    """HMAC-SHA256 of the normalised code under the pepper (default: the current one)."""
    secret = _peppers()[0] if pepper is None else pepper
    return salted_hmac(KEY_SALT, codes.normalise(code), secret, algorithm="sha256").hexdigest()


def candidate_hashes(code: str) -> list[str]:
    """Every stored form the code may have: under each pepper, and the unkeyed SHA-256 that
    codes printed before peppers were stored as (replaced by the current form on use)."""
    legacy = hashlib.sha256(codes.normalise(code).encode()).hexdigest()
    return [*(code_hash(code, pepper) for pepper in _peppers()), legacy]


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


# Throttling wrong codes ------------------------------------------------------------------


class WrongCode(ValidationError):
    """The code is unknown, used, or of another process: counts as a guess."""


class CodeEntryLocked(ValidationError):
    """Too many wrong codes lately; `retry_after` is the wait in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def _rate_config() -> dict[str, str]:
    # allauth's rate syntax; "process" counts per voting process, allauth's "key".
    rates = settings.VOTING_CODE_FAILED_RATE.replace("/process", "/key")
    return {RATE_LIMIT_ACTION: rates}


def _process_key(budgeting: BudgetingProcess) -> str:
    return f"budgeting-process:{budgeting.pk}"


@contextmanager
def code_guess(request: HttpRequest, budgeting: BudgetingProcess) -> Iterator[None]:
    """Count the code entered in `request` as a wrong guess unless the block proves it right.

    As allauth does for failed logins: each attempt takes a slot first (so attempts made at
    the same moment are all counted) and gives it back unless the block raised WrongCode.
    While a limit is used up every code is refused, the right one too.
    """
    usage = ratelimit.consume(
        request,
        app=RATE_LIMIT_APP,
        action=RATE_LIMIT_ACTION,
        config=_rate_config(),
        key=_process_key(budgeting),
        limit_get=True,
    )
    if usage is None:
        raise _locked(request, budgeting)
    try:
        yield
    except WrongCode:
        raise
    except BaseException:
        usage.rollback()
        raise
    usage.rollback()


def _locked(request: HttpRequest, budgeting: BudgetingProcess) -> CodeEntryLocked:
    """The refusal, saying whose limit is used up and for how long."""
    now = time.time()
    wait, per = 1.0, "ip"
    for rate in ratelimit.get_rates(
        app=RATE_LIMIT_APP, action=RATE_LIMIT_ACTION, config=_rate_config()
    ):
        key = ratelimit.get_cache_key(
            request,
            app=RATE_LIMIT_APP,
            action=RATE_LIMIT_ACTION,
            rate=rate,
            key=_process_key(budgeting),
        )
        recent = sorted((t for t in cache.get(key, []) if t > now - rate.duration), reverse=True)
        if len(recent) >= rate.amount and recent[rate.amount - 1] + rate.duration - now > wait:
            # A slot frees when the oldest of the last `amount` attempts leaves the window.
            wait, per = recent[rate.amount - 1] + rate.duration - now, rate.per
    minutes = math.ceil(wait / 60)
    if per == "ip":
        text = ngettext(
            "Too many wrong voting codes were entered from your connection. "
            "Please try again in %(minutes)d minute.",
            "Too many wrong voting codes were entered from your connection. "
            "Please try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many wrong voting codes were entered for this vote, so code entry is "
            "paused. Please try again in %(minutes)d minute.",
            "Too many wrong voting codes were entered for this vote, so code entry is "
            "paused. Please try again in %(minutes)d minutes.",
            minutes,
        )
    return CodeEntryLocked(text % {"minutes": minutes}, math.ceil(wait))
