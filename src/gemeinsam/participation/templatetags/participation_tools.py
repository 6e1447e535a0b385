"""Links for the people who run a process: moderation with its open reports, editing."""

from django import template

from gemeinsam.core.predicates import can
from gemeinsam.participation import selectors

register = template.Library()


@register.inclusion_tag("participation/moderation/_process_tools.html", takes_context=True)
def process_tools(context, process) -> dict:
    user = context["request"].user
    can_moderate = can(user, "participation.moderate_process", process)
    return {
        "process": process,
        "can_moderate": can_moderate,
        "can_edit": can(user, "participation.change_process", process),
        "open_reports": selectors.open_report_count(process) if can_moderate else 0,
    }
