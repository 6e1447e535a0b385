"""Input and output shapes of the participation API (django-ninja schemas).

Output names people only by their public name; input refuses what the database cannot store.
"""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, StrictInt

from gemeinsam.participation.models import (
    PHASE_ACTIONS,
    Action,
    Idea,
    IdeaStatus,
    Phase,
    PhaseState,
    Process,
    Visibility,
)

MAX_ID = 2**63 - 1  # a larger number cannot be a primary key and overflows the database


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; Django's form fields refuse it the same way.
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# Output ------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    name_en: str


class DistrictRef(Schema):
    slug: str
    name: str


class PhaseOut(Schema):
    type: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    actions: list[Action] = Field(description="what participants may do in this phase")

    @staticmethod
    def resolve_title(phase: Phase) -> str:
        return str(phase)

    @staticmethod
    def resolve_actions(phase: Phase) -> list[str]:
        return sorted(PHASE_ACTIONS[phase.type])


class ProcessOut(Schema):
    slug: str
    title: str
    title_en: str
    summary: str
    summary_en: str
    visibility: Visibility
    organisation: str | None
    field_of_action: str
    state: PhaseState
    current_phase: PhaseOut | None

    @staticmethod
    def resolve_organisation(process: Process) -> str | None:
        return process.organisation.name if process.organisation_id else None

    @staticmethod
    def resolve_state(process: Process) -> str:
        return process.state_at()

    @staticmethod
    def resolve_current_phase(process: Process) -> Phase | None:
        return process.phase_at()


class ProcessPermissions(Schema):
    submit: bool
    comment: bool
    rate: bool
    moderate: bool


class ProcessDetail(ProcessOut):
    description: str
    description_en: str
    description_easy: str
    phases: list[PhaseOut]
    categories: list[CategoryOut]
    districts: list[DistrictRef] = Field(description="empty for the whole city")
    permissions: ProcessPermissions = Field(description="what the current user may do now")

    @staticmethod
    def resolve_phases(process: Process) -> list[Phase]:
        return process.ordered_phases()


class IdeaOut(Schema):
    id: int
    title: str
    description: str
    category: CategoryOut | None
    district: DistrictRef | None
    longitude: float | None
    latitude: float | None
    status: IdeaStatus
    status_label: str
    author: str | None = Field(description="the author's public name; null for deleted accounts")
    rating_up: int
    rating_down: int
    score: int
    comment_count: int
    created_at: datetime

    @staticmethod
    def resolve_status_label(idea: Idea) -> str:
        return idea.get_status_display()

    @staticmethod
    def resolve_author(idea: Idea) -> str | None:
        return idea.author.public_name if idea.author_id else None


class IdeaPage(Schema):
    count: int = Field(description="ideas matching the filters, on all pages")
    limit: int
    offset: int
    items: list[IdeaOut]


class ImageOut(Schema):
    url: str
    alt_text: str
    width: int
    height: int

    @staticmethod
    def resolve_url(image) -> str:
        return image.image.url


class IdeaPermissions(Schema):
    change: bool
    comment: bool
    rate: bool
    report: bool
    moderate: bool


class IdeaDetail(IdeaOut):
    statement: str
    statement_at: datetime | None
    is_hidden: bool
    hidden_reason: str
    images: list[ImageOut]
    my_rating: int | None = Field(description="the current user's vote: 1, -1 or null")
    permissions: IdeaPermissions


class CommentOut(Schema):
    id: int
    parent: int | None
    state: Literal["visible", "hidden", "deleted"]
    author: str | None = Field(description="null when the comment or the account was deleted")
    text: str | None = Field(description="null when deleted, or hidden by the moderation")
    hidden_reason: str | None
    created_at: datetime
    edited_at: datetime | None


class ThreadOut(CommentOut):
    replies: list[CommentOut]


class RatingOut(Schema):
    rating_up: int
    rating_down: int
    score: int
    my_rating: int | None


# Input -------------------------------------------------------------------------------


class IdeaFilters(Schema):
    q: Text = Field("", max_length=200, description="words in title or description")
    category: Id | None = None
    district: str = Field("", max_length=200, pattern=r"^[-a-zA-Z0-9_]*$")
    status: IdeaStatus | None = None
    sort: Literal["new", "rated", "discussed"] = "new"
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class IdeaIn(Schema):
    title: Text = Field(max_length=200)
    description: Text = Field(max_length=10_000)
    category: Id | None = None
    longitude: float | None = Field(None, ge=-180, le=180, description="WGS84")
    latitude: float | None = Field(None, ge=-90, le=90, description="WGS84")


class IdeaPatch(Schema):
    """Only the fields sent change; send both coordinates as null to remove the point."""

    title: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=10_000)
    category: Id | None = None
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)


class CommentIn(Schema):
    text: Text = Field(max_length=4000)
    parent: Id | None = Field(None, description="the comment this one answers")


class CommentPatch(Schema):
    text: Text = Field(max_length=4000)


class RatingIn(Schema):
    value: StrictInt = Field(description="1 for up, -1 for down")


class ReportIn(Schema):
    reason: Text = Field(max_length=300)
