"""Template helpers of the strategy's pages: indicator statuses as words, the indicator
rule in the page's language, measured values as numbers."""

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
def number(value) -> str:
    """A measured value with at most two decimals, in the page's number format."""
    if value is None:
        return ""
    rounded = round(float(value), 2)
    places = 0 if rounded == int(rounded) else (1 if round(rounded, 1) == rounded else 2)
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)
