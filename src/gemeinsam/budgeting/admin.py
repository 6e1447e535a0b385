"""Django admin for budgeting: a fallback for platform admins beside the staff pages."""

from django.contrib import admin

from gemeinsam.budgeting.models import (
    Ballot,
    BallotItem,
    BudgetingProcess,
    DistrictBudget,
    Proposal,
)


class DistrictBudgetInline(admin.TabularInline):
    model = DistrictBudget
    extra = 0


@admin.register(BudgetingProcess)
class BudgetingProcessAdmin(admin.ModelAdmin):
    list_display = ["process", "budget", "currency", "ballot_kind", "rule"]
    inlines = [DistrictBudgetInline]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "budgeting", "cost_estimate", "final_cost", "feasibility"]
    list_filter = ["feasibility", "budgeting"]
    raw_id_fields = ["idea", "reviewed_by"]


class BallotItemInline(admin.TabularInline):
    model = BallotItem
    extra = 0
    raw_id_fields = ["proposal"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "budgeting", "source", "created_at"]
    list_filter = ["source", "budgeting"]
    raw_id_fields = ["voter", "voting_code", "entered_by"]
    inlines = [BallotItemInline]
