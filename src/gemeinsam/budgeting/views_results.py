"""The results of a budgeting process: the page, the winners' map, CSV/JSON/Pabulib downloads.

Pages read a count's stored data (budgeting/results.py); nothing is computed on a request
but the Pabulib download, which writes the stored ballots out as they are.
"""

import csv
import json
from dataclasses import dataclass, field
from fractions import Fraction
from io import StringIO

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.budgeting import results, services
from gemeinsam.budgeting.models import BudgetingProcess, Proposal, Result, ResultState
from gemeinsam.budgeting.rules.pabulib import election_as_pabulib, number
from gemeinsam.budgeting.views import get_budgeting
from gemeinsam.core.predicates import can
from gemeinsam.lib.spreadsheet import spreadsheet_safe
from gemeinsam.participation.selectors import map_context


def percent(part, whole) -> float:
    return float(Fraction(part) * 100 / Fraction(whole)) if whole else 0.0


@dataclass
class Row:
    """One proposal in one count: its numbers, whether each rule chose it, and why not."""

    proposal: Proposal | None  # None once deleted; the count keeps its title
    title: str
    cost: Fraction
    votes: int
    points: int | None
    won: bool
    greedy: bool
    mes: bool
    mes_status: str
    supporters: int
    order: int | None = None  # position in the winning order, from 1
    share: float = 0.0  # of the part's budget, in %
    bar: float = 0.0  # votes against the most voted, in %
    mine: bool = False
    price_per_supporter: Fraction | None = None
    supporters_money: Fraction | None = None

    @property
    def missing(self) -> Fraction | None:
        if self.supporters_money is None:
            return None
        return max(self.cost - self.supporters_money, Fraction(0))


@dataclass
class DistrictShare:
    name: str
    winners: int
    money: Fraction
    share: float


@dataclass
class PartView:
    district: int | None
    name: str
    budget: Fraction
    voters: int
    per_voter: Fraction
    add1_raised: bool
    rows: list[Row]
    winners: list[Row]
    spent: Fraction
    spent_share: float
    left: Fraction
    comparison: dict
    losers_explained: list[Row]
    districts: list[DistrictShare] = field(default_factory=list)
    mine_won: list[Row] = field(default_factory=list)
    mine_count: int = 0


def part_views(budgeting: BudgetingProcess, result: Result, mine: set[int]) -> list[PartView]:
    data = result.data
    pks = [row["proposal"] for part in data["parts"] for row in part["projects"]]
    proposals = (
        Proposal.objects.filter(budgeting=budgeting, pk__in=pks)
        .select_related("idea", "district")
        .defer("district__geometry", "idea__description")
        .in_bulk()
    )
    return [_part_view(part, proposals, mine, data) for part in data["parts"]]


def _part_view(part: dict, proposals: dict, mine: set[int], data: dict) -> PartView:
    budget = number(part["budget"])
    chosen = {key: set(part[key]) for key in ("selected", "greedy", "mes")}
    order = {pk: n for n, pk in enumerate(part["selected"], start=1)}
    top = max((row["votes"] for row in part["projects"]), default=0)
    rows = []
    for entry in part["projects"]:
        pk = entry["proposal"]
        cost = number(entry["cost"])
        row = Row(
            proposal=proposals.get(pk),
            title=entry["title"],
            cost=cost,
            votes=entry["votes"],
            points=entry.get("points"),
            won=pk in chosen["selected"],
            greedy=pk in chosen["greedy"],
            mes=pk in chosen["mes"],
            mes_status=entry["mes_status"],
            supporters=entry["supporters"],
            order=order.get(pk),
            share=percent(cost, budget),
            bar=percent(entry["votes"], top),
            mine=pk in mine,
        )
        for key in ("price_per_supporter", "supporters_money"):
            if key in entry:
                setattr(row, key, number(entry[key]))
        rows.append(row)
    winners = sorted((r for r in rows if r.won), key=lambda r: r.order)
    spent = sum((r.cost for r in winners), Fraction(0))
    rows.sort(key=lambda r: (-r.votes, r.title))
    voters = part["voters"]
    comparison = {
        "both": [r for r in rows if r.greedy and r.mes],
        "only_mes": [r for r in rows if r.mes and not r.greedy],
        "only_greedy": [r for r in rows if r.greedy and not r.mes],
        "rules": [
            {
                "key": key,
                "spent": number(part["spent"][key]),
                "spent_share": percent(number(part["spent"][key]), budget),
                "covered": part["covered"][key],
                "covered_share": percent(part["covered"][key], voters),
                "winners": len(part[key]),
            }
            for key in ("greedy", "mes")
        ],
    }
    # Equal shares explains its losers: what their supporters still had against the cost.
    losers = [r for r in rows if not r.mes and r.supporters_money is not None]
    losers.sort(key=lambda r: (-(r.supporters_money / r.cost if r.cost else 0), r.title))
    view = PartView(
        district=part["district"],
        name=part["name"],
        budget=budget,
        voters=voters,
        per_voter=number(part["budget_per_voter"]),
        add1_raised=data["completion"].startswith("add1")
        and voters > 0
        and number(part["budget_per_voter"]) > budget / voters,
        rows=rows,
        winners=winners,
        spent=spent,
        spent_share=percent(spent, budget),
        left=budget - spent,
        comparison=comparison,
        losers_explained=losers,
        mine_won=[r for r in winners if r.mine],
        mine_count=sum(1 for r in rows if r.mine),
    )
    view.districts = _districts(winners, spent)
    return view


