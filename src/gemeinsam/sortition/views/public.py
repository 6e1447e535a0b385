"""Public pages of a citizens' panel: the transparency page with the files to verify the
draw, and volunteering with the code from the invitation letter."""

from allauth.core.internal import ratelimit
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gemeinsam.core.forms import form_data
from gemeinsam.core.predicates import can
from gemeinsam.core.responses import attachment
from gemeinsam.sortition import exports, selectors
from gemeinsam.sortition.forms import RegistrationForm
from gemeinsam.sortition.models import Algorithm, Panel, RunState, SelectionRun
from gemeinsam.sortition.services.volunteers import register_volunteer

# Wrong invitation codes per connection (allauth's cache-backed limiter, shared by all app
# servers). A code has about 50 bits, so this only stops scripts, not people mistyping.
CODE_GUESSES = {"invitation_code": "10/10m/ip,50/d/ip"}
RATE_LIMIT_APP = "gemeinsam.sortition"


def get_panel(request: HttpRequest, slug: str) -> Panel:
    """A panel whose transparency page the user may see (public, or staff), else 404."""
    panel = get_object_or_404(Panel, slug=slug)
    if not can(request.user, "sortition.view_transparency", panel):
        raise Http404
    return panel


def transparency(request: HttpRequest, slug: str) -> HttpResponse:
    panel = get_panel(request, slug)
    data = selectors.transparency(panel)
    run = panel.runs.get(pk=data["run"]["id"]) if data["run"] else None
    context = {
        "panel": panel,
        "data": data,
        "run": run,
        "drawn": run is not None and run.drawn_at is not None,
        "minimum": selectors.probability_figures(run.min_probability if run else None),
        "verify_command": exports.verify_command(run) if run else "",
        "replaced": selectors.replaced(data["replacements"]),
        "announcements": [
            (a, exports.seed_command(a) if a.used_at and not a.legacy else "")
            for a in selectors.announcements(panel)
        ],
        "staff": can(request.user, "sortition.manage_panel", panel),
    }
    return render(request, "sortition/transparency.html", context)


def run_file(request: HttpRequest, slug: str, pk: int, filename: str) -> HttpResponse:
    """A file of a finished LEXIMIN run exactly as the commitment covers it (no byte order
    mark: the commitment hashes the bytes). Pseudonymous ids and features only."""
    panel = get_panel(request, slug)
    run = get_object_or_404(
        SelectionRun, panel=panel, pk=pk, algorithm=Algorithm.LEXIMIN, state=RunState.DONE
    )
    if filename not in exports.PUBLISHED_FILES:
        raise Http404
    body, content_type = exports.published_file(run, filename)
    return attachment(body, content_type, filename)


def _guesses_left(request: HttpRequest) -> bool:
    return (
        ratelimit.consume(
            request,
            app=RATE_LIMIT_APP,
            action="invitation_code",
            config=CODE_GUESSES,
            dry_run=True,
        )
        is not None
    )


def _count_wrong_guess(request: HttpRequest) -> None:
    ratelimit.consume(request, app=RATE_LIMIT_APP, action="invitation_code", config=CODE_GUESSES)


def register(request: HttpRequest, slug: str) -> HttpResponse:
    """Volunteer with the invitation code; each code works once."""
    panel = get_object_or_404(Panel, slug=slug)
    if not panel.registration_open or panel.drawn_run() is not None:
        return render(request, "sortition/register_closed.html", {"panel": panel})
    form = RegistrationForm(form_data(request), panel=panel)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        code = form.cleaned_data.get("code", "")
        if not _guesses_left(request):
            form.add_error(
                None,
                _(
                    "Too many wrong invitation codes were entered from your connection. "
                    "Please try again later."
                ),
            )
            status = 429
        elif code and selectors.invitation_for(panel, code) is None:
            _count_wrong_guess(request)
            form.add_error("code", _("This invitation code is not valid or has been used already."))
        elif valid:
            try:
                register_volunteer(panel, code, form.feature_values(), form.contact())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("sortition:register_done", panel.slug)
    response = render(
        request, "sortition/register.html", {"panel": panel, "form": form}, status=status
    )
    response["Cache-Control"] = "no-store"  # the form may hold what someone typed in
    return response


def register_done(request: HttpRequest, slug: str) -> HttpResponse:
    panel = get_object_or_404(Panel, slug=slug)
    return render(request, "sortition/register_done.html", {"panel": panel})
