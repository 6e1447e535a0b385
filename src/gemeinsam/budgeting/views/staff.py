"""Staff pages of budgeting: feasibility review (with the process's history of changes),
voting codes, paper ballots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gemeinsam.budgeting import selectors
from gemeinsam.budgeting.forms import CodeBatchForm, ReviewForm, parse_choices
from gemeinsam.budgeting.models import BallotSource, BudgetingProcess, Proposal
from gemeinsam.budgeting.services import ballots, codes, proposals
from gemeinsam.budgeting.views.public import get_budgeting
from gemeinsam.core.forms import submitted
from gemeinsam.core.predicates import require


def staff_budgeting(request: HttpRequest, slug: str, perm: str) -> BudgetingProcess:
    """The process, if the user may see it (else 404) and has `perm` on it (else 403).

    Not core's permission_required: these permissions depend on the process (codes enabled,
    voting running), so they are checked once it is loaded."""
    budgeting = get_budgeting(request, slug)
    require(request.user, perm, budgeting)
    return budgeting


@login_required
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = staff_budgeting(request, slug, "budgeting.review_proposal")
    rows = [(p, ReviewForm.for_proposal(p)) for p in selectors.proposals_for_review(budgeting)]
    return render(
        request,
        "budgeting/staff/review.html",
        {"budgeting": budgeting, "process": budgeting.process, "rows": rows},
    )


@require_POST
@login_required
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    budgeting = staff_budgeting(request, slug, "budgeting.review_proposal")
    proposal = get_object_or_404(Proposal, budgeting=budgeting, pk=pk)
    proposal.budgeting = budgeting
    form = ReviewForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    else:
        try:
            proposals.review_proposal(
                request.user,
                proposal,
                feasibility=form.cleaned_data["feasibility"],
                reason=form.cleaned_data.get("rejection_reason", ""),
                final_cost=form.cleaned_data.get("final_cost"),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The review of “%(title)s” is saved.") % {"title": proposal}
            )
    return redirect("budgeting:review_list", slug)


@login_required
def codes_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Generate a batch: the codes are shown once, on a page made for printing."""
    budgeting = staff_budgeting(request, slug, "budgeting.manage_codes")
    form = CodeBatchForm(request.POST or None)
    generated = submitted(
        request, form, lambda data: codes.generate_codes(request.user, budgeting, data["count"])
    )
    if generated is not None:
        batch, new_codes = generated
        response = render(
            request,
            "budgeting/staff/codes_print.html",
            {
                "budgeting": budgeting,
                "process": budgeting.process,
                "batch": batch,
                "codes": new_codes,
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "budgeting/staff/codes.html",
        {
            "budgeting": budgeting,
            "process": budgeting.process,
            "form": form,
            "batches": selectors.code_batches(budgeting),
        },
    )


@login_required
def paper_ballot(request: HttpRequest, slug: str) -> HttpResponse:
    budgeting = staff_budgeting(request, slug, "budgeting.enter_paper_ballot")
    on_ballot = list(selectors.ballot_proposals(budgeting))
    choices: dict[int, int] = {}
    errors: list[str] = []
    check = None
    if request.method == "POST":
        choices, errors = parse_choices(request.POST, [p.pk for p in on_ballot])
        check = ballots.check_ballot(budgeting, choices, on_ballot)
        if not errors:
            try:
                ballots.enter_paper_ballot(
                    request.user, budgeting, choices, request.POST.get("reference", "")
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("The paper ballot is saved."))
                return redirect("budgeting:paper_ballot", slug)
    context = selectors.ballot_context(budgeting, on_ballot, choices, check)
    context |= {
        "errors": errors,
        "paper_count": budgeting.ballots.filter(source=BallotSource.PAPER).count(),
    }
    return render(request, "budgeting/staff/paper.html", context)
