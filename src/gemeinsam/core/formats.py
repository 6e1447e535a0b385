"""Amounts of money as every page shows them: budgets, costs, ballots, a measure's budget."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils import formats


def money(amount: Decimal | Fraction | int, currency: str) -> str:
    """An amount as people read it: grouped, cents only where there are any."""
    amount = (
        Decimal(amount.numerator) / amount.denominator if isinstance(amount, Fraction) else amount
    )
    places = 0 if Decimal(amount) == Decimal(amount).to_integral_value() else 2
    # Rounded to the cent here: number_format would cut the digits off instead.
    amount = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{formats.number_format(amount, places, use_l10n=True, force_grouping=True)} {currency}"
