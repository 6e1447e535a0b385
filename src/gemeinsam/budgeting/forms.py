"""Forms of budgeting: proposal with cost, staff review, code batch; ballots are parsed here too."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from gemeinsam.budgeting.models import Feasibility, Proposal
from gemeinsam.budgeting.services.codes import MAX_CODES_PER_BATCH
from gemeinsam.participation.forms.public import IdeaForm


class ProposalForm(IdeaForm):
    """An idea's form (title, description, category, place, pictures) with a cost estimate."""

    cost_estimate = forms.DecimalField(
        label=_("Estimated cost"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("What you think it costs, in the process's currency. Staff will check it."),
    )


class ReviewForm(forms.Form):
    feasibility = forms.ChoiceField(label=_("Feasibility"), choices=Feasibility.choices)
    rejection_reason = forms.CharField(
        label=_("Public reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    final_cost = forms.DecimalField(
        label=_("Final cost"), required=False, min_value=Decimal("0.01"), decimal_places=2
    )

    @classmethod
    def for_proposal(cls, proposal: Proposal) -> "ReviewForm":
        initial = {
            "feasibility": proposal.feasibility,
            "rejection_reason": proposal.rejection_reason,
            "final_cost": proposal.final_cost,
        }
        return cls(initial=initial, prefix=f"r{proposal.pk}")

    def clean(self):
        data = super().clean()
        if (
            data.get("feasibility") == Feasibility.NOT_FEASIBLE
            and not data.get("rejection_reason", "").strip()
        ):
            self.add_error("rejection_reason", _("Please give the public reason."))
        return data


class CodeBatchForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"), min_value=1, max_value=MAX_CODES_PER_BATCH, initial=100
    )


def parse_choices(data, proposal_ids) -> tuple[dict[int, int], list[str]]:
    """Read a ballot form: field p-<id> is a ticked box ("1"), points or a rank; blank = none."""
    choices: dict[int, int] = {}
    errors: list[str] = []
    for pk in proposal_ids:
        raw = (data.get(f"p-{pk}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            errors.append(str(_("Please enter whole numbers only.")))
            continue
        if int(raw):
            choices[pk] = int(raw)
    return choices, sorted(set(errors))
