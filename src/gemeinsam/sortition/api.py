"""The JSON API of sortition: the public transparency record of a panel, and for staff the
state of runs and starting one. Same permissions and services as the pages; mounted at
/api/sortition by SortitionConfig.ready."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.security import django_auth

from gemeinsam.core.api import found, not_found
from gemeinsam.core.predicates import can, require
from gemeinsam.sortition import selectors
from gemeinsam.sortition.models import Algorithm, Panel, SelectionRun
from gemeinsam.sortition.services.runs import request_run

router = Router(tags=["sortition"])


class PanelOut(Schema):
    slug: str
    title: str
    size: int
    drawn: bool


class QuotaRow(Schema):
    feature: str
    value: str
    min: int
    max: int
    volunteers: int = Field(description="volunteers in the pool with this value")
    panel: int = Field(description="seated panel members with this value")
    kept: bool


class RunOut(Schema):
    id: int
    algorithm: str
    state: str
    progress: str
    volunteers: int
    seconds: float | None
    min_probability: float | None
    gini: float | None
    estimated: bool
    panels_in_support: int | None
    commitment: str
    seed: str
    drawn_at: datetime | None
    drawn_panel: list[str] = Field(description="pseudonymous ids (V0001, ...) of the draw")
    error: str


class TransparencyOut(Schema):
    panel: str
    title: str
    size: int
    household_rule: bool
    invitations: int
    invitation_seed: str
    register_size: int | None
    register_sha256: str
    volunteers: int
    algorithm_version: str
    quotas: list[QuotaRow]
    run: dict | None = Field(description="the drawn run, else the newest finished LEXIMIN run")
    replacements: list[dict]
    seed_announcements: list[dict] = Field(
        description="where each seed came from: announced before it could be known (event "
        "or witnesses' hashes), then the reveal and the derived seed; kind legacy: typed in"
    )
    personal_data_deleted_at: datetime | None


class RunIn(Schema):
    algorithm: str = Field(Algorithm.LEXIMIN, description="leximin or legacy")


def _panel(request: HttpRequest, slug: str) -> Panel:
    panel = Panel.objects.filter(slug=slug).first()
    if panel is None or not can(request.user, "sortition.view_transparency", panel):
        raise not_found()
    return panel


@router.get("/panels", response=list[PanelOut], summary="Public citizens' panels")
def panels(request: HttpRequest):
    staff = can(request.user, "sortition.manage_panel")
    found = Panel.objects.all() if staff else Panel.objects.filter(public=True)
    drawn = set(
        SelectionRun.objects.filter(drawn_at__isnull=False).values_list("panel_id", flat=True)
    )
    return [PanelOut(slug=p.slug, title=p.title, size=p.size, drawn=p.pk in drawn) for p in found]


@router.get(
    "/panels/{slug}",
    response=TransparencyOut,
    summary="A panel's transparency record: quotas, method, commitment, seed, make-up",
)
def transparency(request: HttpRequest, slug: str):
    return selectors.transparency(_panel(request, slug))


@router.get("/panels/{slug}/runs", response=list[RunOut], auth=django_auth, summary="Runs (staff)")
def runs(request: HttpRequest, slug: str):
    panel = _panel(request, slug)
    require(request.user, "sortition.manage_panel", panel)
    return panel.runs.all()


@router.get(
    "/panels/{slug}/runs/{run_id}", response=RunOut, auth=django_auth, summary="One run (staff)"
)
def run_detail(request: HttpRequest, slug: str, run_id: int):
    panel = _panel(request, slug)
    if not can(request.user, "sortition.manage_panel", panel):
        raise PermissionDenied(_("Only staff see runs."))
    return found(panel.runs.filter(pk=run_id).first())


@router.post(
    "/panels/{slug}/runs",
    response={202: RunOut},
    auth=django_auth,
    summary="Start a run (staff); joins the one already waiting or running",
)
def start_run(request: HttpRequest, slug: str, payload: RunIn):
    panel = _panel(request, slug)
    return 202, request_run(request.user, panel, payload.algorithm)
