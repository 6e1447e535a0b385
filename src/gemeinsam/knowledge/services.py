"""Knowledge store actions: saving and deleting documents, and the full-text search.

Search stems German on both databases: PostgreSQL with its `german` text search
configuration (websearch syntax, ts_rank, ts_headline), SQLite with an FTS5 table of
Snowball stems that save_document and delete_document keep in step (knowledge/text.py).
Title words weigh more than body words on both.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction

from gemeinsam.knowledge import text
from gemeinsam.knowledge.models import Document

# The FTS5 table of migration 0002; rowid is the document's id.
FTS_DELETE = "DELETE FROM knowledge_document_fts WHERE rowid = %s"
FTS_INSERT = "INSERT INTO knowledge_document_fts (rowid, title, body) VALUES (%s, %s, %s)"
FTS_CLEAR = "DELETE FROM knowledge_document_fts"
FTS_MATCH = (
    "SELECT rowid, bm25(knowledge_document_fts, %s, %s) FROM knowledge_document_fts "
    "WHERE knowledge_document_fts MATCH %s ORDER BY 2"
)
# bm25 weights of the FTS5 columns (title, body); PostgreSQL's A and B weights are 1.0 and 0.4.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0


@dataclass(frozen=True)
class Hit:
    """A found document, its rank (higher is better) and a snippet as HTML with <mark>s."""

    document: Document
    rank: float
    snippet: str


def uses_fts5() -> bool:
    return connection.vendor == "sqlite"


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


def _clean(query: str) -> str:
    # PostgreSQL refuses NUL in a string; the sentinels would break the highlighting.
    for character in ("\x00", text.START, text.STOP):
        query = query.replace(character, " ")
    return query.strip()


def search(query: str, limit: int = 20, include_unpublished: bool = False) -> list[Hit]:
    """Published documents matching every word of `query` (stemmed), best first.

    Any input is safe: quotes, *, -, AND/OR never raise, they are syntax of PostgreSQL's
    websearch format or plain characters on SQLite.
    """
    query = _clean(query or "")
    documents = (
        Document.objects.all() if include_unpublished else Document.objects.filter(published=True)
    )
    if not query:
        return []
    if uses_fts5():
        return _search_fts5(query, documents, limit)
    return _search_postgres(query, documents, limit)


def search_vector() -> SearchVector:
    """The vector that migration 0002's GIN index holds: keep the two in step."""
    return SearchVector("title", weight="A", config="german") + SearchVector(
        "body", weight="B", config="german"
    )


def _search_postgres(query: str, documents, limit: int) -> list[Hit]:
    vector = search_vector()
    ts_query = SearchQuery(query, config="german", search_type="websearch")
    found = (
        documents.annotate(
            search=vector,
            rank=SearchRank(vector, ts_query),
            headline=SearchHeadline(
                "body",
                ts_query,
                config="german",
                start_sel=text.START,
                stop_sel=text.STOP,
                min_words=15,
                max_words=35,
            ),
        )
        .filter(search=ts_query)
        .order_by("-rank", "title", "pk")[:limit]
    )
    return [Hit(d, d.rank, text.marked(d.headline)) for d in found]


def _search_fts5(query: str, documents, limit: int) -> list[Hit]:
    match = text.fts5_query(query)
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute(FTS_MATCH, [TITLE_WEIGHT, BODY_WEIGHT, match])
        # bm25 is lower for better matches; Hit.rank is higher for better, as on PostgreSQL.
        ranks = {pk: -score for pk, score in cursor.fetchall()}
    found = documents.filter(pk__in=ranks)
    wanted = text.stems(query)
    ordered = sorted(found, key=lambda d: (-ranks[d.pk], d.title, d.pk))[:limit]
    return [Hit(d, ranks[d.pk], text.snippet(d.body, wanted)) for d in ordered]
