"""The atoms of a query as SQL: each becomes a SELECT of member ids (``cid``).

The rules are LANGUAGE.md's, as ``engine`` applies them: a record counts
when it is of the type, related to the contact (``contact_id`` or the ``via``
field), not canceled, ``ts <= now``, inside the window and TRUE for the
restriction. Window bounds are computed in Python (``engine.windows``) and
bound as instants, so calendar months, DST and ``N UNIT ago`` are the
engine's own. A count that admits zero keeps the contacts without records:
it starts from the contacts table.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlglot import exp

from segmentkit.engine.catalog import Catalog
from segmentkit.engine.counted import count_predicate
from segmentkit.engine.windows import period_bounds, window_bounds
from segmentkit.language.ast import (
    Count,
    Having,
    InPeriods,
    InteractionCondition,
    NumberLiteral,
    ProfileCondition,
    Recency,
    Restriction,
    Step,
    Window,
)
from segmentkit.sql.builder import Builder
from segmentkit.sql.comparisons import (
    OPERATORS as _OPERATORS,
)
from segmentkit.sql.comparisons import Comparisons, comparison_sql, restriction_sql
from segmentkit.sql.operands import Source, as_double
from segmentkit.sql.sources import Sources

__all__ = ["Atoms"]

CID = "cid"


class Atoms:
    """Compiles the atoms of one query, at one ``now`` in one ``tz``."""

    def __init__(self, builder: Builder, catalog: Catalog, *, now: datetime, tz: tzinfo) -> None:
        self.builder, self.now, self.tz = builder, now, tz
        self._aliases = 0
        self.sources = Sources(builder, catalog, self.alias)

    def alias(self, prefix: str) -> str:
        self._aliases += 1
        return f"{prefix}{self._aliases}"

    # -- contacts -------------------------------------------------------------------

    def contacts(self) -> tuple[exp.Select, str]:
        """``SELECT c.id AS cid FROM contacts c`` and the alias."""
        layout = self.builder.layout
        alias = self.alias("c")
        select = exp.select(exp.alias_(self.builder.column(layout.contact_id, alias), CID)).from_(
            self.builder.table(layout.contacts, alias)
        )
        return select, alias

    def everyone(self) -> exp.Select:
        return self.contacts()[0]

    def profile(self, node: ProfileCondition) -> exp.Select:
        select, alias = self.contacts()
        source = self.sources.contact(alias)
        condition = comparison_sql(node.comparison, source, self.builder, tz=self.tz, now=self.now)
        return select.where(condition)

    def listed(self, members: list[str]) -> exp.Select:
        """A static segment: its listed ids that are contacts."""
        select, alias = self.contacts()
        column = self.builder.column(self.builder.layout.contact_id, alias)
        if not members:
            return select.where(exp.false())
        return select.where(
            exp.In(this=column, expressions=[self.builder.value(member) for member in members])
        )

    # -- records ----------------------------------------------------------------------

    def records(
        self,
        node: InteractionCondition | Recency | Step,
        bounds: tuple[int | None, int],
        having: Having | None = None,
    ) -> exp.Select:
        """The records that count for ``node`` within ``[start, end)``: ``cid``,
        ``ts``, ``rid``, and with ``having`` the value it aggregates (``hv``)."""
        builder, layout = self.builder, self.builder.layout
        alias = self.alias("i")

        def column(name: str) -> exp.Column:
            return builder.column(name, alias)

        if node.via is None:
            owner: exp.Expr = column(layout.interaction_contact)
        else:
            owner = builder.json_text(column(layout.properties), node.via)
        start, end = bounds
        conditions: list[exp.Expr] = [
            exp.EQ(this=column(layout.type), expression=builder.value(node.type)),
            exp.LT(this=column(layout.timestamp), expression=builder.instant(end)),
        ]
        if layout.canceled is not None:
            canceled: exp.Expr = column(layout.canceled)
            # A user's table may leave it NULL: that is not canceled.
            if not layout.keys:
                canceled = exp.Is(this=canceled, expression=exp.true())
            conditions.append(exp.not_(canceled))
        if start is not None:
            conditions.append(
                exp.GTE(this=column(layout.timestamp), expression=builder.instant(start))
            )
        if node.via is not None:
            # Records without the field relate to no one; a reference is to a contact.
            contacts, _ = self.contacts()
            conditions.append(owner.isin(query=contacts))
        if node.where is not None:
            source = self.sources.record(alias, node.type)
            conditions.append(self._restriction(node.where, source))
        selected = [
            exp.alias_(owner, CID),
            exp.alias_(column(layout.timestamp), "ts"),
            exp.alias_(column(layout.interaction_id), "rid"),
        ]
        if having is not None:
            selected.append(exp.alias_(self._having_value(having, alias, node.type), "hv"))
        return (
            exp.select(*selected)
            .from_(builder.table(layout.interactions, alias))
            .where(*conditions)
        )

    def _restriction(self, where: Restriction, source: Source) -> exp.Expr:
        return exp.paren(restriction_sql(where, source, self.builder, tz=self.tz, now=self.now))

    def bounds(self, window: Window | None) -> tuple[int | None, int]:
        return window_bounds(window, now=self.now, tz=self.tz)

    # -- interaction conditions ------------------------------------------------------------

    def interaction(self, node: InteractionCondition) -> exp.Select:
        if isinstance(node.window, InPeriods):
            return self._periodic(node, node.window)
        base = self.records(node, self.bounds(node.window), node.having)
        records = self.alias("r")
        count = exp.Count(this=exp.Star())
        aggregate = None if node.having is None else self._aggregate(node.having, records)
        if not count_predicate(node.count)(0):
            having = [self._count(node.count, count)]
            if node.having is not None:
                assert aggregate is not None
                having.append(self._having(node, aggregate))
            return (
                exp.select(self.builder.column(CID, records))
                .from_(base.subquery(records))
                .group_by(self.builder.column(CID, records))
                .having(*having)
            )
        # Zero records satisfy the count: every contact, with its count or 0.
        grouped = (
            exp.select(
                self.builder.column(CID, records),
                exp.alias_(count, "n"),
                *([exp.alias_(aggregate, "a")] if aggregate is not None else []),
            )
            .from_(base.subquery(records))
            .group_by(self.builder.column(CID, records))
        )
        return self._with_everyone(
            grouped,
            lambda g: [
                self._count(node.count, _coalesce_zero(self.builder.column("n", g))),
                *(
                    [self._having(node, self.builder.column("a", g))]
                    if node.having is not None
                    else []
                ),
            ],
        )

    def _with_everyone(self, grouped: exp.Select, conditions: object) -> exp.Select:
        """Every contact, joined to its group (counts NULL without records),
        kept when ``conditions(group alias)`` hold."""
        select, alias = self.contacts()
        group = self.alias("g")
        joined = select.join(
            grouped.subquery(group),
            on=exp.EQ(
                this=self.builder.column(CID, group),
                expression=self.builder.column(self.builder.layout.contact_id, alias),
            ),
            join_type="left",
        )
        return joined.where(*conditions(group))  # type: ignore[operator]

    def _count(self, count: Count | None, n: exp.Expr) -> exp.Expr:
        value = self.builder.value
        if count is None:
            return exp.GTE(this=n, expression=value(1))
        if count.operator == "between":
            return exp.Between(this=n, low=value(count.value), high=value(count.upper))
        operator = {"at least": exp.GTE, "at most": exp.LTE, "exactly": exp.EQ}[count.operator]
        return operator(this=n, expression=value(count.value))

    # -- having -------------------------------------------------------------------------------

    def _having_value(self, having: Having, alias: str, type_name: str) -> exp.Expr:
        """The value an aggregate reads: a number for sum / avg, else one
        that compares as the value does (``Sources.aggregated``)."""
        if having.function in ("sum", "avg"):
            return self.sources.number(alias, type_name, having.field)
        return self.sources.aggregated(alias, type_name, having.field)

    def _aggregate(self, having: Having, records: str) -> exp.Expr:
        value = self.builder.column("hv", records)
        if having.function == "sum":
            return exp.Sum(this=value)
        if having.function == "avg":
            return exp.Avg(this=value)
        if having.function == "distinct":
            return exp.Count(this=exp.Distinct(expressions=[value]))
        # Keys are text to order by code point; a user's values are read in
        # their own types, text already ordered so (Sources.aggregated).
        ordered = self.builder.ordered(value) if self.builder.layout.keys else value
        return exp.Min(this=ordered) if having.function == "min" else exp.Max(this=ordered)

    def _having(self, node: InteractionCondition, aggregate: exp.Expr) -> exp.Expr:
        """TRUE when the aggregate passes; sum and distinct of no values are 0."""
        having = node.having
        assert having is not None
        if having.function in ("sum", "distinct"):
            aggregate = _coalesce_zero(aggregate)
        if having.function in ("sum", "avg", "distinct"):
            assert isinstance(having.value, NumberLiteral)  # the checker sees to it
            literal = self.builder.value(as_double(having.value.value))
            return _is_true(_OPERATORS[having.operator](this=aggregate, expression=literal))
        comparisons = Comparisons(self.builder, self.tz, self.now)
        value = self.sources.aggregate_operand(aggregate, node.type, having.field)
        return _is_true(comparisons.scalar(having.operator, having.value, value))

    # -- periodic windows -------------------------------------------------------------------

    def _periodic(self, node: InteractionCondition, window: InPeriods) -> exp.Select:
        periods = period_bounds(window, now=self.now, tz=self.tz)
        span = (periods[-1][0], periods[0][1])
        base = self.records(node, span)
        records = self.alias("r")
        ts = self.builder.column("ts", records)
        counts = []
        for start, end in periods:
            inside: list[exp.Expr] = [exp.LT(this=ts, expression=self.builder.instant(end))]
            if start is not None:
                inside.append(exp.GTE(this=ts, expression=self.builder.instant(start)))
            counts.append(
                exp.Sum(
                    this=exp.Case(
                        ifs=[exp.If(this=exp.and_(*inside), true=exp.Literal.number(1))],
                        default=exp.Literal.number(0),
                    )
                )
            )
        grouped = (
            exp.select(
                self.builder.column(CID, records),
                *(exp.alias_(count, f"n{index}") for index, count in enumerate(counts)),
            )
            .from_(base.subquery(records))
            .group_by(self.builder.column(CID, records))
        )

        def held(group: str) -> list[exp.Expr]:
            flags = [
                exp.Case(
                    ifs=[
                        exp.If(
                            this=self._count(
                                node.count, _coalesce_zero(self.builder.column(f"n{i}", group))
                            ),
                            true=exp.Literal.number(1),
                        )
                    ],
                    default=exp.Literal.number(0),
                )
                for i in range(len(periods))
            ]
            total: exp.Expr = flags[0]
            for flag in flags[1:]:
                total = exp.Add(this=total, expression=flag)
            return [exp.GTE(this=exp.paren(total), expression=self.builder.value(window.needed))]

        if not count_predicate(node.count)(0):
            group = self.alias("g")
            return (
                exp.select(self.builder.column(CID, group))
                .from_(grouped.subquery(group))
                .where(*held(group))
            )
        return self._with_everyone(grouped, held)


def _coalesce_zero(value: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])


def _is_true(condition: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(condition), expression=exp.true())
