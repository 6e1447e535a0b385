"""Proposals: ideas with a cost, submitted by residents and reviewed by staff for feasibility."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.budgeting.models import BudgetingProcess, Feasibility, Proposal
from gemeinsam.core import audit
from gemeinsam.core.models import District
from gemeinsam.core.predicates import require
from gemeinsam.participation.services import contributions

# The audit verb of each review result.
REVIEW_VERBS = {
    Feasibility.FEASIBLE: "budgeting.proposal_feasible",
    Feasibility.NOT_FEASIBLE: "budgeting.proposal_not_feasible",
    Feasibility.PENDING: "budgeting.proposal_pending",
}


@transaction.atomic
def submit_proposal(
    user,
    budgeting: BudgetingProcess,
    *,
    title: str,
    description: str,
    cost_estimate: Decimal,
    category=None,
    point: contributions.Point | None = None,
    images=(),
) -> Proposal:
    """An idea with a cost estimate, submitted in the proposal collection phase."""
    require(user, "budgeting.submit_proposal", budgeting)
    idea = contributions.submit_idea(
        user,
        budgeting.process,
        title=title,
        description=description,
        category=category,
        point=point,
        images=images,
    )
    proposal = Proposal(
        idea=idea, budgeting=budgeting, cost_estimate=cost_estimate, district=idea.district
    )
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def review_proposal(
    staff,
    proposal: Proposal,
    *,
    feasibility: str,
    reason: str = "",
    final_cost: Decimal | None = None,
    district: District | None = None,
) -> Proposal:
    """Staff's feasibility review: not feasible needs a public reason; feasible a cost."""
    require(staff, "budgeting.review_proposal", proposal)
    if feasibility not in Feasibility.values:
        raise ValidationError(_("Unknown review result."))
    reason = reason.strip()
    if feasibility == Feasibility.NOT_FEASIBLE and not reason:
        raise ValidationError(_("Please give the public reason why it is not feasible."))
    proposal.feasibility = feasibility
    proposal.rejection_reason = reason if feasibility == Feasibility.NOT_FEASIBLE else ""
    proposal.final_cost = final_cost
    if district is not None:
        proposal.district = district
    proposal.reviewed_by, proposal.reviewed_at = staff, timezone.now()
    proposal.full_clean()
    proposal.save()
    # On the process, so that its staff page shows every review; the reason is on the page.
    audit.record(
        staff,
        REVIEW_VERBS[feasibility],
        proposal.budgeting,
        proposal=proposal.pk,
        feasibility=str(feasibility),
        final_cost=None if final_cost is None else str(final_cost),
    )
    return proposal
