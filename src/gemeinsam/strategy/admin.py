"""Django admin for the strategy: a fallback for platform admins beside the staff pages."""

from django.contrib import admin

from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    Measure,
    Strategy,
    StrategyVersion,
    Value,
)


class StrategyVersionInline(admin.TabularInline):
    model = StrategyVersion
    extra = 0
    fields = ["number", "state", "published_at", "change_note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "adopted_on"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StrategyVersionInline]


@admin.register(StrategyVersion)
class StrategyVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "published_at"]
    list_filter = ["state", "strategy"]
    readonly_fields = ["published_at", "published_by", "created_by"]


@admin.register(Value)
class ValueAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "order"]
    list_filter = ["version"]


@admin.register(FieldOfAction)
class FieldOfActionAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "order"]
    list_filter = ["version"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "field_of_action", "version"]
    list_filter = ["version"]
    raw_id_fields = ["field_of_action"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "status", "phase", "version"]
    list_filter = ["version", "type", "status", "phase"]
    raw_id_fields = ["lead_organisation", "partners", "fields_of_action"]
