"""`$filter` and `$orderby` trees (sensors.query) as Django ORM queries on SQLite and PostgreSQL.

The meaning is that of the reference evaluator `query.evaluate` (OData 4.01): null propagates,
comparisons with null are false except `eq`/`ne null`, `and`/`or`/`not` use three-valued logic,
and only true passes. How this package keeps that meaning in SQL:

- values.py: every expression becomes a `SqlValue`, one SQL expression per kind it may have
  (number, string, boolean, date-time, ...). JSON properties (`properties/owner`) and `result`
  may hold any kind, so they carry several parts, each null unless the stored value is of that
  kind; a comparison ORs the parts both sides share. Mixing kinds that are known without the
  data (`name gt 5`, `length(phenomenonTime)`) is an `UnsupportedQuery`, answered with 400.
- conditions.py: conditions are built for a wanted truth value ("is true", "is false"),
  pushing `not` down, so `phenomenonTime ge X and result gt 5` is a plain WHERE on indexed
  columns; only a negated comparison needs `NOT COALESCE(..., FALSE)`.
- Intervals (Observation.phenomenonTime, validTime, the Datastream's times) compare as FROST
  does: an instant X is the interval [X, X], and `a gt b` means a.start > b.end, `a ge b`
  a.start >= b.end, `a lt b` a.end < b.start, `a le b` a.end <= b.start, `a eq b` equal starts
  and equal ends, `ne` the opposite of `eq`. In functions and arithmetic an interval is null,
  an instant its date-time. `lt`, `le` and `eq` also bound the start column (start <= end
  always holds), so a time window uses the (datastream, phenomenon_time_start) index.
- paths.py: a path through a to-many navigation (`Datastreams/Observations/result gt 5` on
  Things) means "some related entity makes the comparison true": an EXISTS subquery, so rows
  never repeat.
- functions.py: operators and functions, geospatial ones included (shapely inside SQLite,
  a per-row lookup table on PostgreSQL), and integer arithmetic as the evaluator does it.
- sql.py: the SQL expressions Django lacks, and the functions SQLite gets from Python.
"""

from .conditions import filter_queryset, order_queryset
from .paths import quoted_ids
from .values import UnsupportedQuery

__all__ = ["UnsupportedQuery", "filter_queryset", "order_queryset", "quoted_ids"]
