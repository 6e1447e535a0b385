"""Knowledge store actions: saving and deleting documents and attaching files, with the
SQLite full-text index kept in step (the search itself is in knowledge.selectors).
"""

from django.db import connection, transaction

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
def save_document(document: Document) -> Document:
    """Save a document (new or changed) and index it for search."""
    document.save()
    if uses_fts5():
        _index(document)
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


@transaction.atomic
def add_attachment(document: Document, file, title: str = "") -> Attachment:
    """Attach a file to a document; type and size are checked (models.validate_attachment)."""
    attachment = Attachment(document=document, file=file, title=title)
    attachment.full_clean()
    attachment.save()
    return attachment
