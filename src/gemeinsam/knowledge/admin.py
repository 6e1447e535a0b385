"""Admin for the knowledge store: documents are saved and deleted through the services,
so that the search index follows."""

from django.contrib import admin

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Document, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "published", "updated_at"]
    list_filter = ["published", "tags"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]

    def save_model(self, request, obj, form, change):
        services.save_document(obj)

    def delete_model(self, request, obj):
        services.delete_document(obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(document)
