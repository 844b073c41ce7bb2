"""``compile_query``: a query as one SQL statement that returns its members.

The query is checked as ``evaluate`` checks it (``engine.catalog``), then
each node becomes a SELECT of contact ids: ``and`` INTERSECT, ``or`` UNION,
``not`` the contacts EXCEPT the operand, the atoms as ``sql.conditions``
writes them. Every segment the query reaches is a CTE, dependencies first;
a cycle is refused before any SQL is written. sqlglot writes the text for
the dialect; values are bound parameters in the connection library's style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlglot import exp

from segmentkit.engine.catalog import Catalog, checked_query, saved_query, segments_in_order
from segmentkit.engine.windows import require_aware, resolve_timezone
from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import (
    AllContacts,
    And,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
)
from segmentkit.sql.builder import DIALECTS, Builder
from segmentkit.sql.conditions import CID, Atoms
from segmentkit.sql.given_catalog import GivenCatalog
from segmentkit.sql.layout import TableLayout
from segmentkit.sql.patterns import recency_sql, sequence_sql

__all__ = ["CompiledQuery", "compile_query"]


@dataclass(frozen=True)
class CompiledQuery:
    """One statement whose rows are the members' ids (first column), and its
    named parameters (empty where the dialect takes none: values are inlined)."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    dialect: str = "duckdb"


class _Compiler:
    def __init__(self, catalog: Catalog, builder: Builder, now: datetime, tz: tzinfo) -> None:
        self.catalog = catalog
        self.builder = builder
        self.atoms = Atoms(builder, catalog, now=now, tz=tz)
        self.segments: dict[str, str] = {}  # segment name -> CTE name
        self.ctes: list[tuple[str, exp.Select]] = []
        self._dispatch: dict[type[Any], Callable[[Any], exp.Select]] = {
            And: self._and,
            Or: self._or,
            Not: self._not,
            AllContacts: lambda node: self.atoms.everyone(),
            SegmentReference: self._segment,
            ProfileCondition: self.atoms.profile,
            InteractionCondition: self.atoms.interaction,
            Recency: lambda node: recency_sql(self.atoms, node),
            Sequence: lambda node: sequence_sql(self.atoms, node),
        }

    def statement(self, query: Query) -> exp.Select:
        for name in segments_in_order(query, self.catalog):
            saved = saved_query(self.catalog, name)
            if saved is None:
                members = list(self.catalog.segments[name].members or ())
                body = self.atoms.listed(members)
            else:
                body = self.node(saved)
            cte = f"segment_{len(self.ctes)}"
            self.ctes.append((cte, body))
            self.segments[name] = cte
        root = self.node(query)
        alias = self.atoms.alias("m")
        select = exp.select(exp.column(CID, table=alias)).from_(
            root.subquery(alias)
        )
        for name, body in self.ctes:
            select = select.with_(name, as_=body)
        return select

    def node(self, query: Query) -> exp.Select:
        return self._dispatch[type(query)](query)

    def _wrap(self, combined: exp.Query) -> exp.Select:
        alias = self.atoms.alias("u")
        return exp.select(exp.column(CID, table=alias)).from_(
            combined.subquery(alias)
        )

    def _and(self, node: And) -> exp.Select:
        combined: exp.Query = self.node(node.operands[0])
        for operand in node.operands[1:]:
            combined = exp.intersect(combined, self.node(operand), distinct=True)
        return self._wrap(combined)

    def _or(self, node: Or) -> exp.Select:
        combined: exp.Query = self.node(node.operands[0])
        for operand in node.operands[1:]:
            combined = exp.union(combined, self.node(operand), distinct=True)
        return self._wrap(combined)

    def _not(self, node: Not) -> exp.Select:
        everyone = self.atoms.everyone()
        return self._wrap(exp.except_(everyone, self.node(node.operand), distinct=True))

    def _segment(self, node: SegmentReference) -> exp.Select:
        alias = self.atoms.alias("r")
        return exp.select(exp.column(CID, table=alias)).from_(
            exp.Table(
                this=exp.to_identifier(self.segments[node.name]),
                alias=exp.TableAlias(this=exp.to_identifier(alias)),
            )
        )


def compile_query(
    query: Query | str,
    repo: Any,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
    dialect: str = "duckdb",
    layout: TableLayout | None = None,
) -> CompiledQuery:
    """``query`` as one statement for ``dialect`` over ``layout``'s tables
    (``repo``'s own layout when it is a ``SqlRepository``), checked against
    ``repo``'s types and segments as ``evaluate`` checks it."""
    if not isinstance(dialect, str) or not dialect:
        raise InvalidArgumentError("dialect must be a sqlglot dialect name", argument="dialect")
    zone = resolve_timezone(tz)
    require_aware(now)
    catalog = _catalog_of(repo)
    chosen = layout if layout is not None else getattr(repo, "layout", None) or TableLayout()
    if not isinstance(chosen, TableLayout):
        raise InvalidArgumentError("layout must be a TableLayout", argument="layout")
    parsed, _ = checked_query(query, catalog)
    builder = Builder(dialect, chosen)
    statement = _Compiler(catalog, builder, now, zone).statement(parsed)
    try:
        text = statement.sql(dialect=dialect)
    except ValueError as error:  # sqlglot: unknown dialect
        raise InvalidArgumentError(
            f"unknown dialect {dialect!r} (tested: {', '.join(DIALECTS)})", argument="dialect"
        ) from error
    return CompiledQuery(text, dict(builder.params), dialect)


def _catalog_of(repo: Any) -> Catalog:
    """The types, segments and attributes of a repository (or a snapshot),
    or a catalog given as it is (``sql.given_catalog``)."""
    if isinstance(repo, GivenCatalog):
        return repo
    catalog = getattr(repo, "catalog", None)
    if callable(catalog):
        found: Catalog = catalog()
        return found
    snapshot = getattr(repo, "snapshot", None)
    if callable(snapshot):
        taken: Catalog = snapshot()
        return taken
    raise InvalidArgumentError(
        f"expected a repository, not {type(repo).__name__}", argument="repo"
    )
