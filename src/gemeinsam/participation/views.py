"""Pages of participation: process list and page, idea list, idea page, and their actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core import hooks
from gemeinsam.core.predicates import can
from gemeinsam.participation import selectors, services, visitor_cache
from gemeinsam.participation.forms import (
    CommentForm,
    IdeaForm,
    ReasonForm,
    ResponseForm,
)
from gemeinsam.participation.models import Comment, Idea, PhaseState, Process
from gemeinsam.participation.views_data import filter_context, map_context

IDEAS_PER_PAGE = 20


def _process(request: HttpRequest, slug: str) -> Process:
    return get_object_or_404(selectors.visible_processes(request.user), slug=slug)


def _idea(request: HttpRequest, slug: str, pk: int) -> Idea:
    process = _process(request, slug)
    idea = get_object_or_404(
        Idea.objects.select_related("author", "category", "district").defer("district__geometry"),
        process=process,
        pk=pk,
    )
    idea.process = process
    if idea.is_hidden and not can(request.user, "participation.moderate_process", process):
        raise Http404
    return idea


def _comment(idea: Idea, pk: int | str) -> Comment:
    if not str(pk).isdigit():
        raise Http404
    comment = get_object_or_404(Comment, idea=idea, pk=pk)
    comment.idea = idea  # the idea with its process already loaded and checked
    return comment


def _target(request: HttpRequest, idea: Idea) -> Idea | Comment:
    """The idea itself, or one of its comments when the form names one."""
    pk = request.POST.get("comment")
    return _comment(idea, pk) if pk else idea


def process_list(request: HttpRequest) -> HttpResponse:
    processes = selectors.visible_processes(request.user).select_related("organisation")
    return render(request, "participation/process_list.html", {"processes": processes})


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return visitor_cache.serve(request, slug, lambda: _process_detail(request, slug))


def _process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(request, slug)
    filtering = {**filter_context(request, process), "process": process}
    results_html, results_count = visitor_cache.fragment(
        process, "idea-results:" + request.GET.urlencode(), lambda: _results(request, filtering)
    )
    version = request.GET.get("version", "")
    phase = process.phase_at()
    response = render(
        request,
        "participation/process_detail.html",
        {
            "process": process,
            "results": results_html,
            "results_count": results_count,
            **filtering,
            "phase": phase,
            "state": process.state_at(),
            "outlook": process.outlook(),
            "extension_links": hooks.process_links(process),
            "PhaseState": PhaseState,
            "version": version if version in {"easy"} else "",
            "districts": process.districts.all(),
            "can_submit": can(request.user, "participation.submit_idea", process),
            "can_view_statistics": can(request.user, "participation.view_statistics", process),
            "is_following": request.user.is_authenticated
            and process.followers.filter(pk=request.user.pk).exists(),
            "query": request.GET.copy(),
        },
    )
    return visitor_cache.mark(response, process)


def _results(request: HttpRequest, filtering: dict) -> tuple[str, int]:
    """The idea cards with count and pagination: the same for everyone, so cached for all."""
    process = filtering["process"]
    ideas = selectors.filtered_ideas(process, **filtering["criteria"])
    page = Paginator(ideas, IDEAS_PER_PAGE).get_page(request.GET.get("page"))
    html = render_to_string(
        "participation/_idea_results.html",
        {"process": process, "page": page, "query": filtering["query"]},
    )
    return mark_safe(html), page.paginator.count  # noqa: S308 - rendered by our template


@login_required
def idea_create(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(request, slug)
    if not can(request.user, "participation.submit_idea", process):
        raise PermissionDenied
    form = IdeaForm(request.POST or None, request.FILES or None, process=process)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.submit_idea(request.user, process, **form.idea_arguments())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you! Your idea has been published."))
            return redirect("participation:idea", process.slug, idea.pk)
    return render(
        request,
        "participation/idea_form.html",
        {"process": process, "form": form, "map": map_context(process, outline=True)},
    )


def idea_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    comments = list(idea.comments.select_related("author"))
    threads = [c for c in comments if c.parent_id is None]
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    for thread in threads:
        thread.thread_replies = replies.get(thread.pk, [])
    user = request.user
    my_rating = (
        idea.ratings.filter(user=user).values_list("value", flat=True).first()
        if user.is_authenticated
        else None
    )
    return render(
        request,
        "participation/idea_detail.html",
        {
            "idea": idea,
            "process": idea.process,
            "outlook": idea.process.outlook(),
            "threads": threads,
            "my_rating": my_rating,
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


def _act(request: HttpRequest, idea: Idea, action, success: str) -> HttpResponse:
    try:
        action()
    except PermissionDenied:
        messages.error(request, _("This is not possible in the current phase or for you."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("participation:idea", idea.process.slug, idea.pk)


@require_POST
@login_required
def rate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    value = {"up": 1, "down": -1, "none": None}.get(request.POST.get("value", ""), 0)
    return _act(
        request,
        idea,
        lambda: services.rate_idea(request.user, idea, value),
        _("Your rating has been saved."),
    )


@require_POST
@login_required
def comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a comment of at most 4000 characters."))
        return redirect("participation:idea", idea.process.slug, idea.pk)
    parent = (
        Comment.objects.filter(idea=idea, pk=form.cleaned_data["parent"]).first()
        if form.cleaned_data.get("parent")
        else None
    )
    return _act(
        request,
        idea,
        lambda: services.add_comment(request.user, idea, form.cleaned_data["text"], parent),
        _("Your comment is online."),
    )


@require_POST
@login_required
def comment_delete(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    target = _comment(idea, comment_pk)
    return _act(
        request,
        idea,
        lambda: services.delete_comment(request.user, target),
        _("Your comment has been deleted."),
    )


@require_POST
@login_required
def report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    form = ReasonForm(request.POST)
    target = _target(request, idea)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        idea,
        lambda: services.report(request.user, target, reason),
        _("Thank you. The moderators will look at it."),
    )


@require_POST
@login_required
def hide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    target = _target(request, idea)
    hidden = request.POST.get("hidden", "1") == "1"
    return _act(
        request,
        idea,
        lambda: services.set_hidden(request.user, target, hidden, request.POST.get("reason", "")),
        _("The contribution is hidden.") if hidden else _("The contribution is visible again."),
    )


@require_POST
@login_required
def respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and write a statement."))
        return redirect("participation:idea", idea.process.slug, idea.pk)
    return _act(
        request,
        idea,
        lambda: services.respond(
            request.user, idea, form.cleaned_data["status"], form.cleaned_data["statement"]
        ),
        _("The official response is published."),
    )
