"""The staff area: the city's staff create and run processes, their phases and moderators.

Not the Django admin: these pages follow the same rules, services and design as the
public pages, and work without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.core.decorators import permission_required
from gemeinsam.core.forms import form_data, form_files, show_errors, slug_param
from gemeinsam.core.predicates import require
from gemeinsam.participation import selectors
from gemeinsam.participation.forms.staff import (
    CategoryFormSet,
    ModeratorForm,
    PhaseFormSet,
    ProcessForm,
)
from gemeinsam.participation.models import PhaseState, Process
from gemeinsam.participation.services.processes import (
    add_moderator,
    create_process,
    remove_moderator,
    update_process,
)

EVENTS_PER_PAGE = 50


# Signed-in city staff and admins; everybody else gets 403.
staff_only = permission_required("participation.manage_processes")


@staff_only
def process_list(request: HttpRequest) -> HttpResponse:
    processes = selectors.staff_processes().select_related("organisation")
    return render(
        request,
        "participation/staff/process_list.html",
        {"processes": processes, "PhaseState": PhaseState},
    )


def _forms(request: HttpRequest, process: Process | None):
    data, files = form_data(request), form_files(request)
    phases_initial = categories_initial = None
    if process is not None:
        phases_initial = [
            {
                "type": p.type,
                "title": p.title,
                "description": p.description,
                "starts_at": p.starts_at,
                "ends_at": p.ends_at,
            }
            for p in process.ordered_phases()
        ]
        categories_initial = [
            {"pk": c.pk, "name": c.name, "name_en": c.name_en} for c in process.categories.all()
        ]
    return (
        ProcessForm(data, files, instance=process),
        PhaseFormSet(data, prefix="phases", initial=phases_initial),
        CategoryFormSet(data, prefix="categories", initial=categories_initial),
    )


def _save(request: HttpRequest, process: Process | None) -> HttpResponse:
    form, phases, categories = _forms(request, process)
    if request.method == "POST" and all(
        [form.is_valid(), phases.is_valid(), categories.is_valid()]
    ):
        arguments = {
            "fields": form.process_fields(),
            "districts": form.cleaned_data["districts"],
            "members": form.cleaned_data["member_emails"],
            "phases": phases.specs(),
            "categories": categories.specs(),
        }
        try:
            if process is None:
                process = create_process(request.user, **arguments)
            else:
                process = update_process(request.user, process, **arguments)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The process has been saved."))
            return redirect("participation_staff:process_edit", process.slug)
    return render(
        request,
        "participation/staff/process_form.html",
        {
            "process": process,
            "form": form,
            "phases": phases,
            "categories": categories,
            "moderator_form": ModeratorForm(),
            "moderators": process.moderators.order_by("email") if process else [],
        },
    )


@staff_only
def process_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@staff_only
def process_edit(request: HttpRequest, slug: str) -> HttpResponse:
    process = get_object_or_404(Process.objects.prefetch_related("phases"), slug=slug)
    require(request.user, "participation.change_process", process)
    return _save(request, process)


@require_POST
@staff_only
def moderator_add(request: HttpRequest, slug: str) -> HttpResponse:
    process = get_object_or_404(Process, slug=slug)
    form = ModeratorForm(request.POST)
    if form.is_valid():
        add_moderator(request.user, process, form.user)
        messages.success(
            request,
            _("%(name)s now moderates this process.") % {"name": form.user.public_name},
        )
    else:
        messages.error(request, " ".join(form.errors.get("email", [])))
    return redirect("participation_staff:process_edit", process.slug)


@require_POST
@staff_only
def moderator_remove(request: HttpRequest, slug: str, user_pk: int) -> HttpResponse:
    process = get_object_or_404(Process, slug=slug)
    moderator = get_object_or_404(process.moderators, pk=user_pk)
    remove_moderator(request.user, process, moderator)
    messages.success(
        request, _("%(name)s no longer moderates this process.") % {"name": moderator.public_name}
    )
    return redirect("participation_staff:process_edit", process.slug)


@staff_only
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every moderator action across all processes, newest first; ?process= narrows it."""
    events = selectors.moderation_log()
    chosen = slug_param(request, "process")
    if chosen:
        events = events.filter(process__slug=chosen)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/staff/audit_log.html",
        {
            "page": page,
            "processes": Process.objects.order_by("title").only("title", "slug"),
            "chosen": chosen,
            "query": request.GET.copy(),
        },
    )
