"""Schemas of the strategy's JSON API (strategy/api.py): what goes in and out, documented in
the OpenAPI description at /api/docs."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class ImportErrors(Schema):
    detail: str
    errors: list[str] = Field(description="one line per problem, with file and line")


class StrategyOut(Schema):
    slug: str
    name: str
    name_en: str
    adopted_on: date | None
    published_version: int | None = Field(description="the number the public sees")


class VersionOut(Schema):
    number: int
    state: str = Field(description="draft or published")
    published_at: datetime | None
    change_note: str


class ValueOut(Schema):
    key: UUID
    name: str
    name_en: str
    description: str


class GoalOut(Schema):
    key: UUID
    title: str
    title_en: str
    description: str
    sector_goal_reference: str
    sector_goal_url: str
    measures: list[UUID]


class FieldOut(Schema):
    key: UUID
    title: str
    title_en: str
    guiding_idea: str
    goals: list[GoalOut]
    measures: list[UUID] = Field(description="measures of the field under none of its goals")


class IndicatorOut(Schema):
    key: UUID
    name: str
    name_en: str
    description: str
    unit: str
    direction: str
    baseline_value: float
    baseline_date: date
    target_value: float
    target_date: date
    source: str
    is_example: bool
    latest_value: float | None
    latest_date: date | None
    status: str = Field(description="on_track, at_risk, off_track or no_data, as of today")
    rule: str = Field(description="why the status is what it is, in the request's language")


class MeasureBrief(Schema):
    key: UUID
    title: str
    title_en: str
    type: str
    status: str
    phase: str
    indicators: list[IndicatorOut]


class StrategyTree(Schema):
    slug: str
    name: str
    name_en: str
    version: VersionOut
    values: list[ValueOut]
    fields_of_action: list[FieldOut]
    measures: list[MeasureBrief]
    unassigned: list[UUID] = Field(description="measures under no field of action")
    status_counts: dict[str, int]


class CompassOut(Schema):
    kind: str = Field(description="team or public")
    on: date
    respondents: int
    means: dict[str, float] = Field(description="mean rating per value key, 0 to 4")


class MeasureOut(Schema):
    key: UUID
    version: int
    title: str
    title_en: str
    summary: str
    description: str
    type: str
    status: str
    phase: str
    lead_organisation: str | None
    lead_unit: str
    partners: list[str]
    budget: Decimal | None
    funding_source: str
    start: date | None
    end: date | None
    fields_of_action: list[UUID]
    goals: list[UUID]
    location_name: str
    longitude: float | None
    latitude: float | None
    indicators: list[IndicatorOut]
    compass: list[CompassOut] = Field(description="the latest team assessment and survey")


class MeasurementOut(Schema):
    date: date
    value: float
    source: str
    note: str


class MeasurementIn(Schema):
    date: date
    value: float
    note: str = Field("", max_length=300)


class MeasurementSaved(Schema):
    measurement: MeasurementOut
    created: bool = Field(description="false when a value of that day was replaced")


class ImportOut(Schema):
    rows: int
    created: int
    updated: int


class ChangeOut(Schema):
    kind: str = Field(description="added, removed or changed")
    item_type: str
    key: str
    title: str
    field: str
    old: Any
    new: Any


class ChangelogEntry(Schema):
    number: int
    published_at: datetime | None
    change_note: str
    changes: list[ChangeOut]
