"""Reads of the knowledge store: the full-text search over documents, measures and
participation processes, and the documents and measures linked to each other.

Search stems German on both databases: PostgreSQL with its `german` text search
configuration (websearch syntax, ts_rank, ts_headline), SQLite with an FTS5 table of
Snowball stems that services.save_document and delete_document keep in step (text.py).
Title words weigh more than body words on both.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import add

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Concat
from django.urls import reverse

from gemeinsam.core.i18n import localized
from gemeinsam.knowledge import text
from gemeinsam.knowledge.models import Document, measure_url
from gemeinsam.participation import selectors as participation
from gemeinsam.participation.models import Process
from gemeinsam.strategy.models import Measure, Strategy, StrategyVersion, VersionState

# The FTS5 table of migration 0002 (rowid is the document's id), with bm25 weights of its
# columns (title, body); PostgreSQL's A and B weights are 1.0 and 0.4.
FTS_MATCH = (
    "SELECT rowid, bm25(knowledge_document_fts, %s, %s) FROM knowledge_document_fts "
    "WHERE knowledge_document_fts MATCH %s ORDER BY 2"
)
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0


def uses_fts5() -> bool:
    """SQLite searches its FTS5 table; PostgreSQL searches the documents themselves."""
    return connection.vendor == "sqlite"


@dataclass(frozen=True)
class Hit:
    """A found document, its rank (higher is better) and a snippet as HTML with <mark>s."""

    document: Document
    rank: float
    snippet: str


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


def _headline(expression, ts_query: SearchQuery) -> SearchHeadline:
    """PostgreSQL's snippet of a match, marked as the SQLite path marks it."""
    return SearchHeadline(
        expression,
        ts_query,
        config="german",
        start_sel=text.START,
        stop_sel=text.STOP,
        min_words=15,
        max_words=35,
    )


