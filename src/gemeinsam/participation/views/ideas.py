"""An idea's page, its form (new and changed ideas), and the actions on it: rating,
reporting, hiding and the official response."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core.forms import submitted
from gemeinsam.core.predicates import can, require
from gemeinsam.participation import selectors
from gemeinsam.participation.forms.public import (
    CommentForm,
    IdeaEditForm,
    IdeaForm,
    ReasonForm,
    ResponseForm,
)
from gemeinsam.participation.models import Idea, Process
from gemeinsam.participation.services import contributions, moderation


def idea_action(view: Callable) -> Callable:
    """A POST on an idea by a signed-in person: the view gets the idea, looked up as its page
    does (404 when the person may not see it), in place of the slug and number."""

    @require_POST
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, pk: int, **kwargs) -> HttpResponse:
        return view(request, selectors.get_idea_for(request, slug, pk), **kwargs)

    return wrapped


def act_on_idea(request: HttpRequest, idea: Idea, action: Callable, success: str) -> HttpResponse:
    """Run a service, say how it went, and go back to the idea's page."""
    try:
        action()
    except PermissionDenied:
        messages.error(request, _("This is not possible in the current phase or for you."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return back_to_idea(idea)


def back_to_idea(idea: Idea) -> HttpResponse:
    return redirect("participation:idea", idea.process.slug, idea.pk)


def _idea_form(request: HttpRequest, process: Process, form, idea: Idea | None = None):
    return render(
        request,
        "participation/idea_form.html",
        {
            "process": process,
            "idea": idea,
            "form": form,
            "map": selectors.map_context(process, outline=True),
        },
    )


@login_required
def idea_create(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    require(request.user, "participation.submit_idea", process)
    form = IdeaForm(request.POST or None, request.FILES or None, process=process)
    idea = submitted(
        request,
        form,
        lambda data: contributions.submit_idea(request.user, process, **form.idea_arguments()),
    )
    if idea is not None:
        messages.success(request, _("Thank you! Your idea has been published."))
        return back_to_idea(idea)
    return _idea_form(request, process, form)


@login_required
def idea_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Authors change their own ideas while the idea collection runs."""
    idea = selectors.get_idea_for(request, slug, pk)
    require(request.user, "participation.change_idea", idea)
    form = IdeaEditForm(request.POST or None, request.FILES or None, idea=idea)
    changed = submitted(
        request,
        form,
        lambda data: contributions.update_idea(
            request.user,
            idea,
            **form.idea_arguments(),
            remove_images=[picture.pk for picture in data["remove_images"]],
        ),
    )
    if changed is not None:
        messages.success(request, _("Your idea has been changed."))
        return back_to_idea(idea)
    return _idea_form(request, idea.process, form, idea)


def idea_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for(request, slug, pk)
    user = request.user
    return render(
        request,
        "participation/idea_detail.html",
        {
            "idea": idea,
            "process": idea.process,
            "outlook": idea.process.outlook(),
            "threads": selectors.comment_threads(idea),
            "my_rating": selectors.my_rating(idea, user),
            "comment_form": CommentForm(),
            "response_form": ResponseForm(
                initial={"status": idea.status, "statement": idea.statement}
            ),
            "can_change": can(user, "participation.change_idea", idea),
            "can_comment": can(user, "participation.comment_idea", idea),
            "can_rate": can(user, "participation.rate_idea", idea),
            "can_moderate": can(user, "participation.moderate_process", idea.process),
            "can_report": can(user, "participation.report_content", idea),
        },
    )


@idea_action
def rate(request: HttpRequest, idea: Idea) -> HttpResponse:
    value = {"up": 1, "down": -1, "none": None}.get(request.POST.get("value", ""), 0)
    return act_on_idea(
        request,
        idea,
        lambda: contributions.rate_idea(request.user, idea, value),
        _("Your rating has been saved."),
    )


def _target(request: HttpRequest, idea: Idea):
    """The idea itself, or one of its comments when the form names one."""
    pk = request.POST.get("comment")
    return selectors.get_comment_on(idea, pk) if pk else idea


@idea_action
def report(request: HttpRequest, idea: Idea) -> HttpResponse:
    form = ReasonForm(request.POST)
    target = _target(request, idea)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return act_on_idea(
        request,
        idea,
        lambda: contributions.report(request.user, target, reason),
        _("Thank you. The moderators will look at it."),
    )


@idea_action
def hide(request: HttpRequest, idea: Idea) -> HttpResponse:
    target = _target(request, idea)
    hidden = request.POST.get("hidden", "1") == "1"
    reason = request.POST.get("reason", "")
    return act_on_idea(
        request,
        idea,
        lambda: moderation.set_hidden(request.user, target, hidden, reason),
        _("The contribution is hidden.") if hidden else _("The contribution is visible again."),
    )


@idea_action
def respond(request: HttpRequest, idea: Idea) -> HttpResponse:
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and write a statement."))
        return back_to_idea(idea)
    data = form.cleaned_data
    return act_on_idea(
        request,
        idea,
        lambda: moderation.respond(request.user, idea, data["status"], data["statement"]),
        _("The official response is published."),
    )
