"""Pages of budgeting: the process with its proposals and costs, proposing, the ballot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.forms import ProposalForm, parse_choices
from gemeinsam.budgeting.models import BallotKind, BudgetingProcess, Feasibility
from gemeinsam.budgeting.services import ballots, proposals
from gemeinsam.budgeting.services.codes import CodeEntryLocked
from gemeinsam.core.forms import submitted
from gemeinsam.core.predicates import can
from gemeinsam.participation.selectors import map_context

CODE_SESSION_KEY = "budgeting-code-ballot"


def get_budgeting(request: HttpRequest, slug: str) -> BudgetingProcess:
    """A budgeting process whose participation process the user may see, else 404."""
    budgeting = selectors.visible_budgeting(request.user, slug)
    if budgeting is None:
        raise Http404
    return budgeting


def process(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    shown = selectors.public_proposals(budgeting)
    user = request.user
    return render(
        request,
        "budgeting/process.html",
        {
            "budgeting": budgeting,
            "process": budgeting.process,
            "outlook": budgeting.process.outlook(),
            "parts": selectors.parts(
                budgeting, [p for p in shown if p.feasibility == Feasibility.FEASIBLE]
            ),
            "pending": [p for p in shown if p.feasibility == Feasibility.PENDING],
            "rejected": [p for p in shown if p.feasibility == Feasibility.NOT_FEASIBLE],
            "can_submit": can(user, "budgeting.submit_proposal", budgeting),
            "can_vote": can(user, "budgeting.vote", budgeting)
            or can(user, "budgeting.vote_with_code", budgeting),
            "can_review": can(user, "budgeting.review_proposal", budgeting),
            "can_manage_codes": can(user, "budgeting.manage_codes", budgeting),
            "can_enter_paper": can(user, "budgeting.enter_paper_ballot", budgeting),
            "my_ballot": selectors.my_ballot(user, budgeting),
            "has_results": selectors.published(budgeting) is not None
            or selectors.voting_closed(budgeting.process)
            or can(user, "budgeting.view_provisional_results", budgeting),
        },
    )


@login_required
def proposal_create(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    if not can(request.user, "budgeting.submit_proposal", budgeting):
        raise PermissionDenied
    process = budgeting.process
    form = ProposalForm(request.POST or None, request.FILES or None, process=process)
    proposal = submitted(
        request,
        form,
        lambda data: proposals.submit_proposal(
            request.user, budgeting, cost_estimate=data["cost_estimate"], **form.idea_arguments()
        ),
    )
    if proposal is not None:
        messages.success(request, _("Thank you! Your proposal has been published."))
        return redirect("participation:idea", slug, proposal.idea_id)
    context = {
        "budgeting": budgeting,
        "process": process,
        "form": form,
        "map": map_context(process, outline=True),
    }
    return render(request, "budgeting/proposal_form.html", context)


def ballot(request: HttpRequest, slug: str) -> HttpResponse:
    """The ballot: "Check my ballot" recalculates on the server, "Submit" casts it."""
    budgeting = get_budgeting(request, slug)
    user = request.user
    with_code = not user.is_authenticated and budgeting.voting_codes
    if not user.is_authenticated and not with_code:
        return redirect_to_login(request.get_full_path())
    perm = "budgeting.vote_with_code" if with_code else "budgeting.vote"
    allowed = can(user, perm, budgeting)
    on_ballot = list(selectors.ballot_proposals(budgeting))
    existing = selectors.my_ballot(user, budgeting)
    errors: list[str] = []
    checked = False
    code = ""
    retry_after = None
    if request.method == "POST" and allowed:
        choices, errors = parse_choices(request.POST, [p.pk for p in on_ballot])
        check = ballots.check_ballot(budgeting, choices, on_ballot)
        code = request.POST.get("code", "").strip()
        if request.POST.get("action") == "submit" and not errors:
            try:
                if with_code and not code:
                    raise ValidationError(_("Please enter your voting code."))
                if with_code:
                    ballots.cast_code_ballot(request, budgeting, code, choices)
                else:
                    ballots.cast_ballot(user, budgeting, choices)
            except CodeEntryLocked as error:
                errors, retry_after = error.messages, error.retry_after
            except ValidationError as error:
                errors = error.messages
            except PermissionDenied:
                errors = [_("Voting is not possible now or not for you.")]
            else:
                if with_code:
                    request.session[CODE_SESSION_KEY] = {str(k): v for k, v in choices.items()}
                messages.success(request, _("Thank you! Your ballot has been saved."))
                return redirect("budgeting:ballot_done", slug)
        else:
            errors += check.errors
            checked = True
    else:
        choices = selectors.ballot_choices(existing)
        check = ballots.check_ballot(budgeting, choices, on_ballot) if choices else None
    context = selectors.ballot_context(budgeting, on_ballot, choices, check)
    context |= {
        "allowed": allowed,
        "with_code": with_code,
        "code": code,
        "errors": errors,
        "checked": checked,
        "existing": existing,
    }
    if retry_after is None:
        return render(request, "budgeting/ballot.html", context)
    # The form is shown again with what was entered, under 429 as allauth answers logins.
    response = render(request, "budgeting/ballot.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ballot_done(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    user = request.user
    if user.is_authenticated:
        choices = selectors.ballot_choices(selectors.my_ballot(user, budgeting))
    else:
        choices = {int(k): v for k, v in request.session.get(CODE_SESSION_KEY, {}).items()}
    chosen = [p for p in selectors.ballot_proposals(budgeting) if p.pk in choices]
    chosen.sort(key=lambda p: (choices[p.pk], p.idea.title))
    check = ballots.check_ballot(budgeting, choices) if choices else None
    return render(
        request,
        "budgeting/ballot_done.html",
        {
            "budgeting": budgeting,
            "process": budgeting.process,
            "chosen": [(p, choices[p.pk]) for p in chosen],
            "check": check,
            "BallotKind": BallotKind,
            "can_change": can(user, "budgeting.vote", budgeting),
        },
    )