def _search_postgres(query: str, documents, limit: int) -> list[Hit]:
    vector = search_vector()
    ts_query = SearchQuery(query, config="german", search_type="websearch")
    found = (
        documents.annotate(
            search=vector,
            rank=SearchRank(vector, ts_query),
            headline=_headline("body", ts_query),
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


# Documents and measures ----------------------------------------------------------------------


def published_measures() -> QuerySet[Measure]:
    """The measures of each strategy's published version: what the public sees."""
    latest = (
        StrategyVersion.objects.filter(
            strategy=OuterRef("version__strategy"), state=VersionState.PUBLISHED
        )
        .order_by("-number")
        .values("pk")[:1]
    )
    return Measure.objects.filter(version=Subquery(latest)).select_related("version__strategy")


@dataclass(frozen=True)
class LinkedMeasure:
    """A measure a document is linked to, as its strategy's published version names it."""

    strategy: Strategy
    key: uuid.UUID
    title: str
    url: str | None


def linked_measures(document: Document) -> list[LinkedMeasure]:
    """The measures of a document that the published versions hold, by title. A link to a
    measure that is not (or no longer) published is not shown."""
    links = list(document.measure_links.select_related("strategy"))
    if not links:
        return []
    measures = {
        (m.version.strategy_id, m.key): m
        for m in published_measures().filter(key__in=[link.measure_key for link in links])
    }
    found = []
    for link in links:
        measure = measures.get((link.strategy_id, link.measure_key))
        if measure is not None:
            found.append(
                LinkedMeasure(
                    strategy=link.strategy,
                    key=link.measure_key,
                    title=localized(measure, "title"),
                    url=measure_url(link.strategy.slug, link.measure_key),
                )
            )
    return sorted(found, key=lambda m: (m.title.casefold(), str(m.key)))


def documents_for_measure(measure_key: uuid.UUID | str) -> list[Document]:
    """The published documents linked to a measure (for the measure's page), by title."""
    return list(
        Document.objects.filter(published=True, measure_links__measure_key=measure_key)
        .distinct()
        .prefetch_related("tags")
        .order_by("title", "pk")
    )


# One search box for documents, measures and processes ---------------------------------


@dataclass(frozen=True)
class Searched:
    """The columns searched in a kind of object, with PostgreSQL's weights (A best, then B,
    C), and the columns its snippet is taken from."""

    fields: Mapping[str, str]
    snippet_fields: tuple[str, ...] = ("summary", "description")


MEASURES = Searched({"title": "A", "title_en": "A", "summary": "B", "description": "C"})
PROCESSES = Searched(
    {"title": "A", "title_en": "A", "summary": "B", "summary_en": "B", "description": "C"}
)
# ts_rank's default weights of A, B and C, used for the same ranking on SQLite.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2}


@dataclass(frozen=True)
class MeasureHit:
    """A found measure of a published version; snippet is HTML with <mark>s."""

    measure: Measure
    strategy: Strategy
    title: str
    url: str | None
    rank: float
    snippet: str


@dataclass(frozen=True)
class ProcessHit:
    """A found public participation process; snippet is HTML with <mark>s."""

    process: Process
    title: str
    url: str
    rank: float
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    """The hits of one query, grouped by kind, each group best first."""

    query: str
    documents: list[Hit]
    measures: list[MeasureHit]
    processes: list[ProcessHit]

    @property
    def total(self) -> int:
        return len(self.documents) + len(self.measures) + len(self.processes)


def search_all(query: str, *, limit: int = 20) -> SearchResults:
    """Published documents, measures of published strategy versions and public
    participation processes matching every word of `query` (stemmed); `limit` per kind."""
    query = _clean(query or "")
    if not query:
        return SearchResults(query, [], [], [])
    measures = _ranked(published_measures(), MEASURES, query, limit)
    public = participation.visible_processes(AnonymousUser()).prefetch_related(None)
    processes = _ranked(public, PROCESSES, query, limit)
    return SearchResults(
        query=query,
        documents=search(query, limit=limit),
        measures=[
            MeasureHit(
                measure=m,
                strategy=m.version.strategy,
                title=localized(m, "title"),
                url=measure_url(m.version.strategy.slug, m.key),
                rank=rank,
                snippet=snippet,
            )
            for m, rank, snippet in measures
        ],
        processes=[
            ProcessHit(
                process=p,
                title=localized(p, "title"),
                url=reverse("participation:process", args=[p.slug]),
                rank=rank,
                snippet=snippet,
            )
            for p, rank, snippet in processes
        ],
    )


Ranked = list[tuple[models.Model, float, str]]


def _ranked(queryset: QuerySet, searched: Searched, query: str, limit: int) -> Ranked:
    if uses_fts5():
        return _ranked_in_python(queryset.iterator(), searched, query, limit)
    return _ranked_postgres(queryset, searched, query, limit)


def _ranked_postgres(queryset: QuerySet, searched: Searched, query: str, limit: int) -> Ranked:
    # Vectors built at query time: published measures and public processes are few, an
    # index on them would not pay for itself.
    weighted = searched.fields.items()
    vector = reduce(add, (SearchVector(f, weight=w, config="german") for f, w in weighted))
    ts_query = SearchQuery(query, config="german", search_type="websearch")
    parts = []
    for name in searched.snippet_fields:
        parts += [name, models.Value(" ")]
    found = (
        queryset.annotate(
            search=vector,
            rank=SearchRank(vector, ts_query),
            headline=_headline(Concat(*parts[:-1], output_field=models.TextField()), ts_query),
        )
        .filter(search=ts_query)
        .order_by("-rank", "title", "pk")[:limit]
    )
    return [(o, o.rank, text.marked(o.headline)) for o in found]


def _ranked_in_python(
    objects: Iterable[models.Model], searched: Searched, query: str, limit: int
) -> Ranked:
    """SQLite has no German stemmer and no index over these tables, so their words are
    stemmed here (text.py, the same Snowball stems as the FTS5 index of documents). That is
    fine for the published measures and public processes, which are few (tens, not
    thousands); a row matches when it holds every stem of the query, as on PostgreSQL."""
    wanted = set(text.stems(query))
    if not wanted:
        return []
    found = []
    for obj in objects:
        present, rank = set(), 0.0
        for name, weight in searched.fields.items():
            matching = [s for s in text.stems(getattr(obj, name)) if s in wanted]
            present.update(matching)
            rank += WEIGHTS[weight] * len(matching)
        if present == wanted:
            found.append((obj, rank))
    found.sort(key=lambda pair: (-pair[1], pair[0].title, pair[0].pk))
    columns = searched.snippet_fields
    return [
        (obj, rank, text.snippet(" ".join(getattr(obj, f) for f in columns), wanted))
        for obj, rank in found[:limit]
    ]
