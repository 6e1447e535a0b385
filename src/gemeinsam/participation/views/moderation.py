"""Moderation pages of one process: the report queue, hidden content, blocks, the audit log.

Open to the process's moderators, city staff and admins; every action goes through a
service that writes the audit log.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core.predicates import require
from gemeinsam.participation import selectors
from gemeinsam.participation.forms.public import ReasonForm
from gemeinsam.participation.forms.staff import BlockForm, DismissForm
from gemeinsam.participation.models import Block, Comment, Idea, Process
from gemeinsam.participation.services.moderation import (
    block_user,
    resolve_report,
    set_hidden,
    unblock_user,
)

EVENTS_PER_PAGE = 50
REPORTS_PER_PAGE = 25


def _moderated_process(request: HttpRequest, slug: str) -> Process:
    """404 for a process the user may not see at all, 403 for one they may not moderate."""
    process = selectors.get_process_for(request, slug)
    require(request.user, "participation.moderate_process", process)
    return process


def _target(request: HttpRequest, process: Process) -> Idea | Comment:
    kind, pk = request.POST.get("kind", ""), request.POST.get("pk", "")
    if not pk.isdigit():
        raise Http404
    if kind == "idea":
        return get_object_or_404(Idea, process=process, pk=pk)
    if kind == "comment":
        return get_object_or_404(
            Comment.objects.select_related("idea"), idea__process=process, pk=pk
        )
    raise Http404


def _back(request: HttpRequest, process: Process) -> HttpResponse:
    """Back to the page the action came from (idea page or queue), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("participation:moderation", process.slug)


def _act(request: HttpRequest, process: Process, action: Callable, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return _back(request, process)


def _act_on_target(request: HttpRequest, slug: str, action: Callable, success: str):
    """Run `action(target)` on the idea or comment the form names, in a process the user
    moderates, and go back."""
    process = _moderated_process(request, slug)
    target = _target(request, process)
    return _act(request, process, lambda: action(target), success)


def _optional(form, name: str) -> str:
    return form.cleaned_data[name] if form.is_valid() else ""


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    process = _moderated_process(request, slug)
    hidden_ideas, hidden_comments = selectors.hidden_content(process)
    return render(
        request,
        "participation/moderation/queue.html",
        {
            "process": process,
            "items": Paginator(selectors.moderation_queue(process), REPORTS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "query": request.GET.copy(),
            "hidden_ideas": hidden_ideas,
            "hidden_comments": hidden_comments,
            "blocks": selectors.blocks(process),
        },
    )


@require_POST
@login_required
def hide(request: HttpRequest, slug: str) -> HttpResponse:
    reason = _optional(ReasonForm(request.POST), "reason")
    return _act_on_target(
        request,
        slug,
        lambda target: set_hidden(request.user, target, True, reason),
        _("The contribution is hidden."),
    )


@require_POST
@login_required
def restore(request: HttpRequest, slug: str) -> HttpResponse:
    return _act_on_target(
        request,
        slug,
        lambda target: set_hidden(request.user, target, False),
        _("The contribution is visible again."),
    )


@require_POST
@login_required
def dismiss(request: HttpRequest, slug: str) -> HttpResponse:
    note = _optional(DismissForm(request.POST), "note")
    return _act_on_target(
        request,
        slug,
        lambda target: resolve_report(request.user, target, note),
        _("The report has been dismissed; the contribution stays visible."),
    )


@require_POST
@login_required
def block(request: HttpRequest, slug: str) -> HttpResponse:
    process = _moderated_process(request, slug)
    form = BlockForm(request.POST)
    if not form.is_valid():
        if "user" in form.errors:
            raise Http404
        messages.error(request, _("Give a reason for the block."))
        return _back(request, process)
    # Only people who wrote something in this process can be blocked from it.
    person = selectors.contributor_in(process, form.cleaned_data["user"])
    if person is None:
        raise Http404
    return _act(
        request,
        process,
        lambda: block_user(request.user, process, person, form.cleaned_data["reason"]),
        _("%(name)s can no longer take part in this process.") % {"name": person.public_name},
    )


@require_POST
@login_required
def unblock(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    process = _moderated_process(request, slug)
    blocked = get_object_or_404(Block.objects.select_related("user"), process=process, user=user_pk)
    return _act(
        request,
        process,
        lambda: unblock_user(request.user, process, blocked.user),
        _("%(name)s may take part again.") % {"name": blocked.user.public_name},
    )


@login_required
def log(request: HttpRequest, slug: str) -> HttpResponse:
    process = _moderated_process(request, slug)
    page = Paginator(selectors.moderation_log(process), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "participation/moderation/log.html",
        {"process": process, "page": page, "query": request.GET.copy()},
    )
