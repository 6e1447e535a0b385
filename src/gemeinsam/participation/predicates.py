"""Who may do what in participation, by role and by the phase a process is in, and who
may see an uploaded picture.

One place for pages and API alike; tests/participation/test_predicates.py checks the matrix.
"""

import rules
from django.http import HttpRequest

from gemeinsam.core.predicates import can, is_city_staff
from gemeinsam.participation.models import (
    Action,
    Block,
    Comment,
    Idea,
    IdeaImage,
    Process,
    Visibility,
)


def process_of(obj) -> Process | None:
    if isinstance(obj, Process):
        return obj
    if isinstance(obj, Idea):
        return obj.process
    if isinstance(obj, Comment):
        return obj.idea.process
    return None


@rules.predicate
def is_process_moderator(user, obj) -> bool:
    process = process_of(obj)
    if process is None or not user.is_authenticated or not user.is_active:
        return False
    return is_city_staff(user) or process.moderators.filter(pk=user.pk).exists()


@rules.predicate
def can_see_process(user, obj) -> bool:
    process = process_of(obj)
    if process is None:
        return False
    if process.visibility == Visibility.PUBLIC:
        return True
    return user.is_authenticated and (
        process.members.filter(pk=user.pk).exists() or is_process_moderator(user, process)
    )


@rules.predicate
def is_blocked(user, obj) -> bool:
    process = process_of(obj)
    return process is not None and Block.objects.filter(process=process, user=user).exists()


@rules.predicate
def is_author(user, obj) -> bool:
    return user.is_authenticated and getattr(obj, "author_id", None) == user.pk


@rules.predicate
def is_visible_content(user, obj) -> bool:
    return not getattr(obj, "is_hidden", False) and not getattr(obj, "is_deleted", False)


def _phase_allows(action: str):
    @rules.predicate(name=f"phase_allows_{action}")
    def predicate(user, obj) -> bool:
        process = process_of(obj)
        return process is not None and process.allows(action)

    return predicate


may_take_part = rules.is_authenticated & rules.is_active & can_see_process & ~is_blocked

rules.add_perm("participation.view_process", can_see_process)
rules.add_perm("participation.manage_processes", is_city_staff)
rules.add_perm("participation.change_process", is_city_staff)
rules.add_perm("participation.moderate_process", is_process_moderator)
rules.add_perm("participation.view_statistics", is_process_moderator)
rules.add_perm("participation.submit_idea", may_take_part & _phase_allows(Action.SUBMIT))
rules.add_perm(
    "participation.change_idea",
    may_take_part & is_author & is_visible_content & _phase_allows(Action.SUBMIT),
)
rules.add_perm(
    "participation.comment_idea", may_take_part & is_visible_content & _phase_allows(Action.COMMENT)
)
rules.add_perm(
    "participation.rate_idea", may_take_part & is_visible_content & _phase_allows(Action.RATE)
)
rules.add_perm(
    "participation.change_comment",
    may_take_part & is_author & is_visible_content & _phase_allows(Action.COMMENT),
)
rules.add_perm("participation.report_content", may_take_part & is_visible_content)


# Uploaded pictures (core's media guards): the same people who may see their process and idea.


def may_see_idea_picture(request: HttpRequest, path: str) -> bool:
    picture = IdeaImage.objects.select_related("idea__process").filter(image=path).first()
    if picture is None:
        return False
    idea = picture.idea
    if not can(request.user, "participation.view_process", idea.process):
        return False
    return not idea.is_hidden or can(request.user, "participation.moderate_process", idea.process)


def may_see_process_image(request: HttpRequest, path: str) -> bool:
    process = Process.objects.filter(image=path).first()
    return process is not None and can(request.user, "participation.view_process", process)
