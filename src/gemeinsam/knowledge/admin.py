"""Admin for the knowledge store: documents and attachments are saved and deleted through
the services, so that the search index and the audit log follow; attachments and links to
measures are edited inline."""

from django.contrib import admin

from gemeinsam.knowledge import services
from gemeinsam.knowledge.forms import DocumentMeasureForm, DocumentMeasureFormSet
from gemeinsam.knowledge.models import Attachment, Document, DocumentMeasure, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["title", "file", "size", "content_type", "uploaded_at"]
    readonly_fields = ["size", "content_type", "uploaded_at"]
    extra = 1


class DocumentMeasureInline(admin.TabularInline):
    model = DocumentMeasure
    form = DocumentMeasureForm
    formset = DocumentMeasureFormSet
    fields = ["measure"]
    extra = 1


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "published", "updated_at"]
    list_filter = ["published", "tags"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]
    inlines = [AttachmentInline, DocumentMeasureInline]

    def save_model(self, request, obj, form, change):
        services.save_document(obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        """Attachments are added and removed through the services, which log them."""
        if formset.model is not Attachment:
            super().save_formset(request, form, formset, change)
            return
        for attachment in formset.save(commit=False):
            services.save_attachment(attachment, user=request.user)
        for attachment in formset.deleted_objects:
            services.remove_attachment(attachment, user=request.user)

    def delete_model(self, request, obj):
        services.delete_document(obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(document)
