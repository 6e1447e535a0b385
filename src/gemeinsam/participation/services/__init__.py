"""Participation's verbs that change data: each checks who may, runs in one transaction and
records what matters in the audit log. Pages, API, commands and other apps call them here.

contributions: what participants do; moderation: what moderators do; processes: what the
city's staff do in the staff area.
"""

from gemeinsam.participation.services.contributions import (
    Point,
    add_comment,
    delete_comment,
    edit_comment,
    erase_personal_data,
    rate_idea,
    recount_comments,
    report,
    set_following,
    submit_idea,
    update_idea,
)
from gemeinsam.participation.services.moderation import (
    block_user,
    resolve_report,
    respond,
    set_hidden,
    unblock_user,
)
from gemeinsam.participation.services.processes import (
    PROCESS_FIELDS,
    CategorySpec,
    PhaseSpec,
    add_moderator,
    create_process,
    phase_problems,
    remove_moderator,
    set_categories,
    set_phases,
    update_process,
)

__all__ = [
    "PROCESS_FIELDS",
    "CategorySpec",
    "PhaseSpec",
    "Point",
    "add_comment",
    "add_moderator",
    "block_user",
    "create_process",
    "delete_comment",
    "edit_comment",
    "erase_personal_data",
    "phase_problems",
    "rate_idea",
    "recount_comments",
    "remove_moderator",
    "report",
    "resolve_report",
    "respond",
    "set_categories",
    "set_following",
    "set_hidden",
    "set_phases",
    "submit_idea",
    "unblock_user",
    "update_idea",
    "update_process",
]
