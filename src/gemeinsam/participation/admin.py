"""Django admin for participation: a fallback for platform admins beside the staff area.

The audit log is read-only here: moderator actions are written by the services only.
"""

from django.contrib import admin

from gemeinsam.participation.models import (
    Block,
    Category,
    Comment,
    Idea,
    IdeaImage,
    ModerationEvent,
    Phase,
    Process,
    Rating,
    Report,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["type", "title", "starts_at", "ends_at", "position"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "visibility", "organisation", "created_at"]
    list_filter = ["visibility", "districts", "organisation"]
    search_fields = ["title", "title_en", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["members", "moderators"]
    filter_horizontal = ["districts"]
    exclude = ["followers"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [PhaseInline, CategoryInline]
    date_hierarchy = "created_at"


class IdeaImageInline(admin.TabularInline):
    model = IdeaImage
    extra = 0
    fields = ["image", "alt_text", "position", "width", "height"]
    readonly_fields = ["width", "height"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "process",
        "status",
        "is_hidden",
        "rating_up",
        "rating_down",
        "comment_count",
        "created_at",
    ]
    list_filter = ["process", "status", "is_hidden", "district", "category"]
    search_fields = ["title", "description"]
    list_select_related = ["process"]
    autocomplete_fields = ["author", "statement_by"]
    # The counters are kept by the services; editing them by hand would make them lie.
    readonly_fields = ["rating_up", "rating_down", "comment_count", "statement_at", "updated_at"]
    inlines = [IdeaImageInline]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "idea", "author", "is_hidden", "is_deleted", "created_at"]
    list_filter = ["is_hidden", "is_deleted", "idea__process"]
    search_fields = ["text"]
    list_select_related = ["idea", "author"]
    raw_id_fields = ["idea", "parent"]
    autocomplete_fields = ["author"]
    readonly_fields = ["created_at", "edited_at"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: a changed vote must go through rate_idea, which keeps the counters."""

    list_display = ["idea", "user", "value", "updated_at"]
    list_filter = ["value", "idea__process"]
    list_select_related = ["idea", "user"]
    search_fields = ["idea__title", "user__email"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["reason", "idea", "comment", "reporter", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "idea__process"]
    search_fields = ["reason"]
    list_select_related = ["idea", "comment", "reporter"]
    raw_id_fields = ["idea", "comment"]
    autocomplete_fields = ["reporter", "resolved_by"]
    readonly_fields = ["created_at"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["user", "process", "reason", "created_at"]
    list_filter = ["process"]
    search_fields = ["user__email", "user__display_name", "reason"]
    list_select_related = ["user", "process"]
    autocomplete_fields = ["user"]


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, for staff to trace what moderators did."""

    list_display = ["created_at", "process", "moderator", "kind", "subject"]
    list_filter = ["kind", "process"]
    search_fields = ["subject", "reason"]
    list_select_related = ["process", "moderator"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
