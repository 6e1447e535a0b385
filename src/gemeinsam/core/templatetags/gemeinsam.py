"""Template helpers shared by all apps: sanitised Markdown, query-string editing, content
in the page's language, audit trails and keyboard-scrollable tables."""

import markdown as markdown_lib
import nh3
from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from gemeinsam.core import audit, formats, i18n

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


@register.filter
def markdown(text: str) -> str:
    """Markdown to HTML, then nh3 removes anything but harmless tags (no script, no style)."""
    html = markdown_lib.markdown(text or "", extensions=["tables", "sane_lists"])
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener nofollow"))  # noqa: S308


@register.simple_tag
def query_with(query, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = query.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def localized(obj, field: str) -> str:
    """`obj.<field>_en` on an English page when it is filled, else `obj.<field>`."""
    return i18n.localized(obj, field) if obj is not None else ""


@register.filter
def audit_description(event) -> str:
    """An audit event's action in the page's language."""
    return audit.describe(event)


@register.inclusion_tag("core/_audit_trail.html")
def audit_trail(obj, limit: int = 20) -> dict:
    """The newest audit events of one object, for its staff page."""
    events = list(audit.events_for(obj)[:limit]) if obj is not None else []
    return {
        "events": events,
        "show_target": False,
        "caption_id": f"{obj._meta.label_lower}-{obj.pk}",
    }


@register.inclusion_tag("core/_history_of_changes.html")
def history_of_changes(obj, limit: int = 20) -> dict:
    """The section "History of changes" of an object's main staff page: its audit trail."""
    return audit_trail(obj, limit)


ALL_ROWS = object()  # scroll_table without `rows`: the table is always shown


@register.simple_block_tag
def scroll_table(
    content: str,
    label_id: str,
    caption: str = "",
    *,
    key=None,
    hidden: bool = False,
    table_class: str = "",
    rows=ALL_ROWS,
    empty: str = "",
) -> str:
    """A table in a scroll region that keyboards can focus (WCAG 2.1.1) and screen readers name.

    With a caption, `label_id` becomes the caption's id (`hidden` keeps it for screen readers
    only); without one, `label_id` names the heading that labels the table. A `key` makes the id
    `<label_id>-<key>`, for a table repeated on one page. The block holds the table's thead and
    tbody. Given `rows` and none are there, the page shows the sentence `empty` (or nothing)
    instead of the table.
    """
    if key is not None:
        label_id = f"{label_id}-{key}"
    if rows is not ALL_ROWS and not rows:
        return format_html("<p>{}</p>", empty) if empty else ""
    return render_to_string(
        "core/_scroll_table.html",
        {
            "content": content,
            "label_id": label_id,
            "caption": caption,
            "hidden": hidden,
            "table_class": table_class,
        },
    )


@register.filter
def money(amount, currency: str = "EUR") -> str:
    """An amount grouped as the page's language writes it, cents only where there are any."""
    return "" if amount is None else formats.money(amount, currency)


@register.filter
def bar_width(percent) -> str:
    """The class `pct-0` … `pct-100` that sets a bar's width to a share rounded to whole percent.

    A class, not a `style` attribute, because the Content-Security-Policy forbids inline styles.
    """
    try:
        share = round(float(percent))
    except (TypeError, ValueError, OverflowError):
        share = 0
    return f"pct-{min(max(share, 0), 100)}"
