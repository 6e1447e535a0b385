"""Reading collections and entities with their query options (OGC 18-088 section 9.3).

Paging is server-driven: a page holds `$top` entities (STA_DEFAULT_TOP when absent, never
more than STA_MAX_TOP) and an `@iot.nextLink` when more follow. `$expand` runs one query per
expanded collection, and one per to-one navigation for all entities of a level; a response
holds at most STA_MAX_EXPANDED_ENTITIES entities over all levels (limits.py).
"""

from dataclasses import replace
from datetime import datetime
from itertools import batched
from operator import attrgetter
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from .. import predicates
from ..query import Expand, QueryOptions, render
from .entities import BY_NAME, EntityType, Nav
from .filtering import UnsupportedQuery, filter_queryset, order_queryset
from .limits import EntityBudget
from .resource import related_queryset
from .serialize import entity_json, format_interval, format_time, self_path

# Navigations whose targets are visible whenever their source is: no second check needed.
_INHERITS_VISIBILITY = {
    ("Thing", "Datastreams"),
    ("Thing", "MultiDatastreams"),
    ("Thing", "HistoricalLocations"),
    ("Datastream", "Observations"),
    ("MultiDatastream", "Observations"),
}
DATA_ARRAY_COMPONENTS = ("id", "phenomenonTime", "resultTime", "result")


def page_size(options: QueryOptions) -> int:
    top = settings.STA_DEFAULT_TOP if options.top is None else options.top
    return min(top, settings.STA_MAX_TOP)


def restrict(
    request: HttpRequest, et: EntityType, qs: QuerySet, via: tuple[str, str] | None = None
) -> QuerySet:
    """Visibility for this request, unless the source of a navigation already settled it."""
    if via in _INHERITS_VISIBILITY:
        return qs
    return predicates.visible(et, qs, request)


def apply_options(qs: QuerySet, et: EntityType, options: QueryOptions, now: datetime) -> QuerySet:
    if options.filter is not None:
        qs = filter_queryset(qs, et, options.filter, now)
    return order_queryset(qs, et, options.orderby)


def _select(options: QueryOptions) -> frozenset[str] | None:
    if not options.select:
        return None
    names = {prop.path[0] for prop in options.select}
    # Expanded navigations stay in the document whatever $select says.
    return frozenset(names)


def _option_parts(options: QueryOptions) -> list[tuple[str, str]]:
    """The options as (name, text) pairs, without $top and $skip."""
    parts: list[tuple[str, str]] = []
    if options.filter is not None:
        parts.append(("$filter", render(options.filter)))
    if options.orderby:
        text = ",".join(
            render(item.expression) + (" desc" if item.descending else "")
            for item in options.orderby
        )
        parts.append(("$orderby", text))
    if options.select:
        parts.append(("$select", ",".join("/".join(p.path) for p in options.select)))
    if options.expand:
        parts.append(("$expand", ",".join(render_expand(item) for item in options.expand)))
    if options.count:
        parts.append(("$count", "true"))
    if options.result_format:
        parts.append(("$resultFormat", options.result_format))
    return parts


def options_query(options: QueryOptions, *, top: int, skip: int) -> str:
    """The query string that repeats these options for the page at `skip`."""
    parts = [*_option_parts(options), ("$top", str(top)), ("$skip", str(skip))]
    return urlencode(parts, safe="$(),'/:;=")


def render_expand(item: Expand) -> str:
    """One $expand item as text, its own options in brackets separated by ';'."""
    parts = [f"{name}={text}" for name, text in _option_parts(item.options)]
    if item.options.top is not None:
        parts.append(f"$top={item.options.top}")
    if item.options.skip is not None:
        parts.append(f"$skip={item.options.skip}")
    text = "/".join(item.path)
    return f"{text}({';'.join(parts)})" if parts else text


