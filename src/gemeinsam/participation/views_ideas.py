"""Authors change their own ideas while the idea collection runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gemeinsam.core.predicates import can
from gemeinsam.participation import services
from gemeinsam.participation.forms import IdeaEditForm
from gemeinsam.participation.views import _idea
from gemeinsam.participation.views_data import map_context


@login_required
def idea_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    idea = _idea(request, slug, pk)
    if not can(request.user, "participation.change_idea", idea):
        raise PermissionDenied
    form = IdeaEditForm(request.POST or None, request.FILES or None, idea=idea)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_idea(
                request.user,
                idea,
                title=data["title"],
                description=data["description"],
                category=data.get("category"),
                point=form.point(),
                images=data["images"],
                remove_images=[picture.pk for picture in data["remove_images"]],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your idea has been changed."))
            return redirect("participation:idea", idea.process.slug, idea.pk)
    return render(
        request,
        "participation/idea_form.html",
        {
            "process": idea.process,
            "idea": idea,
            "form": form,
            "map": map_context(idea.process, outline=True),
        },
    )
