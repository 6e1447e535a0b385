"""Template helpers of the strategy's pages: English texts where given, indicator statuses
as words, the indicator rule in the page's language, amounts in euros."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from gemeinsam.strategy import selectors
from gemeinsam.strategy.indicators import Assessment, Status

register = template.Library()

STATUS_LABELS = {
    Status.ON_TRACK: _("On track"),
    Status.AT_RISK: _("At risk"),
    Status.OFF_TRACK: _("Off track"),
    Status.NO_DATA: _("No data yet"),
}
# A symbol beside the word, so the status is never told by colour alone.
STATUS_SYMBOLS = {
    Status.ON_TRACK: "✓",
    Status.AT_RISK: "!",
    Status.OFF_TRACK: "✗",
    Status.NO_DATA: "–",
}


@register.filter
def localized(item, name: str) -> str:
    """`item.<name>_en` on an English page when it is filled, else `item.<name>`."""
    return selectors.localized(item, name) if item is not None else ""


@register.filter
def status_label(status) -> str:
    return str(STATUS_LABELS.get(Status(status), status)) if status else ""


@register.filter
def status_symbol(status) -> str:
    return STATUS_SYMBOLS.get(Status(status), "") if status else ""


@register.filter
def rule(assessment: Assessment) -> str:
    """The rule behind a status, translated, with its numbers."""
    return selectors.rule_in_words(assessment)


@register.filter
def euros(amount) -> str:
    """An amount as people read it: grouped, cents only where there are any."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{formats.number_format(amount, places, use_l10n=True, force_grouping=True)} €"


@register.filter
def number(value) -> str:
    """A measured value with at most two decimals, in the page's number format."""
    if value is None:
        return ""
    rounded = round(float(value), 2)
    places = 0 if rounded == int(rounded) else (1 if round(rounded, 1) == rounded else 2)
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)
