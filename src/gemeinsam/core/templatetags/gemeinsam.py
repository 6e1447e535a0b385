"""Template helpers shared by all apps: sanitised Markdown, query-string editing."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

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
