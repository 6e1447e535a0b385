"""Authors edit their own comments while the phase allows commenting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gemeinsam.core.predicates import can
from gemeinsam.participation import services
from gemeinsam.participation.forms_staff import CommentEditForm
from gemeinsam.participation.views import _comment, _idea


@login_required
def comment_edit(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    comment = _comment(idea, comment_pk)
    if not can(request.user, "participation.change_comment", comment):
        raise PermissionDenied
    form = CommentEditForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(request.user, comment, form.cleaned_data["text"])
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