def _nested(expands: tuple[Expand, ...]) -> dict[str, Expand]:
    """`Datastreams/Observations` becomes Datastreams($expand=Observations); merged by name."""
    merged: dict[str, Expand] = {}
    for item in expands:
        head, rest = item.path[0], item.path[1:]
        if rest:
            item = Expand((head,), QueryOptions(expand=(Expand(rest, item.options),)))
        if head in merged:
            previous = merged[head]
            item = Expand(
                (head,),
                replace(
                    previous.options
                    if previous.options.expand or not item.options.expand
                    else item.options,
                    expand=previous.options.expand + item.options.expand,
                ),
            )
        merged[head] = item
    return merged


class Reader:
    """Reads on behalf of one request: its visibility, base URL, clock and entity budget."""

    def __init__(self, request: HttpRequest, base: str, now: datetime) -> None:
        self.request = request
        self.base = base
        self.now = now
        self.budget = EntityBudget(settings.STA_MAX_EXPANDED_ENTITIES)

    def check_expands(self, et: EntityType, expands: tuple[Expand, ...]) -> None:
        """Unknown navigation names in $expand are a 400, before any query runs."""
        for item in expands:
            current = et
            for name in item.path:
                nav = current.nav_by_name.get(name)
                if nav is None:
                    raise UnsupportedQuery(
                        f"$expand: {current.name} has no navigation property '{name}'"
                    )
                current = BY_NAME[nav.target]
            self.check_expands(current, item.options.expand)

    def entity(self, et: EntityType, obj, options: QueryOptions) -> dict[str, Any]:
        self.budget.take(1)
        return self.entities(et, [obj], options)[0]

    def entities(self, et: EntityType, objs: list, options: QueryOptions) -> list[dict[str, Any]]:
        """The documents of fetched entities, expanded; each to-one navigation is read for
        all of them in one query, so a page times $expand costs queries per level, not per row."""
        select = _select(options)
        documents = [entity_json(et, obj, base=self.base, select=select) for obj in objs]
        for name, item in _nested(options.expand).items():
            nav = et.nav_by_name[name]
            if nav.many:
                for document, obj in zip(documents, objs, strict=True):
                    self._expand_many(document, et, obj, nav, item.options)
            else:
                self._expand_one(documents, objs, nav, item.options)
        return documents

    def _expand_one(self, documents: list[dict], objs: list, nav: Nav, options: QueryOptions):
        target = BY_NAME[nav.target]
        keys = [getattr(obj, f"{nav.accessor}_id") for obj in objs]
        found: dict[int, Any] = {}
        # Chunks stay below every database's limit on query parameters.
        for chunk in batched(sorted({key for key in keys if key is not None}), 1000):
            qs = restrict(self.request, target, target.model.objects.filter(pk__in=chunk))
            rows = _rows(target, qs)
            self.budget.take(len(rows))
            found.update((row.pk, row) for row in rows)
        documents_of = self.entities(target, list(found.values()), options)
        expanded = dict(zip(found, documents_of, strict=True))
        for document, key in zip(documents, keys, strict=True):
            document.pop(f"{nav.name}@iot.navigationLink", None)
            document[nav.name] = expanded.get(key)

    def _expand_many(self, document: dict, et: EntityType, obj, nav: Nav, options: QueryOptions):
        target = BY_NAME[nav.target]
        document.pop(f"{nav.name}@iot.navigationLink", None)
        # A plain row holds no relation managers; an unsaved instance with its key does.
        parent = et.model(pk=obj.pk)
        qs = restrict(self.request, target, related_queryset(parent, nav), (et.name, nav.name))
        path = f"{self_path(et, obj.pk)}/{nav.name}"
        page = self.collection(target, qs, options, path)
        document[nav.name] = page["value"]
        if "@iot.count" in page:
            document[f"{nav.name}@iot.count"] = page["@iot.count"]
        if "@iot.nextLink" in page:
            document[f"{nav.name}@iot.nextLink"] = page["@iot.nextLink"]

    def collection(
        self, et: EntityType, qs: QuerySet, options: QueryOptions, path: str, *, ref: bool = False
    ) -> dict[str, Any]:
        qs = apply_options(qs, et, options, self.now)
        # A $skip past any possible row count is an empty page, not an overflow in SQL.
        top, skip = page_size(options), min(options.skip or 0, 2**62)
        document: dict[str, Any] = {}
        if options.count:
            document["@iot.count"] = qs.count()
        # One row past the page tells whether more follow; never more than the budget allows.
        page = qs[skip : skip + min(top, self.budget.room) + 1]
        # No row needs to be a model instance: plain rows are built in a fraction of the
        # time, which is most of a page of observations.
        rows = _rows(et, page) if top else []
        more = len(rows) > top
        rows = rows[:top]
        # An empty expanded collection counts as one: it cost a query all the same.
        self.budget.take(max(len(rows), 1))
        if ref:
            document["value"] = [
                {"@iot.selfLink": f"{self.base}/{self_path(et, row.pk)}"} for row in rows
            ]
        elif options.result_format == "dataArray" and et.name == "Observation":
            document["value"] = self.data_array(rows, options)
        else:
            document["value"] = self.entities(et, rows, options)
        if more:
            document["@iot.nextLink"] = (
                f"{self.base}/{path}?{options_query(options, top=top, skip=skip + top)}"
            )
        return document

    def data_array(self, rows: list, options: QueryOptions) -> list[dict[str, Any]]:
        """Observations grouped by their (Multi)Datastream, each as rows of components
        (18-088 section 14.3, the dataArray extension)."""
        components = list(DATA_ARRAY_COMPONENTS)
        if options.select:
            components = [p.path[0] for p in options.select]
        groups: dict[tuple[str, int], list[list[Any]]] = {}
        for row in rows:
            key = (
                ("Datastreams", row.datastream_id)
                if row.datastream_id is not None
                else ("MultiDatastreams", row.multi_datastream_id)
            )
            groups.setdefault(key, []).append([_component(row, name) for name in components])
        value = []
        for (set_name, pk), data in groups.items():
            nav = "Datastream" if set_name == "Datastreams" else "MultiDatastream"
            value.append(
                {
                    f"{nav}@iot.navigationLink": f"{self.base}/{set_name}({pk})",
                    "components": components,
                    "dataArray@iot.count": len(data),
                    "dataArray": data,
                }
            )
        return value


