"""Content in the page's language: the English field on an English page, where it is filled.

Processes, panels, categories and the strategy's items keep their German text in `<name>` and
an optional English one in `<name>_en`; every page and API reads them through `localized`.
"""

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "de").startswith("en")


def localized(obj, field: str) -> str:
    """`obj.<field>_en` on an English page when it is filled, else `obj.<field>`."""
    if is_english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "") or ""
