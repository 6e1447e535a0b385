"""Budgeting processes built on participation: proposals with costs, ballots, voting codes.

A budgeting process is a participation process (phases, ideas, moderation) with a budget;
a proposal is an idea with a cost; ballots are cast in the participation VOTING phase.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.models import District, recorded_by
from gemeinsam.participation.models import Idea, Process


class BallotKind(models.TextChoices):
    """The same kinds as budgeting.rules.election.BallotKind (without Pabulib's choose-1)."""

    APPROVAL = "approval", _("Approval: tick the proposals you support")
    CUMULATIVE = "cumulative", _("Cumulative: distribute points")
    ORDINAL = "ordinal", _("Ordinal: rank your favourites")


class Rule(models.TextChoices):
    GREEDY = "greedy", _("Greedy: most votes first")
    MES = "mes", _("Method of Equal Shares")
    PHRAGMEN = "phragmen", _("Sequential Phragmén")


class Satisfaction(models.TextChoices):
    COST = "cost", _("Cost satisfaction")
    CARDINALITY = "cardinality", _("Cardinality satisfaction")


class Completion(models.TextChoices):
    NONE = "none", _("No completion")
    GREEDY = "greedy", _("Completed greedily")
    ADD1 = "add1", _("Completed by Add1")
    ADD1_GREEDY = "add1-greedy", _("Add1, then greedily")


class BudgetingProcess(models.Model):
    process = models.OneToOneField(
        Process,
        verbose_name=_("participation process"),
        on_delete=models.CASCADE,
        related_name="budgeting",
    )
    budget = models.DecimalField(
        _("total budget"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    ballot_kind = models.CharField(
        _("ballot kind"), max_length=16, choices=BallotKind, default=BallotKind.APPROVAL
    )
    min_projects = models.PositiveSmallIntegerField(
        _("minimum number of proposals"), null=True, blank=True
    )
    max_projects = models.PositiveSmallIntegerField(
        _("maximum number of proposals"), null=True, blank=True
    )
    knapsack = models.BooleanField(
        _("selection must not exceed the budget"),
        default=False,
        help_text=_("Approval ballots only: the chosen proposals may cost at most the budget."),
    )
    points = models.PositiveSmallIntegerField(
        _("points to distribute"), default=10, help_text=_("Cumulative ballots only.")
    )
    max_rank = models.PositiveSmallIntegerField(
        _("proposals to rank (k)"), default=3, help_text=_("Ordinal ballots only.")
    )
    voting_codes = models.BooleanField(
        _("voting with codes"),
        default=False,
        help_text=_("Printed codes let people vote once without an account."),
    )
    rule = models.CharField(_("rule"), max_length=16, choices=Rule, default=Rule.MES)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction, default=Satisfaction.COST
    )
    completion = models.CharField(
        _("completion"), max_length=16, choices=Completion, default=Completion.ADD1_GREEDY
    )

    class Meta:
        verbose_name = _("budgeting process")
        verbose_name_plural = _("budgeting processes")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_projects__isnull=True)
                | Q(max_projects__isnull=True)
                | Q(min_projects__lte=models.F("max_projects")),
                name="budgeting_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return str(self.process)

    @property
    def slug(self) -> str:
        return self.process.slug


class DistrictBudget(models.Model):
    """A district's share of the budget: its proposals form an election of their own."""

    budgeting = models.ForeignKey(
        BudgetingProcess, on_delete=models.CASCADE, related_name="district_budgets"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["district__name"]
        verbose_name = _("district budget")
        verbose_name_plural = _("district budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["budgeting", "district"], name="budgeting_one_budget_per_district"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district}: {self.amount}"


class Feasibility(models.TextChoices):
    PENDING = "pending", _("Review pending")
    FEASIBLE = "feasible", _("Feasible")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")


class Proposal(models.Model):
    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, related_name="proposal")
    budgeting = models.ForeignKey(
        BudgetingProcess, on_delete=models.CASCADE, related_name="proposals"
    )
    cost_estimate = models.DecimalField(
        _("estimated cost"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Your estimate; the administration checks it."),
    )
    feasibility = models.CharField(
        _("feasibility"), max_length=16, choices=Feasibility, default=Feasibility.PENDING
    )
    rejection_reason = models.TextField(
        _("public reason"), blank=True, help_text=_("Shown to everyone when not feasible.")
    )
    final_cost = models.DecimalField(
        _("final cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    reviewed_by = recorded_by(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The district whose budget pays for it, where there are district budgets."),
    )
    # The project id of a Pabulib import, so that an export gives the same ids back.
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["idea__title", "pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=~Q(feasibility="not_feasible") | ~Q(rejection_reason=""),
                name="budgeting_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.idea.title

    @property
    def cost(self) -> Decimal:
        """What the proposal costs on the ballot: the staff's final cost, else the estimate."""
        return self.final_cost if self.final_cost is not None else self.cost_estimate


class VotingCode(models.Model):
    """A printed one-time code, shown once; stored is its HMAC-SHA256 under a pepper kept
    out of the database (services/codes.py), or for codes printed before that its SHA-256."""

    budgeting = models.ForeignKey(BudgetingProcess, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    batch = models.PositiveIntegerField(_("printed batch"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = recorded_by()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voting code")
        verbose_name_plural = _("voting codes")
        indexes = [models.Index(fields=["budgeting", "batch"])]

    def __str__(self) -> str:
        return f"{self.budgeting} #{self.batch}"


class BallotSource(models.TextChoices):
    ONLINE = "online", _("Online")
    CODE = "code", _("Voting code")
    PAPER = "paper", _("Paper ballot")
    IMPORTED = "imported", _("Imported")


class Ballot(models.Model):
    budgeting = models.ForeignKey(
        BudgetingProcess, on_delete=models.CASCADE, related_name="ballots"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pb_ballots",
    )
    voting_code = models.OneToOneField(
        VotingCode, on_delete=models.PROTECT, null=True, blank=True, related_name="ballot"
    )
    source = models.CharField(_("source"), max_length=16, choices=BallotSource)
    entered_by = recorded_by(blank=True)
    # Paper ballots: the sheet's number; imports: the Pabulib voter id.
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            # The database, not the view, guarantees one ballot per person and per code
            # (NULLs are distinct, so paper and imported ballots are not limited).
            models.UniqueConstraint(fields=["budgeting", "voter"], name="budgeting_one_ballot"),
            models.UniqueConstraint(
                fields=["budgeting", "voting_code"], name="budgeting_one_ballot_per_code"
            ),
            models.CheckConstraint(
                condition=Q(voter__isnull=True) | Q(voting_code__isnull=True),
                name="budgeting_ballot_voter_or_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}"


class BallotItem(models.Model):
    """One proposal on a ballot: approval 1, cumulative the points, ordinal the rank (1 best)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="items")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballot_items")
    value = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["value", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "proposal"], name="budgeting_item_once"),
            models.CheckConstraint(condition=Q(value__gte=1), name="budgeting_item_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.value}"


class ResultState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be counted")
    RUNNING = "running", _("Being counted")
    DONE = "done", _("Counted")
    FAILED = "failed", _("Counting failed")


class Result(models.Model):
    """One count of the stored ballots: queued, run by the worker, then kept as data.

    A count made after voting closed is `final`; the newest final one that is done is the
    published result. Counts while voting runs are provisional and shown to staff only.
    """

    budgeting = models.ForeignKey(
        BudgetingProcess, on_delete=models.CASCADE, related_name="results"
    )
    final = models.BooleanField(_("final"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=ResultState, default=ResultState.QUEUED
    )
    requested_by = recorded_by(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When voting closes: a final count may start only then (the worker's run_after).
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ballots = models.PositiveIntegerField(_("ballots counted"), default=0)
    seconds = models.FloatField(null=True, blank=True)
    # Winners, the comparison and explanations per part (see budgeting/services/results.py).
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            # At most one count of each kind waits or runs: repeated requests join it.
            models.UniqueConstraint(
                fields=["budgeting", "final"],
                condition=Q(state__in=["queued", "running"]),
                name="budgeting_one_pending_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budgeting} #{self.pk} ({self.get_state_display()})"
