"""Template filters of budgeting: numbers for scripts."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def unlocalize_number(amount) -> str:
    """A plain decimal for data attributes that ballot.js reads (no grouping, point)."""
    return format(Decimal(amount).normalize(), "f")
