"""The files participation gives out: the map's GeoJSON, the open-data CSV and GeoJSON of a
process's ideas, and a person's own data for the data download.

The map's GeoJSON is built from plain rows (values_list, json), never model objects, so
that ten thousand ideas stay fast. Open data carry no personal data: no authors, no e-mails.
Idea addresses come in as a format string (`url.format(pk)`), reversed once by the view.
"""

import csv
import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gemeinsam.lib.spreadsheet import spreadsheet_safe
from gemeinsam.participation.models import Block, Comment, Idea, IdeaStatus, Process, Rating, Report

EXPORT_LICENCE = "CC BY 4.0"

# The open data's columns and the idea's fields they are read from; "url" is added last.
EXPORT_FIELDS = (
    ("id", "pk"),
    ("title", "title"),
    ("description", "description"),
    ("category", "category__name"),
    ("district", "district__name"),
    ("status", "status"),
    ("statement", "statement"),
    ("rating_up", "rating_up"),
    ("rating_down", "rating_down"),
    ("comment_count", "comment_count"),
    ("longitude", "longitude"),
    ("latitude", "latitude"),
    ("created_at", "created_at"),
)
EXPORT_COLUMNS = [column for column, _field in EXPORT_FIELDS] + ["url"]


def map_geojson(ideas: QuerySet[Idea], idea_url: str) -> str:
    """The placed ideas as the map's GeoJSON: title, status, score, comments and address."""
    prefix, suffix = idea_url.split("{}")
    encode = json.JSONEncoder(ensure_ascii=False).encode
    # Each status's JSON fragment is encoded once; the title is the only free text per row.
    statuses = {
        value: f'"status":{encode(value)},"status_label":{encode(str(label))}'
        for value, label in IdeaStatus.choices
    }
    rows = (
        ideas.filter(longitude__isnull=False)
        .order_by()
        .values_list(
            "pk", "title", "longitude", "latitude", "status", "rating_up", "rating_down",
            "comment_count",
        )
    )  # fmt: skip
    # Formatted by hand rather than json.dumps over dicts: half the time for 10,000 ideas.
    # Numbers come from integer and float columns (NaN is excluded by the point constraint).
    features = ",".join(
        f'{{"type":"Feature","id":{pk},'
        f'"geometry":{{"type":"Point","coordinates":[{lon!r},{lat!r}]}},'
        f'"properties":{{"title":{encode(title)},{statuses[status]},"score":{up - down},'
        f'"comments":{comments},"url":{encode(f"{prefix}{pk}{suffix}")}}}}}'
        for pk, title, lon, lat, status, up, down, comments in rows
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def export_rows(ideas: QuerySet[Idea], idea_url: str) -> Iterator[tuple]:
    """One tuple per idea, in EXPORT_COLUMNS order; deliberately without the author."""
    rows = ideas.values_list(*(name for _column, name in EXPORT_FIELDS))
    for row in rows.iterator(chunk_size=2000):
        created = row[12].isoformat(timespec="seconds")
        yield (*row[:3], row[3] or "", row[4] or "", *row[5:12], created, idea_url.format(row[0]))


def ideas_csv(ideas: QuerySet[Idea], idea_url: str) -> str:
    """The open-data CSV, with a byte order mark so that spreadsheet programs read UTF-8."""
    buffer = StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(ideas, idea_url):
        writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue()


def ideas_geojson(process: Process, ideas: QuerySet[Idea], idea_url: str) -> str:
    """The open-data GeoJSON: every idea as a feature, with licence and attribution."""
    features = []
    for row in export_rows(ideas, idea_url):
        properties = dict(zip(EXPORT_COLUMNS, row, strict=True))
        lon, lat = properties.pop("longitude"), properties.pop("latitude")
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                # RFC 7946 allows ideas without a place as features without geometry.
                "geometry": {"type": "Point", "coordinates": [lon, lat]}
                if lon is not None
                else None,
                "properties": properties,
            }
        )
    body = {
        "type": "FeatureCollection",
        "name": process.slug,
        "licence": EXPORT_LICENCE,
        "attribution": _("Participants of “%(process)s”, %(site)s")
        % {"process": process.title, "site": settings.SITE_NAME},
        "features": features,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# A person's own data, for the data download (core's personal-data hook).


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _idea_data(idea: Idea) -> dict[str, Any]:
    return {
        "id": idea.pk,
        "process": idea.process.slug,
        "title": idea.title,
        "description": idea.description,
        "category": idea.category.name if idea.category else None,
        "district": idea.district.name if idea.district else None,
        "longitude": idea.longitude,
        "latitude": idea.latitude,
        "images": [image.image.name for image in idea.images.all()],
        "status": idea.status,
        "hidden": idea.is_hidden,
        "created_at": _when(idea.created_at),
    }


def _comment_data(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "process": comment.idea.process.slug,
        "idea": comment.idea_id,
        "text": comment.text,
        "deleted": comment.is_deleted,
        "hidden": comment.is_hidden,
        "created_at": _when(comment.created_at),
        "edited_at": _when(comment.edited_at),
    }


def personal_data(user) -> dict[str, Any]:
    """Everything participation holds about `user`: contributions, votes, reports, roles."""
    ideas = Idea.objects.filter(author=user).select_related("process", "district", "category")
    comments = Comment.objects.filter(author=user).select_related("idea__process")
    ratings = Rating.objects.filter(user=user).select_related("idea__process")
    reports = Report.objects.filter(reporter=user).select_related("idea", "comment")
    return {
        "ideas": [
            _idea_data(idea)
            for idea in ideas.prefetch_related("images").order_by("created_at", "pk")
        ],
        "comments": [_comment_data(comment) for comment in comments.order_by("created_at", "pk")],
        "ratings": [
            {
                "process": rating.idea.process.slug,
                "idea": rating.idea_id,
                "value": rating.value,
                "created_at": _when(rating.created_at),
            }
            for rating in ratings.order_by("created_at", "pk")
        ],
        "reports": [
            {
                "idea": report.idea_id,
                "comment": report.comment_id,
                "reason": report.reason,
                "created_at": _when(report.created_at),
                "resolved_at": _when(report.resolved_at),
            }
            for report in reports.order_by("created_at", "pk")
        ],
        "following": sorted(user.followed_processes.values_list("slug", flat=True)),
        "invited_to": sorted(user.invited_processes.values_list("slug", flat=True)),
        "moderating": sorted(user.moderated_processes.values_list("slug", flat=True)),
        "blocked_in": [
            {"process": block.process.slug, "reason": block.reason}
            for block in Block.objects.filter(user=user).select_related("process")
        ],
    }
