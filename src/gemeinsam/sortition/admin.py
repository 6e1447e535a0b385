"""Admin for sortition: panels with quotas; volunteers read-only (change them via the pages)."""

from django.contrib import admin

from gemeinsam.sortition.models import Panel, Quota, SelectionRun


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "size", "public", "registration_open", "created_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuotaInline]


@admin.register(SelectionRun)
class SelectionRunAdmin(admin.ModelAdmin):
    list_display = ["panel", "algorithm", "state", "min_probability", "seconds", "drawn_at"]
    list_filter = ["state", "algorithm"]
    readonly_fields = [f.name for f in SelectionRun._meta.fields]
