"""What one read may cost: the depth of `$expand`, the entities of one response, and the size of
`$filter` and `$orderby`. Past a limit the answer is a 400 that names it and its setting.
"""

from django.conf import settings

from ..query import Expand, QueryOptions
from ..query.nodes import Expression, Property, children
from .filtering import UnsupportedQuery


class LimitExceeded(UnsupportedQuery):
    """A query that parses but asks more than this server serves in one response."""


def expand_depth(expands: tuple[Expand, ...]) -> int:
    """Navigation hops on the longest path: `Datastreams/Observations` and
    `Datastreams($expand=Observations)` are both 2 (FROST counts them so)."""
    return max((len(item.path) + expand_depth(item.options.expand) for item in expands), default=0)


def _filter_shape(node: Expression) -> tuple[int, int]:
    """(nodes, paths through more than one navigation) of a filter tree, without recursion."""
    count = navigations = 0
    stack = [node]
    while stack:
        current = stack.pop()
        count += 1
        # Navigation properties are capitalised in SensorThings (Datastream/..., Thing/...);
        # plain properties are not (properties/owner, unitOfMeasurement/name).
        path = current.path if isinstance(current, Property) else ()
        if len(path) > 1 and path[0][:1].isupper():
            navigations += 1
        stack.extend(children(current))
    return count, navigations


def _check_filter(node: Expression) -> None:
    count, navigations = _filter_shape(node)
    if count > settings.STA_MAX_FILTER_NODES:
        raise LimitExceeded(
            f"$filter: {count} terms is more than the {settings.STA_MAX_FILTER_NODES} this "
            "server evaluates in one request (STA_MAX_FILTER_NODES)"
        )
    if navigations > settings.STA_MAX_FILTER_NAVIGATIONS:
        raise LimitExceeded(
            f"$filter: {navigations} paths through related entities is more than the "
            f"{settings.STA_MAX_FILTER_NAVIGATIONS} this server joins in one request "
            "(STA_MAX_FILTER_NAVIGATIONS)"
        )


def _check_each(options: QueryOptions) -> None:
    if options.filter is not None:
        _check_filter(options.filter)
    if len(options.orderby) > settings.STA_MAX_ORDERBY_TERMS:
        raise LimitExceeded(
            f"$orderby: {len(options.orderby)} terms is more than the "
            f"{settings.STA_MAX_ORDERBY_TERMS} this server sorts by (STA_MAX_ORDERBY_TERMS)"
        )
    for item in options.orderby:
        _check_filter(item.expression)
    for item in options.expand:
        _check_each(item.options)


def check_options(options: QueryOptions) -> None:
    """Refuse a query past a limit before any of it runs."""
    depth = expand_depth(options.expand)
    # FROST-Server's maxExpandDepth, with its reasoning: each level multiplies the queries.
    if depth > settings.STA_MAX_EXPAND_DEPTH:
        raise LimitExceeded(
            f"$expand: {depth} levels deep is more than the {settings.STA_MAX_EXPAND_DEPTH} "
            "this server expands (STA_MAX_EXPAND_DEPTH)"
        )
    _check_each(options)


class EntityBudget:
    """The entities one response may still fetch, across all levels of `$expand`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    @property
    def room(self) -> int:
        return max(self.limit - self.used, 0)

    def take(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise LimitExceeded(
                f"this response would hold more than {self.limit} entities with its $expand "
                "(STA_MAX_EXPANDED_ENTITIES); ask for fewer with $top, or expand less"
            )
