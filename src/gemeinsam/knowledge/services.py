"""Knowledge store actions: saving, publishing and deleting documents and adding and removing
their attachments, each recorded in the audit log, with the SQLite full-text index kept in
step (the search itself is in knowledge.selectors).
"""

from django.db import connection, transaction

from gemeinsam.core import audit
from gemeinsam.knowledge import text
from gemeinsam.knowledge.models import Attachment, Document
from gemeinsam.knowledge.selectors import uses_fts5

# The FTS5 table of migration 0002; rowid is the document's id.
FTS_DELETE = "DELETE FROM knowledge_document_fts WHERE rowid = %s"
FTS_INSERT = "INSERT INTO knowledge_document_fts (rowid, title, body) VALUES (%s, %s, %s)"
FTS_CLEAR = "DELETE FROM knowledge_document_fts"


def _index(document: Document) -> None:
    with connection.cursor() as cursor:
        cursor.execute(FTS_DELETE, [document.pk])
        cursor.execute(
            FTS_INSERT, [document.pk, text.stemmed(document.title), text.stemmed(document.body)]
        )


@transaction.atomic
def save_document(document: Document, *, user=None) -> Document:
    """Save a document (new or changed) and index it for search; publishing and
    unpublishing it are recorded in the audit log."""
    was_published = (
        document.pk is not None and Document.objects.filter(pk=document.pk, published=True).exists()
    )
    document.save()
    if uses_fts5():
        _index(document)
    if document.published != was_published:
        state = "published" if document.published else "unpublished"
        audit.record(user, f"knowledge.document_{state}", document)
    return document


@transaction.atomic
def delete_document(document: Document) -> None:
    if uses_fts5():
        with connection.cursor() as cursor:
            cursor.execute(FTS_DELETE, [document.pk])
    document.delete()


@transaction.atomic
def rebuild_index() -> int:
    """Index every document afresh (SQLite; PostgreSQL needs nothing). Returns the count."""
    documents = Document.objects.all()
    if uses_fts5():
        with connection.cursor() as cursor:
            cursor.execute(FTS_CLEAR)
        for document in documents.iterator():
            _index(document)
    return documents.count()


def add_attachment(document: Document, file, title: str = "", *, user=None) -> Attachment:
    """Attach a file to a document; type and size are checked (models.validate_attachment)."""
    return save_attachment(Attachment(document=document, file=file, title=title), user=user)


@transaction.atomic
def save_attachment(attachment: Attachment, *, user=None) -> Attachment:
    """Save a new or changed attachment (the admin's inline form); a new one is logged."""
    new = attachment.pk is None
    attachment.full_clean()
    attachment.save()
    if new:
        audit.record(
            user,
            "knowledge.attachment_added",
            attachment.document,
            attachment=attachment.pk,
            size=attachment.size,
        )
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, *, user=None) -> None:
    """Remove an attachment; its file is deleted once the transaction commits (apps.py)."""
    audit.record(
        user, "knowledge.attachment_removed", attachment.document, attachment=attachment.pk
    )
    attachment.delete()
