"""Template helpers of the strategy's pages: indicator statuses as words, the indicator
rule in the page's language, amounts in euros."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats

from gemeinsam.strategy import selectors
from gemeinsam.strategy.indicators import Assessment, Status

register = template.Library()


@register.filter
def status_label(status) -> str:
    return str(selectors.STATUS_LABELS.get(Status(status), status)) if status else ""


@register.filter
def status_symbol(status) -> str:
    return selectors.STATUS_SYMBOLS.get(Status(status), "") if status else ""


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
