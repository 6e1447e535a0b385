"""The list of processes and a process's page with its ideas, filters and phases."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from gemeinsam.core import hooks
from gemeinsam.core.predicates import can
from gemeinsam.participation import selectors, visitor_cache
from gemeinsam.participation.models import PhaseState
from gemeinsam.participation.views.data import filter_context

IDEAS_PER_PAGE = 20


def process_list(request: HttpRequest) -> HttpResponse:
    processes = selectors.visible_processes(request.user).select_related("organisation")
    return render(request, "participation/process_list.html", {"processes": processes})


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return visitor_cache.serve(request, slug, lambda: _process_detail(request, slug))


def _process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = selectors.get_process_for(request, slug)
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
