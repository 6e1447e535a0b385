"""The JSON API of the knowledge store: published documents, one document with its
attachments and linked measures, and the search over documents, measures and processes.

Same services and visibility as the pages; mounted at /api/knowledge by KnowledgeConfig.ready.
"""

import uuid
from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from gemeinsam.core.api import BoundedPageNumberPagination, Message
from gemeinsam.knowledge import selectors
from gemeinsam.knowledge.models import Document
from gemeinsam.knowledge.predicates import visible_documents

router = Router(tags=["knowledge"])

MAX_QUERY = 200


class DocumentOut(Schema):
    slug: str
    title: str
    tags: list[str]
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_tags(document) -> list[str]:
        if isinstance(document, dict):
            return document["tags"]
        return [tag.name for tag in document.tags.all()]

    @staticmethod
    def resolve_url(document, context) -> str:
        if isinstance(document, dict):
            return document["url"]
        return context["request"].build_absolute_uri(document.get_absolute_url())


class AttachmentOut(Schema):
    title: str
    filename: str
    content_type: str
    size: int
    url: str


class MeasureRefOut(Schema):
    strategy: str
    key: uuid.UUID
    title: str
    url: str | None


class DocumentDetailOut(DocumentOut):
    body: str
    published: bool
    attachments: list[AttachmentOut]
    measures: list[MeasureRefOut]


class DocumentHitOut(Schema):
    slug: str
    title: str
    url: str
    rank: float
    snippet: str


class MeasureHitOut(Schema):
    strategy: str
    key: uuid.UUID
    title: str
    url: str | None
    rank: float
    snippet: str


class ProcessHitOut(Schema):
    slug: str
    title: str
    url: str
    rank: float
    snippet: str


class SearchOut(Schema):
    query: str
    counts: dict[str, int]
    documents: list[DocumentHitOut]
    measures: list[MeasureHitOut]
    processes: list[ProcessHitOut]


def _document_out(request: HttpRequest, document) -> dict:
    return {
        "slug": document.slug,
        "title": document.title,
        "tags": [tag.name for tag in document.tags.all()],
        "updated_at": document.updated_at,
        "url": request.build_absolute_uri(document.get_absolute_url()),
    }


@router.get(
    "/documents",
    response=list[DocumentOut],
    summary="Published documents of the knowledge store",
)
@paginate(BoundedPageNumberPagination, page_size=20)
def list_documents(request: HttpRequest):
    return Document.objects.filter(published=True).prefetch_related("tags").order_by("title", "pk")


@router.get(
    "/documents/{slug}",
    response={200: DocumentDetailOut, 404: Message},
    summary="One document with its text (Markdown), attachments and measures",
)
def get_document(request: HttpRequest, slug: str):
    document = (
        visible_documents(request.user)
        .prefetch_related("tags", "attachments")
        .filter(slug=slug)
        .first()
    )
    if document is None:
        return 404, {"detail": _("There is no such document, or it is not published.")}
    return {
        **_document_out(request, document),
        "body": document.body,
        "published": document.published,
        "attachments": [
            {
                "title": a.title,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": request.build_absolute_uri(a.get_absolute_url()),
            }
            for a in document.attachments.all()
        ],
        "measures": [
            {
                "strategy": m.strategy.slug,
                "key": m.key,
                "title": m.title,
                "url": request.build_absolute_uri(m.url) if m.url else None,
            }
            for m in selectors.linked_measures(document)
        ],
    }


@router.get(
    "/search",
    response={200: SearchOut, 400: Message},
    summary="Search documents, measures and public participation processes",
    description="German stemming: “Bäume” finds “Baum”. Snippets are HTML, matches in <mark>.",
)
def search(request: HttpRequest, q: str = "", limit: int = 20):
    query = q.strip()
    if not query:
        raise HttpError(400, _("Enter a search term."))
    if len(query) > MAX_QUERY:
        raise HttpError(
            400, _("The search term is too long (at most %(max)d characters).") % {"max": MAX_QUERY}
        )
    results = selectors.search_all(query, limit=max(1, min(limit, 50)))
    return {
        "query": results.query,
        "counts": {
            "documents": len(results.documents),
            "measures": len(results.measures),
            "processes": len(results.processes),
        },
        "documents": [
            {
                "slug": hit.document.slug,
                "title": hit.document.title,
                "url": request.build_absolute_uri(hit.document.get_absolute_url()),
                "rank": hit.rank,
                "snippet": hit.snippet,
            }
            for hit in results.documents
        ],
        "measures": [
            {
                "strategy": hit.strategy.slug,
                "key": hit.measure.key,
                "title": hit.title,
                "url": request.build_absolute_uri(hit.url) if hit.url else None,
                "rank": hit.rank,
                "snippet": hit.snippet,
            }
            for hit in results.measures
        ],
        "processes": [
            {
                "slug": hit.process.slug,
                "title": hit.title,
                "url": request.build_absolute_uri(hit.url),
                "rank": hit.rank,
                "snippet": hit.snippet,
            }
            for hit in results.processes
        ],
    }