_ROW_TYPES: dict[str, tuple[type, tuple[str, ...]]] = {}


def _row_type(et: EntityType) -> tuple[type, tuple[str, ...]]:
    """A plain class with the model's properties (Observation.result) and `pk`, whose rows
    carry the column attributes, so that the serializer reads it as it reads an instance."""
    if et.name not in _ROW_TYPES:
        model = et.model
        names = tuple(field.attname for field in model._meta.concrete_fields)
        namespace: dict[str, Any] = {"pk": property(attrgetter("id"))}
        for attribute, value in vars(model).items():
            if isinstance(value, property) and attribute != "pk":
                namespace[attribute] = value
        _ROW_TYPES[et.name] = (type(f"{model.__name__}Row", (), namespace), names)
    return _ROW_TYPES[et.name]


def _rows(et: EntityType, queryset: QuerySet) -> list:
    row_type, names = _row_type(et)
    rows = []
    for values in queryset.values_list(*names):
        row = row_type.__new__(row_type)
        row.__dict__ = dict(zip(names, values, strict=True))
        rows.append(row)
    return rows


def _component(row, name: str) -> Any:
    match name:
        case "id":
            return row.pk
        case "phenomenonTime":
            return format_interval(row.phenomenon_time_start, row.phenomenon_time_end)
        case "resultTime":
            return format_time(row.result_time)
        case "result":
            return row.result
        case "resultQuality":
            return row.result_quality
        case "validTime":
            return format_interval(row.valid_time_start, row.valid_time_end)
        case "parameters":
            return row.parameters
    return None
