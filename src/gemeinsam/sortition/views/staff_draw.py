"""Staff pages of stage 2 of a citizens' panel: runs, the draw, replacements and the deletion
of personal data (the steps before are in staff.py). City staff only; never stored."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gemeinsam.core.forms import form_data, int_param, submitted
from gemeinsam.core.responses import csv_attachment
from gemeinsam.sortition import exports, selectors
from gemeinsam.sortition.forms import ReplacementForm, RevealForm, RunForm, SeedProcedureForm
from gemeinsam.sortition.models import Algorithm, RunState, SeedPurpose, SelectionRun
from gemeinsam.sortition.services.draw import announce_draw
from gemeinsam.sortition.services.draw import draw as draw_panel
from gemeinsam.sortition.services.privacy import delete_personal_data
from gemeinsam.sortition.services.replacements import announce_replacement, replace_dropouts
from gemeinsam.sortition.services.runs import request_run
from gemeinsam.sortition.views.staff import panel_or_404, posted_for, staff_only


@staff_only
def runs(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    form = RunForm(form_data(request))
    run = submitted(request, form, lambda data: request_run(request.user, panel, data["algorithm"]))
    if run is not None:
        return redirect("sortition:staff_run", panel.slug, run.pk)
    drawn = panel.drawn_run()
    return render(
        request,
        "sortition/staff/runs.html",
        {
            "panel": panel,
            "form": form,
            "runs": panel.runs.select_related("requested_by"),
            "problems": [] if drawn else selectors.problems(panel),
            "drawn": drawn is not None,
            "section": "runs",
        },
    )


@staff_only
def run_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = panel_or_404(slug)
    run = get_object_or_404(SelectionRun.objects.select_related("requested_by"), panel=panel, pk=pk)
    done = run.state == RunState.DONE
    context = {
        "panel": panel,
        "run": run,
        "pending": run.state in selectors.PENDING,
        "minimum": selectors.probability_figures(run.min_probability),
        "histogram": selectors.histogram_rows(run) if done else [],
        "comparison": selectors.comparison(panel) if done else [],
        "rows": selectors.composition(panel) if done else [],
        "drawable": done and run.algorithm == Algorithm.LEXIMIN and panel.drawn_run() is None,
        "section": "runs",
        "subpage": True,
    }
    return render(request, "sortition/staff/run.html", context)


@staff_only
def draw(request: HttpRequest, slug: str) -> HttpResponse:
    """Announce the seed procedure for the newest LEXIMIN run; after the announced moment,
    draw with the revealed value or secrets."""
    panel = panel_or_404(slug)
    drawn = panel.drawn_run()
    candidate = announcement = announce_form = reveal_form = None
    if drawn is None:
        announcement = selectors.open_announcement(panel, SeedPurpose.DRAW)
        candidate = selectors.latest_leximin(panel)
        if request.method == "POST" and candidate is None:
            raise Http404
        announce_form = SeedProcedureForm(posted_for(request, "announce"))
        done = submitted(
            request,
            announce_form,
            lambda data: announce_draw(request.user, candidate, announce_form.procedure()),
        )
        if done is not None:
            messages.success(request, _("The seed procedure has been announced."))
            return redirect("sortition:staff_draw", panel.slug)
    if announcement is not None:
        reveal_form = RevealForm(posted_for(request, "reveal"), announcement=announcement)
        done = submitted(
            request,
            reveal_form,
            lambda data: draw_panel(request.user, announcement.run, reveal_form.values()),
        )
        if done is not None:
            messages.success(request, _("The panel has been drawn."))
            return redirect("sortition:staff_draw", panel.slug)
    if drawn is not None:
        announcement = drawn.announcements.filter(purpose=SeedPurpose.DRAW, used_at__isnull=False)
        announcement = announcement.first()
    features = panel.features
    members = selectors.panel_members(panel) if drawn else []
    return render(
        request,
        "sortition/staff/draw.html",
        {
            "panel": panel,
            "drawn": drawn,
            "candidate": candidate,
            "announcement": announcement,
            "announce_form": announce_form,
            "form": reveal_form,
            "features": features,
            "members": selectors.feature_rows(members, features),
            "rows": selectors.composition(panel) if drawn else [],
            "section": "draw",
        },
    )


@staff_only
def panel_csv(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    if panel.drawn_run() is None:
        raise Http404
    return csv_attachment(exports.panel_csv(panel), f"{panel.slug}-panel.csv")


@staff_only
def replacements(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    drawn = panel.drawn_run()
    members = selectors.panel_members(panel) if drawn else []
    form = ReplacementForm(posted_for(request, "announce"), members=members)
    if request.method == "POST" and drawn is None:
        raise Http404
    announced = submitted(
        request,
        form,
        lambda data: announce_replacement(request.user, panel, data["dropped"], form.procedure()),
    )
    if announced is not None:
        messages.success(request, _("The seed procedure of the replacement draw is announced."))
        return redirect("sortition:staff_replacements", panel.slug)
    announcement = selectors.open_announcement(panel, SeedPurpose.REPLACEMENT)
    reveal_form = None
    if announcement is not None:
        reveal_form = RevealForm(posted_for(request, "reveal"), announcement=announcement)
    replacement = reveal_form and submitted(
        request,
        reveal_form,
        lambda data: replace_dropouts(request.user, panel, reveal_form.values()),
    )
    if replacement is not None:
        url = reverse("sortition:staff_replacements", args=[panel.slug])
        return redirect(f"{url}?result={replacement.pk}#result")
    history = selectors.replacement_history(panel)
    wanted = int_param(request, "result")
    result = next((r for r in history if r.pk == wanted), None)
    features = panel.features
    return render(
        request,
        "sortition/staff/replacements.html",
        {
            "panel": panel,
            "drawn": drawn,
            "form": form,
            "announcement": announcement,
            "reveal_form": reveal_form,
            "features": features,
            "members": selectors.feature_rows(members, features),
            "checked": set(form["dropped"].value() or []),
            "history": history,
            "result": result,
            "section": "replacements",
        },
    )


@staff_only
def deletion(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation page, and on POST the deletion itself."""
    panel = panel_or_404(slug)
    error = None
    if request.method == "POST":
        try:
            count = delete_personal_data(panel, request.user)
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
            "due": selectors.deletion_due(panel),
            "error": error,
            "section": "deletion",
        },
    )
