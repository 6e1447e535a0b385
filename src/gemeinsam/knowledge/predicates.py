"""Who may see what in the knowledge store: published documents are public, drafts are
for staff (the same check for pages, downloads and the API)."""

from gemeinsam.knowledge.models import Document


def can_see_document(user, document: Document) -> bool:
    return document.published or bool(user.is_authenticated and user.is_staff)


def visible_documents(user):
    documents = Document.objects.all()
    if user.is_authenticated and user.is_staff:
        return documents
    return documents.filter(published=True)
