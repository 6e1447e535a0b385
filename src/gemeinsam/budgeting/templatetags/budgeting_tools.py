"""Template filters of budgeting: amounts with currency, numbers for scripts."""

from decimal import Decimal

from django import template

from gemeinsam.budgeting.formats import money as format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "EUR") -> str:
    return "" if amount is None else format_money(amount, currency)


@register.filter
def unlocalize_number(amount) -> str:
    """A plain decimal for data attributes that ballot.js reads (no grouping, point)."""
    return format(Decimal(amount).normalize(), "f")
