"""App configuration for the knowledge store (Wissensspeicher): the API router, the
documents on a measure's page, the guard that keeps attachments out of /media/, the
removal of a deleted attachment's file and the names of its audit events."""

from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "gemeinsam.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge store")

    def ready(self) -> None:
        from gemeinsam.core.api import api
        from gemeinsam.core.hooks import (
            register_audit_verbs,
            register_measure_related,
            register_media_guard,
        )
        from gemeinsam.knowledge.api import router

        api.add_router("/knowledge", router)
        register_measure_related(_measure_documents)
        # Attachments are downloaded through knowledge.views.public.attachment, which checks
        # the document is published; /media/ would serve a draft's pictures to anyone.
        register_media_guard("knowledge", _never)
        post_delete.connect(
            _delete_file, sender="knowledge.Attachment", dispatch_uid="knowledge-delete-file"
        )
        register_audit_verbs(
            {
                "knowledge.document_published": _("Document published"),
                "knowledge.document_unpublished": _("Document unpublished"),
                "knowledge.attachment_added": _("Attachment added"),
                "knowledge.attachment_removed": _("Attachment removed"),
            }
        )


def _measure_documents(measure_key) -> list[tuple[str, str]]:
    """A measure's page lists the published documents linked to it."""
    from gemeinsam.knowledge.selectors import documents_for_measure

    return [(d.title, d.get_absolute_url()) for d in documents_for_measure(measure_key)]


def _never(request, path: str) -> bool:
    return False


def _delete_file(sender, instance, **kwargs) -> None:
    from django.db import transaction

    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
