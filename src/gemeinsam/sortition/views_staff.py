"""Staff pages of a citizens' panel, one per step: quotas, invitations, volunteers, runs, the
draw, replacements and the deletion of personal data. City staff only; every page may show
personal data, so none is stored by browsers or proxies."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gemeinsam.core.decorators import permission_required
from gemeinsam.core.forms import form_data, form_files
from gemeinsam.sortition import services
from gemeinsam.sortition.forms import (
    DrawForm,
    InvitationForm,
    PanelForm,
    PaperReplyForm,
    PoolImportForm,
    QuotaUploadForm,
    ReplacementForm,
    RunForm,
)
from gemeinsam.sortition.models import (
    Algorithm,
    Invitation,
    Panel,
    Quota,
    Replacement,
    RunState,
    SelectionRun,
    Status,
    Volunteer,
)
from gemeinsam.sortition.views import probability_figures

VOLUNTEERS_PER_PAGE = 100
PENDING = (RunState.QUEUED, RunState.RUNNING)
IN_POOL = [status for status in Status.values if status != Status.WITHDRAWN]


# Signed-in city staff and admins; everybody else gets 403; responses are never stored.
staff_only = permission_required("sortition.manage_panel", no_store=True)


def _panel(slug: str) -> Panel:
    return get_object_or_404(Panel, slug=slug)


def _count(model, **filters) -> Coalesce:
    rows = (
        model.objects.filter(panel=OuterRef("pk"), **filters)
        .order_by()
        .values("panel")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@staff_only
def panel_list(request: HttpRequest) -> HttpResponse:
    drawn = SelectionRun.objects.filter(panel=OuterRef("pk"), drawn_at__isnull=False)
    panels = Panel.objects.annotate(
        quota_count=_count(Quota),
        invitation_count=_count(Invitation),
        volunteer_count=_count(Volunteer, status__in=IN_POOL),
        drawn_at=Subquery(drawn.values("drawn_at")[:1]),
    )
    return render(request, "sortition/staff/panel_list.html", {"panels": panels})


@staff_only
def panel_create(request: HttpRequest) -> HttpResponse:
    form = PanelForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        panel = form.save(commit=False)
        panel.created_by = request.user
        panel.save()
        messages.success(request, _("The panel has been created. Next: upload its quotas."))
        return redirect("sortition:staff_panel", panel.slug)
    return render(request, "sortition/staff/panel_form.html", {"form": form})


def progress(panel: Panel) -> dict:
    """What the dashboard's checklist shows about each step."""
    runs = list(panel.runs.all()[:20])
    leximin = next(
        (r for r in runs if r.algorithm == Algorithm.LEXIMIN and r.state == RunState.DONE), None
    )
    return {
        "quotas": panel.quotas.count(),
        "invitations": panel.invitations.aggregate(
            total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))
        ),
        "volunteers": panel.volunteers.exclude(status=Status.WITHDRAWN).count(),
        "pending": next((r for r in runs if r.state in PENDING), None),
        "leximin": leximin,
        "minimum": probability_figures(leximin.min_probability if leximin else None),
        "drawn": panel.drawn_run(),
        "replacements": Replacement.objects.filter(run__panel=panel).count(),
        "deletion_due": services.deletion_due(panel),
    }


@staff_only
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    drawn = panel.drawn_run() is not None
    form = PanelForm(
        form_data(request), instance=panel, drawn=drawn, invited=panel.invitations.exists()
    )
    if request.method == "POST" and form.is_valid():
        panel = form.save()
        messages.success(request, _("The settings have been saved."))
        return redirect("sortition:staff_panel", panel.slug)
    if request.method == "POST":
        panel.refresh_from_db()  # the page's links use the saved short name
    return render(
        request,
        "sortition/staff/dashboard.html",
        {"panel": panel, "form": form, "progress": progress(panel), "section": "overview"},
    )


@staff_only
def quotas(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    form = QuotaUploadForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.upload_quotas(request.user, panel, form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The quota table has been saved: %(count)s row.",
                    "The quota table has been saved: %(count)s rows.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("sortition:staff_quotas", panel.slug)
    return render(
        request,
        "sortition/staff/quotas.html",
        {
            "panel": panel,
            "form": form,
            "rows": services.composition(panel),
            "problems": services.problems(panel),
            "drawn": panel.drawn_run() is not None,
            "section": "quotas",
        },
    )


def strata(panel: Panel) -> list[dict]:
    """Per stratum: addresses in the register, invitations drawn and codes used."""
    counts = {
        row["stratum"]: row
        for row in panel.invitations.values("stratum")
        .order_by("stratum")
        .annotate(invited=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False)))
    }
    names = sorted(set(panel.register_strata) | set(counts))
    return [
        {
            "stratum": name,
            "register": panel.register_strata.get(name, 0),
            "invited": counts.get(name, {}).get("invited", 0),
            "used": counts.get(name, {}).get("used", 0),
        }
        for name in names
    ]