def _districts(winners: list[Row], spent: Fraction) -> list[DistrictShare]:
    """Where the winners' money goes, by the district of each proposal's place."""
    by_name: dict[str, list[Row]] = {}
    for row in winners:
        district = row.proposal.district if row.proposal else None
        name = district.name if district else _("Whole area or no place")
        by_name.setdefault(name, []).append(row)
    if len(by_name) < 2:
        return []
    shares = [
        DistrictShare(
            name,
            len(rows),
            money := sum((r.cost for r in rows), Fraction(0)),
            percent(money, spent),
        )
        for name, rows in by_name.items()
    ]
    return sorted(shares, key=lambda d: (-d.money, d.name))


def _result_for(request: HttpRequest, budgeting: BudgetingProcess, pk: int) -> Result:
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
    result = results.published(budgeting)
    if staff:
        if "count" in request.GET:
            try:
                result = _result_for(request, budgeting, int(request.GET["count"]))
            except ValueError as error:
                raise Http404 from error
        elif result is None:
            result = results.newest(budgeting)
    mine = set()
    if user.is_authenticated:
        mine = set(services.ballot_choices(services.my_ballot(user, budgeting)))
    parts = part_views(budgeting, result, mine) if result else []
    context = {
        "budgeting": budgeting,
        "process": budgeting.process,
        "result": result,
        "parts": parts,
        "pending": pending,
        "voting_end": results.voting_end(budgeting.process),
        "voting_closed": results.voting_closed(budgeting.process),
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
    result = _result_for(request, budgeting, pk)
    winners = {pk for part in result.data["parts"] for pk in part["selected"]}
    info = {row["proposal"]: row for part in result.data["parts"] for row in part["projects"]}
    ideas = (
        Proposal.objects.filter(pk__in=winners, idea__longitude__isnull=False)
        .values_list("pk", "idea_id", "idea__title", "idea__longitude", "idea__latitude")
        .order_by("pk")
    )
    features = []
    for proposal, idea, title, lon, lat in ideas:
        cost = services.money(number(info[proposal]["cost"]), budgeting.currency)
        votes = info[proposal]["votes"]
        features.append(
            {
                "type": "Feature",
                "id": proposal,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "title": title,
                    "url": reverse("participation:idea", args=[slug, idea]),
                    "status_label": _("Wins: %(cost)s") % {"cost": cost},
                    "details": _("%(votes)s votes") % {"votes": votes},
                },
            }
        )
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return HttpResponse(body, content_type="application/geo+json")


CSV_COLUMNS = [
    "part",
    "proposal",
    "pabulib_id",
    "title",
    "cost",
    "votes",
    "points",
    "selected",
    "selected_order",
    "greedy",
    "equal_shares",
    "equal_shares_status",
    "supporters",
    "supporters_money",
    "url",
]


def result_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    result = _result_for(request, budgeting, pk)
    rows = budgeting.proposals.values_list("pk", "external_id", "idea_id")
    external = {pk: external_id for pk, external_id, _idea in rows}
    ideas = {pk: idea for pk, _external_id, idea in rows}
    buffer = StringIO()
    buffer.write("\ufeff")  # the byte order mark makes spreadsheet programs read UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for part in result.data["parts"]:
        order = {pk: n for n, pk in enumerate(part["selected"], start=1)}
        greedy, mes = set(part["greedy"]), set(part["mes"])
        for row in part["projects"]:
            proposal = row["proposal"]
            url = ""
            if proposal in ideas:
                url = request.build_absolute_uri(
                    reverse("participation:idea", args=[slug, ideas[proposal]])
                )
            values = [
                part["name"],
                proposal,
                external.get(proposal, ""),
                row["title"],
                row["cost"],
                row["votes"],
                row.get("points", ""),
                int(proposal in order),
                order.get(proposal, ""),
                int(proposal in greedy),
                int(proposal in mes),
                row["mes_status"],
                row["supporters"],
                row.get("supporters_money", ""),
                url,
            ]
            writer.writerow([spreadsheet_safe(value) for value in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-results-{pk}.csv"'
    return response


def result_json(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    result = _result_for(request, budgeting, pk)
    body = {
        "process": slug,
        "count": result.pk,
        "final": result.final,
        "counted_at": result.finished_at.isoformat() if result.finished_at else None,
        **result.data,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{slug}-results-{pk}.json"'
    return response


def election_pb(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The ballots of one part as a Pabulib file, with the count's winners marked.

    Voters are numbered 1, 2, ... : the file holds what each ballot chose, nothing else."""
    budgeting = get_budgeting(request, slug)
    result = _result_for(request, budgeting, pk)
    wanted = request.GET.get("part", "")
    parts = services.parts(budgeting)
    part = next((p for p in parts if str(p.district.pk if p.district else "") == wanted), None)
    if part is None:
        raise Http404
    data = next(
        (d for d in result.data["parts"] if str(d["district"] or "") == wanted), {"selected": []}
    )
    election = services.to_election(budgeting, part)
    selected = {str(pk) for pk in data["selected"]}
    for project in election.projects:
        project.extra["selected"] = "1" if project.extra["proposal"] in selected else "0"
    election.voter_ids = [str(n) for n in range(1, len(election.ballots) + 1)]
    election.meta = {
        "description": budgeting.process.title,
        "unit": part.name,
        "currency": budgeting.currency,
        "rule": f"{result.data['rule']}/{result.data['satisfaction']}/{result.data['completion']}",
    }
    response = HttpResponse(election_as_pabulib(election), content_type="text/plain; charset=utf-8")
    name = f"{slug}-{part.district.pk}" if part.district else slug
    response["Content-Disposition"] = f'attachment; filename="{name}.pb"'
    return response
