"""``first`` / ``last`` and sequences as SQL (LANGUAGE.md "Recency", "Sequences").

Recency takes the earliest or latest matching record's timestamp per contact
(the window plays no part in choosing) and keeps it when it lies in the
window. A sequence of k steps is a k-way join of the steps' records by
contact, each at or after the one before and all different records; with
``within``, the last no later than the first plus the span, on the wall
clock in ``tz`` for days and longer (the engine's ``later``).
"""

from __future__ import annotations

from datetime import tzinfo

from sqlglot import exp

from segmentkit.language.ast import Recency, Sequence
from segmentkit.sql.conditions import CID, Atoms

__all__ = ["recency_sql", "sequence_sql"]


def recency_sql(atoms: Atoms, node: Recency) -> exp.Select:
    start, end = atoms.bounds(node.window)
    base = atoms.records(node, (None, atoms.bounds(None)[1]))
    records = atoms.alias("r")
    ts = atoms.builder.column("ts", records)
    chosen = exp.Min(this=ts) if node.which == "first" else exp.Max(this=ts)
    having: list[exp.Expr] = [exp.LT(this=chosen, expression=atoms.builder.instant(end))]
    if start is not None:
        having.append(exp.GTE(this=chosen.copy(), expression=atoms.builder.instant(start)))
    return (
        exp.select(atoms.builder.column(CID, records))
        .from_(base.subquery(records))
        .group_by(atoms.builder.column(CID, records))
        .having(*having)
    )


def sequence_sql(atoms: Atoms, node: Sequence) -> exp.Select:
    bounds = atoms.bounds(node.window)
    aliases = [atoms.alias("s") for _ in node.steps]
    column = atoms.builder.column
    first = aliases[0]
    select = exp.select(column(CID, first)).distinct().from_(
        atoms.records(node.steps[0], bounds).subquery(first)
    )
    for index in range(1, len(node.steps)):
        alias, previous = aliases[index], aliases[index - 1]
        on = [
            exp.EQ(this=column(CID, alias), expression=column(CID, first)),
            exp.GTE(this=column("ts", alias), expression=column("ts", previous)),
            *(exp.NEQ(this=column("rid", alias), expression=column("rid", other))
              for other in aliases[:index]),
        ]
        select = select.join(
            atoms.records(node.steps[index], bounds).subquery(alias),
            on=exp.and_(*on),
        )
    if node.within is not None:
        last = aliases[-1]
        deadline = _later(atoms, column("ts", first), node.within.amount, node.within.unit)
        select = select.where(exp.LTE(this=column("ts", last), expression=deadline))
    return select

def _later(atoms: Atoms, ts: exp.Expr, amount: int, unit: str) -> exp.Expr:
    """``amount unit`` after an instant: exact for minutes and hours, on the
    wall clock in tz for the rest (the engine's ``later``)."""
    interval = _interval(amount, unit)
    if unit in ("minute", "hour"):
        return exp.Add(this=ts, expression=interval)
    zone = atoms.builder.value(_zone_name(atoms.tz))
    local = exp.paren(exp.AtTimeZone(this=ts, zone=zone))
    wall = exp.paren(exp.Add(this=local, expression=interval))
    if atoms.builder.dialect == "spark":
        return exp.FromTimeZone(this=wall, zone=zone.copy())
    return _first_instant(wall, zone)


def _first_instant(wall: exp.Expr, zone: exp.Expr) -> exp.Expr:
    """The instant of a wall time in ``zone`` as Python's ``fold=0`` reads it.

    DuckDB and PostgreSQL read a wall time in a fold (it shows twice) as the
    later instant; Python as the earlier. So take the engine's instant E and
    the wall time read with the offset of three hours before E (before any
    change E is next to: no zone changes twice in three hours); when that is
    earlier and shows the same wall time, the wall time is in a fold and it
    is the first instant. In a gap both readings agree already."""
    later = exp.AtTimeZone(this=wall.copy(), zone=zone.copy())
    before = exp.paren(exp.Sub(this=later.copy(), expression=_interval(3, "hour")))
    offset = exp.paren(
        exp.Sub(
            this=exp.AtTimeZone(this=before.copy(), zone=zone.copy()),
            expression=exp.AtTimeZone(this=before, zone=exp.Literal.string("UTC")),
        )
    )
    earlier = exp.AtTimeZone(
        this=exp.paren(exp.Sub(this=wall.copy(), expression=offset)),
        zone=exp.Literal.string("UTC"),
    )
    in_fold = exp.and_(
        exp.LT(this=earlier.copy(), expression=later.copy()),
        exp.EQ(
            this=exp.AtTimeZone(this=earlier.copy(), zone=zone.copy()), expression=wall.copy()
        ),
    )
    return exp.Case(ifs=[exp.If(this=in_fold, true=earlier)], default=later)


def _interval(amount: int, unit: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.Var(this=unit.upper()))


def _zone_name(tz: tzinfo) -> str:
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) else str(tz)
