"""``spark_members``: a query's members on a ``SparkSession`` (SQL.md "Spark").

The query is compiled for Spark (``compile_query(..., dialect="spark")``:
Spark SQL takes no parameters, so every value is a literal sqlglot quotes)
and checked against the catalog given here, since Spark's tables hold only
records. pyspark is imported by no module of segmentkit: the session is the
caller's, used only through ``spark.sql`` and ``spark.conf``.

Every instant is computed in Python and written with its offset, so no
bound depends on the session's time zone; but Spark adds calendar intervals
(``within 2 days``) and reads an ISO datetime text without an offset in
the session time zone, so the statement runs with the session time zone
set to UTC and the caller's setting is restored after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import Query
from segmentkit.models.records import InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.sql.compile import compile_query
from segmentkit.sql.given_catalog import given_catalog
from segmentkit.sql.layout import TableLayout

__all__ = ["spark_members"]

_TIME_ZONE = "spark.sql.session.timeZone"


def spark_members(
    query: Query | str,
    spark: Any,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
    types: Iterable[InteractionType | Mapping[str, Any]] | None = None,
    segments: Iterable[Segment | Mapping[str, Any]] | None = None,
    attributes: Mapping[str, FieldKind] | None = None,
    layout: TableLayout | None = None,
) -> frozenset[str]:
    """The ids of the contacts ``query`` selects, as of ``now``, in the tables
    ``layout`` names in ``spark``'s catalog (``TableLayout()``: segmentkit's
    own tables; ``TableLayout(keys=False, ...)``: your own). ``types``,
    ``segments`` and ``attributes`` are what the query is checked against,
    as ``InMemoryRepository`` would check it."""
    if not callable(getattr(spark, "sql", None)) or getattr(spark, "conf", None) is None:
        raise InvalidArgumentError(
            f"expected a pyspark SparkSession, not {type(spark).__name__}", argument="spark"
        )
    catalog = given_catalog(types, segments, attributes)
    compiled = compile_query(
        query, catalog, now=now, tz=tz, dialect="spark", layout=layout or TableLayout()
    )
    before = spark.conf.get(_TIME_ZONE)
    spark.conf.set(_TIME_ZONE, "UTC")
    try:
        rows = spark.sql(compiled.sql).collect()
    finally:
        spark.conf.set(_TIME_ZONE, before)
    return frozenset(row[0] for row in rows)
