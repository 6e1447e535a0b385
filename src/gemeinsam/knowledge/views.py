"""Public pages of the knowledge store: the search box with its results, and a document."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from gemeinsam.knowledge import services
from gemeinsam.knowledge.models import Document

MAX_QUERY = 200


def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    context = {"query": query}
    if query:
        context["hits"] = services.search(query)
    else:
        context["documents"] = Document.objects.filter(published=True).prefetch_related("tags")
    return render(request, "knowledge/index.html", context)


def document(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Document.objects.prefetch_related("tags"), slug=slug)
    if not found.published and not request.user.is_staff:
        raise Http404
    return render(request, "knowledge/document.html", {"document": found})
