"""Pages for statistics of a process and for following it (daily digest)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core.predicates import require
from gemeinsam.participation import selectors
from gemeinsam.participation.digest import read_unfollow_token
from gemeinsam.participation.models import Process
from gemeinsam.participation.services.contributions import set_following
from gemeinsam.participation.statistics import FEW_PERCENT, process_statistics


def statistics(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    require(request.user, "participation.view_statistics", process)
    return render(
        request,
        "participation/statistics.html",
        {"process": process, "stats": process_statistics(process), "few_percent": FEW_PERCENT},
    )


@require_POST
@login_required
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
    following = request.POST.get("follow", "1") == "1"
    set_following(request.user, process, following)
    if following:
        messages.success(request, _("You follow this process and get a daily digest of news."))
    else:
        messages.success(request, _("You no longer follow this process."))
    return redirect("participation:process", process.slug)


def unfollow_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The link in the digest: stop following without logging in; GET asks, POST does it."""
    ids = read_unfollow_token(token)
    process = get_object_or_404(Process, slug=slug)
    if ids is None or ids[1] != process.pk:
        raise Http404
    user = get_object_or_404(get_user_model(), pk=ids[0])
    done = False
    if request.method == "POST":
        set_following(user, process, False)
        done = True
    return render(request, "participation/unfollow.html", {"process": process, "done": done})
