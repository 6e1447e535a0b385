"""Budgeting's files: a count as CSV and JSON, its winners as GeoJSON, and the stored ballots
of one part as a Pabulib file with the count's winners marked."""

import csv
import json
from collections.abc import Callable
from io import StringIO

from django.urls import reverse
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import BudgetingProcess, Proposal, Result
from gemeinsam.budgeting.rules.pabulib import election_as_pabulib, number
from gemeinsam.budgeting.selectors import Part, to_election
from gemeinsam.core.formats import money
from gemeinsam.lib.spreadsheet import spreadsheet_safe

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


def winners_geojson(budgeting: BudgetingProcess, result: Result) -> str:
    """The winning proposals with a place, for the results map."""
    slug = budgeting.process.slug
    winners = {pk for part in result.data["parts"] for pk in part["selected"]}
    info = {row["proposal"]: row for part in result.data["parts"] for row in part["projects"]}
    ideas = (
        Proposal.objects.filter(pk__in=winners, idea__longitude__isnull=False)
        .values_list("pk", "idea_id", "idea__title", "idea__longitude", "idea__latitude")
        .order_by("pk")
    )
    features = []
    for proposal, idea, title, lon, lat in ideas:
        cost = money(number(info[proposal]["cost"]), budgeting.currency)
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
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def result_csv(
    budgeting: BudgetingProcess, result: Result, absolute_url: Callable[[str], str]
) -> str:
    """One row per proposal and part; `absolute_url` makes a path a full address."""
    slug = budgeting.process.slug
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
                url = absolute_url(reverse("participation:idea", args=[slug, ideas[proposal]]))
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
    return buffer.getvalue()


def result_json(budgeting: BudgetingProcess, result: Result) -> str:
    body = {
        "process": budgeting.process.slug,
        "count": result.pk,
        "final": result.final,
        "counted_at": result.finished_at.isoformat() if result.finished_at else None,
        **result.data,
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def election_pb(budgeting: BudgetingProcess, result: Result, part: Part) -> str:
    """The ballots of one part as a Pabulib file, with the count's winners marked.

    Voters are numbered 1, 2, ... : the file holds what each ballot chose, nothing else."""
    wanted = str(part.district.pk) if part.district else ""
    data = next(
        (d for d in result.data["parts"] if str(d["district"] or "") == wanted), {"selected": []}
    )
    election = to_election(budgeting, part)
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
    return election_as_pabulib(election)