@staff_only
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    form = InvitationForm(
        form_data(request),
        form_files(request),
        initial={"stratum_column": panel.stratum_column, "count": panel.size * 20},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.draw_invitations(
                request.user,
                panel,
                data["register"],
                data["count"],
                data["seed"],
                stratum_column=data["stratum_column"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s invitation has been drawn. Download the letter below.",
                    "%(count)s invitations have been drawn. Download the letters below.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("sortition:staff_invitations", panel.slug)
    rows = strata(panel)
    return render(
        request,
        "sortition/staff/invitations.html",
        {
            "panel": panel,
            "form": form,
            "strata": rows,
            "total": {
                "register": panel.register_size or 0,
                "invited": sum(r["invited"] for r in rows),
                "used": sum(r["used"] for r in rows),
            },
            "drawn": panel.drawn_run() is not None,
            "section": "invitations",
        },
    )


@staff_only
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """The letter merge: addresses with their codes (personal data)."""
    panel = _panel(slug)
    if panel.personal_data_deleted_at is not None:
        messages.error(request, _("The addresses were deleted with the personal data."))
        return redirect("sortition:staff_invitations", panel.slug)
    body = "\ufeff" + services.letters_csv(panel)  # the BOM makes spreadsheets read UTF-8
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{panel.slug}-letters.csv"'
    return response


@staff_only
def volunteers(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    chosen = request.GET.get("status", "")
    found = panel.volunteers.order_by("number")
    if chosen in Status.values:
        found = found.filter(status=chosen)
    else:
        chosen = ""
    page = Paginator(found, VOLUNTEERS_PER_PAGE).get_page(request.GET.get("page"))
    features = panel.features
    rows = [(v, [v.features.get(f, "") for f in features]) for v in page]
    counts = dict(
        panel.volunteers.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return render(
        request,
        "sortition/staff/volunteers.html",
        {
            "panel": panel,
            "page": page,
            "rows": rows,
            "features": features,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "total": sum(counts.values()),
            "chosen": chosen,
            "query": request.GET.copy(),
            "drawn": panel.drawn_run() is not None,
            "section": "volunteers",
        },
    )


@require_POST
@staff_only
def volunteer_status(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Withdraw someone from the pool, or take them back (before the draw)."""
    panel = _panel(slug)
    volunteer = get_object_or_404(Volunteer, panel=panel, number=number)
    withdrawn = request.POST.get("withdrawn") == "1"
    try:
        services.set_withdrawn(request.user, volunteer, withdrawn)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        message = _("%(ref)s has withdrawn.") if withdrawn else _("%(ref)s is back in the pool.")
        messages.success(request, message % {"ref": volunteer.ref})
    url = reverse("sortition:staff_volunteers", args=[panel.slug])
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@staff_only
def volunteers_import(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    form = PoolImportForm(form_data(request), form_files(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.import_volunteers(
                request.user,
                panel,
                form.cleaned_data["file"],
                id_column=form.cleaned_data["id_column"] or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s volunteer has been imported.",
                    "%(count)s volunteers have been imported.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("sortition:staff_volunteers", panel.slug)
    return render(
        request,
        "sortition/staff/volunteers_import.html",
        {
            "panel": panel,
            "form": form,
            "features": panel.features,
            "section": "volunteers",
            "subpage": True,
        },
    )


@staff_only
def paper_reply(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    form = PaperReplyForm(form_data(request), panel=panel)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = services.add_paper_reply(
                request.user,
                panel,
                form.cleaned_data["code"],
                form.feature_values(),
                form.contact(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The reply is saved as %(ref)s.") % {"ref": volunteer.ref})
            return redirect("sortition:staff_paper_reply", panel.slug)
    return render(
        request,
        "sortition/staff/paper_reply.html",
        {"panel": panel, "form": form, "section": "volunteers", "subpage": True},
    )


@staff_only
def runs(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    form = RunForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            run = services.request_run(request.user, panel, form.cleaned_data["algorithm"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("sortition:staff_run", panel.slug, run.pk)
    drawn = panel.drawn_run()
    return render(
        request,
        "sortition/staff/runs.html",
        {
            "panel": panel,
            "form": form,
            "runs": panel.runs.select_related("requested_by"),
            "problems": [] if drawn else services.problems(panel),
            "drawn": drawn is not None,
            "section": "runs",
        },
    )


def histogram_rows(run: SelectionRun) -> list[dict]:
    """The histogram of selection probabilities, with bar lengths against the largest bin."""
    bins = services.histogram(run.probabilities)
    top = max((b["count"] for b in bins), default=0) or 1
    return [
        b
        | {
            "low_percent": b["low"] * 100,
            "high_percent": b["high"] * 100,
            "bar": b["count"] * 100 / top,
        }
        for b in bins
    ]


def comparison(panel: Panel) -> list[dict]:
    """The newest finished LEXIMIN and LEGACY runs' minimum chances, when both exist."""
    finished = panel.runs.filter(state=RunState.DONE)
    latest = [finished.filter(algorithm=a).first() for a in (Algorithm.LEXIMIN, Algorithm.LEGACY)]
    if not all(latest):
        return []
    top = max(r.min_probability or 0 for r in latest) or 1
    return [
        {"run": r, "bar": (r.min_probability or 0) * 100 / top}
        | probability_figures(r.min_probability)
        for r in latest
    ]


@staff_only
def run_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = _panel(slug)
    run = get_object_or_404(SelectionRun.objects.select_related("requested_by"), panel=panel, pk=pk)
    done = run.state == RunState.DONE
    context = {
        "panel": panel,
        "run": run,
        "pending": run.state in PENDING,
        "minimum": probability_figures(run.min_probability),
        "histogram": histogram_rows(run) if done else [],
        "comparison": comparison(panel) if done else [],
        "rows": services.composition(panel) if done else [],
        "drawable": done and run.algorithm == Algorithm.LEXIMIN and panel.drawn_run() is None,
        "section": "runs",
        "subpage": True,
    }
    return render(request, "sortition/staff/run.html", context)


@staff_only
def draw(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    drawn = panel.drawn_run()
    candidate = None
    form = None
    if drawn is None:
        candidate = panel.runs.filter(algorithm=Algorithm.LEXIMIN, state=RunState.DONE).first()
        form = DrawForm(form_data(request))
        if request.method == "POST" and candidate is None:
            raise Http404
        if request.method == "POST" and form.is_valid():
            try:
                services.draw(
                    request.user,
                    candidate,
                    form.cleaned_data["seed"],
                    form.cleaned_data["seed_source"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The panel has been drawn."))
                return redirect("sortition:staff_draw", panel.slug)
    features = panel.features
    members = services.panel_members(panel) if drawn else []
    return render(
        request,
        "sortition/staff/draw.html",
        {
            "panel": panel,
            "drawn": drawn,
            "candidate": candidate,
            "form": form,
            "features": features,
            "members": [(v, [v.features.get(f, "") for f in features]) for v in members],
            "rows": services.composition(panel) if drawn else [],
            "section": "draw",
        },
    )


@staff_only
def panel_csv(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    if panel.drawn_run() is None:
        raise Http404
    body = "\ufeff" + services.panel_csv(panel)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{panel.slug}-panel.csv"'
    return response


@staff_only
def replacements(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    drawn = panel.drawn_run()
    members = services.panel_members(panel) if drawn else []
    form = ReplacementForm(form_data(request), members=members)
    if request.method == "POST" and drawn is None:
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            replacement = services.replace_dropouts(
                request.user, panel, form.cleaned_data["dropped"], form.cleaned_data["seed"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            url = reverse("sortition:staff_replacements", args=[panel.slug])
            return redirect(f"{url}?result={replacement.pk}#result")
    history = list(Replacement.objects.filter(run__panel=panel).order_by("-pk"))
    result = None
    if request.GET.get("result", "").isdigit():
        result = next((r for r in history if r.pk == int(request.GET["result"])), None)
    features = panel.features
    return render(
        request,
        "sortition/staff/replacements.html",
        {
            "panel": panel,
            "drawn": drawn,
            "form": form,
            "features": features,
            "members": [(v, [v.features.get(f, "") for f in features]) for v in members],
            "checked": set(form["dropped"].value() or []),
            "history": history,
            "result": result,
            "section": "replacements",
        },
    )


@staff_only
def deletion(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation page, and on POST the deletion itself."""
    panel = _panel(slug)
    error = None
    if request.method == "POST":
        try:
            count = services.delete_personal_data(panel, request.user)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(
                request,
                ngettext(
                    "The personal data of %(count)s person not selected has been deleted.",
                    "The personal data of %(count)s people not selected has been deleted.",
                    count,
                )
                % {"count": count},
            )
            return redirect("sortition:staff_panel", panel.slug)
    return render(
        request,
        "sortition/staff/deletion.html",
        {
            "panel": panel,
            "drawn": panel.drawn_run(),
            "due": services.deletion_due(panel),
            "error": error,
            "section": "deletion",
        },
    )
