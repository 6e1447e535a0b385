"""Pages of budgeting: the process with its proposals and costs, proposing, the ballot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gemeinsam.budgeting import results, services
from gemeinsam.budgeting.forms import ProposalForm, parse_choices
from gemeinsam.budgeting.models import BallotKind, BudgetingProcess, Feasibility, Proposal
from gemeinsam.core.predicates import can
from gemeinsam.participation import selectors
from gemeinsam.participation.selectors import map_context

CODE_SESSION_KEY = "budgeting-code-ballot"


def get_budgeting(request: HttpRequest, slug: str) -> BudgetingProcess:
    """A budgeting process whose participation process the user may see, else 404."""
    process = get_object_or_404(selectors.visible_processes(request.user), slug=slug)
    budgeting = get_object_or_404(BudgetingProcess, process=process)
    budgeting.process = process
    return budgeting


def process(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    proposals = list(
        Proposal.objects.filter(budgeting=budgeting, idea__is_hidden=False)
        .select_related("idea", "district")
        .defer("district__geometry")
        .order_by("idea__title", "pk")
    )
    user = request.user
    return render(
        request,
        "budgeting/process.html",
        {
            "budgeting": budgeting,
            "process": budgeting.process,
            "outlook": budgeting.process.outlook(),
            "parts": services.parts(
                budgeting, [p for p in proposals if p.feasibility == Feasibility.FEASIBLE]
            ),
            "pending": [p for p in proposals if p.feasibility == Feasibility.PENDING],
            "rejected": [p for p in proposals if p.feasibility == Feasibility.NOT_FEASIBLE],
            "can_submit": can(user, "budgeting.submit_proposal", budgeting),
            "can_vote": can(user, "budgeting.vote", budgeting)
            or can(user, "budgeting.vote_with_code", budgeting),
            "can_review": can(user, "budgeting.review_proposal", budgeting),
            "can_manage_codes": can(user, "budgeting.manage_codes", budgeting),
            "can_enter_paper": can(user, "budgeting.enter_paper_ballot", budgeting),
            "my_ballot": services.my_ballot(user, budgeting),
            "has_results": results.published(budgeting) is not None
            or results.voting_closed(budgeting.process)
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
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.submit_proposal(
                request.user,
                budgeting,
                cost_estimate=form.cleaned_data["cost_estimate"],
                **form.idea_arguments(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you! Your proposal has been published."))
            return redirect("participation:idea", slug, proposal.idea_id)
    context = {
        "budgeting": budgeting,
        "process": process,
        "form": form,
        "map": map_context(process, outline=True),
    }
    return render(request, "budgeting/proposal_form.html", context)


def ballot_context(budgeting: BudgetingProcess, proposals, choices, check) -> dict:
    """What the ballot template needs: the parts with each proposal's current value."""
    rows = []
    checks = {id(c.part): c for c in check.parts} if check else {}
    all_parts = [c.part for c in check.parts] if check else services.parts(budgeting, proposals)
    for part in all_parts:
        rows.append(
            {
                "part": part,
                "check": checks.get(id(part)),
                "items": [(p, choices.get(p.pk, "")) for p in part.proposals],
            }
        )
    return {
        "budgeting": budgeting,
        "process": budgeting.process,
        "rows": rows,
        "check": check,
        "BallotKind": BallotKind,
        "rank_choices": range(1, budgeting.max_rank + 1),
    }


def ballot(request: HttpRequest, slug: str) -> HttpResponse:
    """The ballot: "Check my ballot" recalculates on the server, "Submit" casts it."""
    budgeting = get_budgeting(request, slug)
    user = request.user
    with_code = not user.is_authenticated and budgeting.voting_codes
    if not user.is_authenticated and not with_code:
        return redirect_to_login(request.get_full_path())
    perm = "budgeting.vote_with_code" if with_code else "budgeting.vote"
    allowed = can(user, perm, budgeting)
    proposals = list(services.ballot_proposals(budgeting))
    existing = services.my_ballot(user, budgeting)
    errors: list[str] = []
    checked = False
    code = ""
    if request.method == "POST" and allowed:
        choices, errors = parse_choices(request.POST, [p.pk for p in proposals])
        check = services.check_ballot(budgeting, choices, proposals)
        code = request.POST.get("code", "").strip()
        if request.POST.get("action") == "submit" and not errors:
            try:
                if with_code and not code:
                    raise ValidationError(_("Please enter your voting code."))
                services.cast_ballot(code if with_code else user, budgeting, choices)
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
        choices = services.ballot_choices(existing)
        check = services.check_ballot(budgeting, choices, proposals) if choices else None
    context = ballot_context(budgeting, proposals, choices, check)
    context |= {
        "allowed": allowed,
        "with_code": with_code,
        "code": code,
        "errors": errors,
        "checked": checked,
        "existing": existing,
    }
    return render(request, "budgeting/ballot.html", context, status=200)


def ballot_done(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = get_budgeting(request, slug)
    user = request.user
    if user.is_authenticated:
        choices = services.ballot_choices(services.my_ballot(user, budgeting))
    else:
        choices = {int(k): v for k, v in request.session.get(CODE_SESSION_KEY, {}).items()}
    proposals = [p for p in services.ballot_proposals(budgeting) if p.pk in choices]
    proposals.sort(key=lambda p: (choices[p.pk], p.idea.title))
    check = services.check_ballot(budgeting, choices) if choices else None
    return render(
        request,
        "budgeting/ballot_done.html",
        {
            "budgeting": budgeting,
            "process": budgeting.process,
            "chosen": [(p, choices[p.pk]) for p in proposals],
            "check": check,
            "BallotKind": BallotKind,
            "can_change": can(user, "budgeting.vote", budgeting),
        },
    )
