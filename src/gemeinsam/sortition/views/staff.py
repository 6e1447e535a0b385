"""Staff pages of a citizens' panel, one per step: the panel and its settings, quotas,
invitations and volunteers (runs, the draw and after are in staff_draw.py). City staff only;
every page may show personal data, so none is stored by browsers or proxies."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from gemeinsam.core.decorators import permission_required
from gemeinsam.core.forms import form_data, form_files, submitted
from gemeinsam.core.responses import csv_attachment
from gemeinsam.sortition import exports, selectors
from gemeinsam.sortition.forms import (
    InvitationForm,
    PanelForm,
    PaperReplyForm,
    PoolImportForm,
    QuotaUploadForm,
    RevealForm,
)
from gemeinsam.sortition.models import Panel, SeedPurpose, Volunteer
from gemeinsam.sortition.services.invitations import announce_invitations, draw_invitations
from gemeinsam.sortition.services.panels import change_panel, create_panel
from gemeinsam.sortition.services.quotas import upload_quotas
from gemeinsam.sortition.services.volunteers import (
    add_paper_reply,
    import_volunteers,
    set_withdrawn,
)

# Signed-in city staff and admins; everybody else gets 403; responses are never stored.
staff_only = permission_required("sortition.manage_panel", no_store=True)


def panel_or_404(slug: str) -> Panel:
    return get_object_or_404(Panel, slug=slug)


def posted_for(request: HttpRequest, action: str):
    """The form data if this POST is for `action` (a page with two forms), else None."""
    return request.POST if request.method == "POST" and action in request.POST else None


@staff_only
def panel_list(request: HttpRequest) -> HttpResponse:
    panels = selectors.panels_with_figures()
    return render(request, "sortition/staff/panel_list.html", {"panels": panels})


@staff_only
def panel_create(request: HttpRequest) -> HttpResponse:
    form = PanelForm(form_data(request))
    panel = submitted(request, form, lambda data: create_panel(request.user, data))
    if panel is not None:
        messages.success(request, _("The panel has been created. Next: upload its quotas."))
        return redirect("sortition:staff_panel", panel.slug)
    return render(request, "sortition/staff/panel_form.html", {"form": form})


@staff_only
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    drawn = panel.drawn_run() is not None
    form = PanelForm(
        form_data(request), instance=panel, drawn=drawn, invited=panel.invitations.exists()
    )
    changed = submitted(request, form, lambda data: change_panel(request.user, panel, data))
    if changed is not None:
        messages.success(request, _("The settings have been saved."))
        return redirect("sortition:staff_panel", changed.slug)
    if request.method == "POST":
        panel.refresh_from_db()  # the page's links use the saved short name
    return render(
        request,
        "sortition/staff/dashboard.html",
        {
            "panel": panel,
            "form": form,
            "progress": selectors.progress(panel),
            "section": "overview",
        },
    )


@staff_only
def quotas(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    form = QuotaUploadForm(form_data(request), form_files(request))
    created = submitted(
        request, form, lambda data: upload_quotas(request.user, panel, data["file"])
    )
    if created is not None:
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
            "rows": selectors.composition(panel),
            "problems": selectors.problems(panel),
            "drawn": panel.drawn_run() is not None,
            "section": "quotas",
        },
    )


@staff_only
def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """Announce the register, the number and the seed procedure; after the announced
    moment, draw the invitations with the revealed value or secrets."""
    panel = panel_or_404(slug)
    announcement = selectors.open_announcement(panel, SeedPurpose.INVITATIONS)
    form = InvitationForm(
        posted_for(request, "announce"),
        form_files(request) if posted_for(request, "announce") else None,
        initial={"stratum_column": panel.stratum_column, "count": panel.size * 20},
    )
    announced = submitted(
        request,
        form,
        lambda data: announce_invitations(
            request.user,
            panel,
            data["register"],
            data["count"],
            form.procedure(),
            stratum_column=data["stratum_column"],
        ),
    )
    if announced is not None:
        messages.success(request, _("The seed procedure has been announced."))
        return redirect("sortition:staff_invitations", panel.slug)
    reveal_form = None
    if announcement is not None:
        reveal_form = RevealForm(posted_for(request, "reveal"), announcement=announcement)
        created = submitted(
            request,
            reveal_form,
            lambda data: draw_invitations(request.user, panel, reveal_form.values()),
        )
        if created is not None:
            messages.success(request, _drawn_message(len(created)))
            return redirect("sortition:staff_invitations", panel.slug)
    rows = selectors.strata(panel)
    return render(
        request,
        "sortition/staff/invitations.html",
        {
            "panel": panel,
            "form": form,
            "announcement": announcement,
            "reveal_form": reveal_form,
            "strata": rows,
            "total": selectors.strata_total(panel, rows),
            "drawn": panel.drawn_run() is not None,
            "section": "invitations",
        },
    )


def _drawn_message(count: int) -> str:
    return ngettext(
        "%(count)s invitation has been drawn. Download the letter below.",
        "%(count)s invitations have been drawn. Download the letters below.",
        count,
    ) % {"count": count}


@staff_only
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """The letter merge: addresses with their codes (personal data)."""
    panel = panel_or_404(slug)
    if panel.personal_data_deleted_at is not None:
        messages.error(request, _("The addresses were deleted with the personal data."))
        return redirect("sortition:staff_invitations", panel.slug)
    return csv_attachment(exports.letters_csv(panel), f"{panel.slug}-letters.csv")


@staff_only
def volunteers(request: HttpRequest, slug: str) -> HttpResponse:
    panel = panel_or_404(slug)
    listed = selectors.volunteer_list(panel, request.GET.get("status", ""), request.GET.get("page"))
    return render(
        request,
        "sortition/staff/volunteers.html",
        {
            "panel": panel,
            **listed,
            "query": request.GET.copy(),
            "drawn": panel.drawn_run() is not None,
            "section": "volunteers",
        },
    )


@require_POST
@staff_only
def volunteer_status(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Withdraw someone from the pool, or take them back (before the draw)."""
    panel = panel_or_404(slug)
    volunteer = get_object_or_404(Volunteer, panel=panel, number=number)
    withdrawn = request.POST.get("withdrawn") == "1"
    try:
        set_withdrawn(request.user, volunteer, withdrawn)
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
    panel = panel_or_404(slug)
    form = PoolImportForm(form_data(request), form_files(request))
    created = submitted(
        request,
        form,
        lambda data: import_volunteers(
            request.user, panel, data["file"], id_column=data["id_column"] or None
        ),
    )
    if created is not None:
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
    panel = panel_or_404(slug)
    form = PaperReplyForm(form_data(request), panel=panel)
    volunteer = submitted(
        request,
        form,
        lambda data: add_paper_reply(
            request.user, panel, data["code"], form.feature_values(), form.contact()
        ),
    )
    if volunteer is not None:
        messages.success(request, _("The reply is saved as %(ref)s.") % {"ref": volunteer.ref})
        return redirect("sortition:staff_paper_reply", panel.slug)
    return render(
        request,
        "sortition/staff/paper_reply.html",
        {"panel": panel, "form": form, "section": "volunteers", "subpage": True},
    )
