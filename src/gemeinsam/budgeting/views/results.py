"""The results of a budgeting process: the page, the winners' map, CSV/JSON/Pabulib downloads.

Pages read a count's stored data (budgeting/selectors.py); nothing is computed on a request
but the Pabulib download, which writes the stored ballots out as they are (exports.py).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.budgeting import exports, selectors
from gemeinsam.budgeting.models import BudgetingProcess, Result, ResultState
from gemeinsam.budgeting.services import results
from gemeinsam.budgeting.views.public import get_budgeting
from gemeinsam.core.forms import int_param
from gemeinsam.core.predicates import can
from gemeinsam.core.responses import attachment
from gemeinsam.participation.selectors import map_context


def result_for(request: HttpRequest, budgeting: BudgetingProcess, pk: int) -> Result:
    """A count's data: published ones for everyone, others for staff only."""
    result = get_object_or_404(budgeting.results, pk=pk, state=ResultState.DONE)
    if not result.final and not can(request.user, "budgeting.view_provisional_results", budgeting):
        raise Http404
    return result


def results_page(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    user = request.user
    staff = can(user, "budgeting.view_provisional_results", budgeting)
    pending = results.ensure_final(budgeting)
    result = selectors.published(budgeting)
    if staff:
        if "count" in request.GET:
            result = result_for(request, budgeting, int_param(request, "count", strict=True))
        elif result is None:
            result = selectors.newest(budgeting)
    mine = set()
    if user.is_authenticated:
        mine = set(selectors.ballot_choices(selectors.my_ballot(user, budgeting)))
    parts = selectors.part_views(budgeting, result, mine) if result else []
    context = {
        "budgeting": budgeting,
        "process": budgeting.process,
        "result": result,
        "parts": parts,
        "pending": pending,
        "voting_end": selectors.voting_end(budgeting.process),
        "voting_closed": selectors.voting_closed(budgeting.process),
        "staff": staff,
        "can_count": can(user, "budgeting.count_results", budgeting),
        "history": list(budgeting.results.all()[:8]) if staff else [],
        "has_ballot": bool(mine),
        "currency": budgeting.currency,
    }
    placed = [
        r for p in parts for r in p.winners if r.proposal and r.proposal.idea.longitude is not None
    ]
    if placed:
        context["map"] = map_context(budgeting.process, outline=True)
    return render(request, "budgeting/results.html", context)


@require_POST
def count_results(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    result = results.request_count(request.user, budgeting)
    if result.state == ResultState.DONE:
        messages.success(request, _("The ballots have been counted."))
    else:
        messages.info(
            request,
            _("Counting has started. Reload this page in a moment to see the new count."),
        )
    return redirect("budgeting:results", slug)


def winners_geojson(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The winning proposals with a place, for the results map."""
    budgeting = get_budgeting(request, slug)
    body = exports.winners_geojson(budgeting, result_for(request, budgeting, pk))
    return HttpResponse(body, content_type="application/geo+json")


def result_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    result = result_for(request, budgeting, pk)
    body = exports.result_csv(budgeting, result, request.build_absolute_uri)
    return attachment(body, "text/csv; charset=utf-8", f"{slug}-results-{pk}.csv")


def result_json(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    body = exports.result_json(budgeting, result_for(request, budgeting, pk))
    return attachment(body, "application/json", f"{slug}-results-{pk}.json")


def election_pb(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The ballots of one part (?part=district pk, empty for the whole area) as Pabulib."""
    budgeting = get_budgeting(request, slug)
    result = result_for(request, budgeting, pk)
    wanted = request.GET.get("part", "")
    parts = selectors.parts(budgeting)
    part = next((p for p in parts if str(p.district.pk if p.district else "") == wanted), None)
    if part is None:
        raise Http404
    name = f"{slug}-{part.district.pk}" if part.district else slug
    body = exports.election_pb(budgeting, result, part)
    return attachment(body, "text/plain; charset=utf-8", f"{name}.pb")
