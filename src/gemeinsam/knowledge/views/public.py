"""Public pages of the knowledge store: one search box over documents, measures and
processes with its results, a document, and the download of an attachment."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from gemeinsam.knowledge import selectors
from gemeinsam.knowledge.models import Attachment, Document
from gemeinsam.knowledge.predicates import can_see_document

MAX_QUERY = 200


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    context = {"query": query}
    if query:
        context["results"] = selectors.search_all(query)
    else:
        context["documents"] = Document.objects.filter(published=True).prefetch_related("tags")
    return render(request, "knowledge/index.html", context)


@require_safe
def document(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Document.objects.prefetch_related("tags", "attachments"), slug=slug)
    if not can_see_document(request.user, found):
        raise Http404
    context = {"document": found, "measures": selectors.linked_measures(found)}
    return render(request, "knowledge/document.html", context)


@require_safe
def attachment(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The file as a download, with the type its extension allows (never the uploader's)."""
    found = get_object_or_404(
        Attachment.objects.select_related("document"), pk=pk, document__slug=slug
    )
    if not can_see_document(request.user, found.document):
        raise Http404
    try:
        file = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not found.document.published:
        response["Cache-Control"] = "private, no-store"
    return response
