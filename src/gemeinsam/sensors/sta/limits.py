"""What one read may cost: the depth of `$expand`, the entities of one response, and the size of
`$filter` and `$orderby`. Past a limit the answer is a 400 that names it and its setting.
"""

from django.conf import settings

from ..query import Expand, QueryOptions
from ..query.nodes import Expression, Property, children
from .entities import BY_NAME, EntityType
from .filtering import UnsupportedQuery


class LimitExceeded(UnsupportedQuery):
    """A query that parses but asks more than this server serves in one response."""


def expand_depth(expands: tuple[Expand, ...]) -> int:
    """Navigation hops on the longest path: `Datastreams/Observations` and
    `Datastreams($expand=Observations)` are both 2 (FROST counts them so)."""
    return max((len(item.path) + expand_depth(item.options.expand) for item in expands), default=0)


def _visited(et: EntityType, path: tuple[str, ...]) -> list[str]:
    """The entity types a property path passes through, the one it starts from first."""
    types = [et.name]
    for name in path:
        nav = et.nav_by_name.get(name)
        if nav is None:
            break
        et = BY_NAME[nav.target]
        types.append(et.name)
    return types


def _check_filter(et: EntityType, node: Expression) -> None:
    count = navigations = 0
    stack = [node]
    while stack:  # without recursion: trees may be deep
        current = stack.pop()
        count += 1
        stack.extend(children(current))
        types = _visited(et, current.path) if isinstance(current, Property) else []
        if len(types) < 2:
            continue
        navigations += 1
        if len(set(types)) < len(types):
            # Back to a type it passed (Observations: Datastream/Observations) compares each
            # row with all its siblings, a product of two large sets that no index shortens.
            repeated = sorted({name for name in types if types.count(name) > 1})
            raise LimitExceeded(
                f"$filter: the path {'/'.join(current.path)} from {types[0]} passes "
                f"{' and '.join(repeated)} twice; a path through related entities may pass "
                "each entity type once"
            )
    if count > settings.STA_MAX_FILTER_NODES:
        raise LimitExceeded(
            f"$filter: {count} terms is more than the {settings.STA_MAX_FILTER_NODES} this "
            "server evaluates in one expression (STA_MAX_FILTER_NODES)"
        )
    if navigations > settings.STA_MAX_FILTER_NAVIGATIONS:
        raise LimitExceeded(
            f"$filter: {navigations} paths through related entities is more than the "
            f"{settings.STA_MAX_FILTER_NAVIGATIONS} this server joins in one expression "
            "(STA_MAX_FILTER_NAVIGATIONS)"
        )


def _check_each(et: EntityType, options: QueryOptions) -> None:
    if options.filter is not None:
        _check_filter(et, options.filter)
    if len(options.orderby) > settings.STA_MAX_ORDERBY_TERMS:
        raise LimitExceeded(
            f"$orderby: {len(options.orderby)} terms is more than the "
            f"{settings.STA_MAX_ORDERBY_TERMS} this server sorts by (STA_MAX_ORDERBY_TERMS)"
        )
    for item in options.orderby:
        _check_filter(et, item.expression)
    for item in options.expand:
        target = et
        for name in item.path:
            nav = target.nav_by_name.get(name)
            if nav is None:
                return  # an unknown navigation: Reader.check_expands answers it
            target = BY_NAME[nav.target]
        _check_each(target, item.options)


def check_options(et: EntityType, options: QueryOptions) -> None:
    """Refuse a query on `et` past a limit before any of it runs."""
    depth = expand_depth(options.expand)
    # FROST-Server's maxExpandDepth, with its reasoning: each level multiplies the queries.
    if depth > settings.STA_MAX_EXPAND_DEPTH:
        raise LimitExceeded(
            f"$expand: {depth} levels deep is more than the {settings.STA_MAX_EXPAND_DEPTH} "
            "this server expands (STA_MAX_EXPAND_DEPTH)"
        )
    _check_each(et, options)


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
