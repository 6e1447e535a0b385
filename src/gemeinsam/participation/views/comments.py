"""Comments on an idea: writing one or a reply, and the author's own editing and deleting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gemeinsam.core.predicates import require
from gemeinsam.participation import selectors
from gemeinsam.participation.forms.public import CommentEditForm, CommentForm
from gemeinsam.participation.models import Idea
from gemeinsam.participation.services import contributions
from gemeinsam.participation.views.ideas import act_on_idea, back_to_idea, idea_action


@idea_action
def comment(request: HttpRequest, idea: Idea) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please write a comment of at most 4000 characters."))
        return back_to_idea(idea)
    parent_pk = form.cleaned_data.get("parent")
    parent = selectors.comment_on(idea, parent_pk) if parent_pk else None
    return act_on_idea(
        request,
        idea,
        lambda: contributions.add_comment(request.user, idea, form.cleaned_data["text"], parent),
        _("Your comment is online."),
    )


@idea_action
def comment_delete(request: HttpRequest, idea: Idea, comment_pk: int) -> HttpResponse:
    target = selectors.get_comment_on(idea, comment_pk)
    return act_on_idea(
        request,
        idea,
        lambda: contributions.delete_comment(request.user, target),
        _("Your comment has been deleted."),
    )


@login_required
def comment_edit(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    """Authors edit their own comments while the phase allows commenting."""
    idea = selectors.get_idea_for(request, slug, pk)
    comment = selectors.get_comment_on(idea, comment_pk)
    require(request.user, "participation.change_comment", comment)
    form = CommentEditForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            contributions.edit_comment(request.user, comment, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Your comment has been changed."))
            url = reverse("participation:idea", args=[idea.process.slug, idea.pk])
            return redirect(f"{url}#comment-{comment.pk}")
    return render(
        request,
        "participation/moderation/comment_form.html",
        {"idea": idea, "process": idea.process, "comment": comment, "form": form},
    )
