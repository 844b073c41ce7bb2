"""Hypothesis strategies for query ASTs that ``check_structure`` accepts.

Names are any identifiers (keywords included), so the trees are not checked
against a repository; counts, windows and lists are well-formed. Every
``one_of`` lists its simplest choice first, so failures shrink toward plain
atoms, short names and small numbers.
"""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    BooleanLiteral,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Not,
    NumberLiteral,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Since,
    Step,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
    Within,
)

# Written out from LANGUAGE.md rather than imported from the formatter, so the
# formatter's own list is under test.
LANGUAGE_KEYWORDS = (
    "and", "or", "not", "where", "via", "at", "least", "most", "exactly", "between",
    "time", "times", "in", "the", "last", "since", "before", "ago", "segment", "contact",
    "all", "true", "false", "null", "is", "contains", "starts", "ends", "with",
    "like", "of", "having", "first", "then", "within",
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months", "year", "years",
)  # fmt: skip

UNITS = ("minute", "hour", "day", "week", "month", "year")

identifiers = st.one_of(
    st.sampled_from(["a", "b", "EmailOpened", "linkUrl"]),
    st.sampled_from(LANGUAGE_KEYWORDS),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
)

# Characters that stress the string escapes: quotes, backslash, the short
# escapes, other C0/C1 controls, a line separator, non-ASCII and an emoji.
_tricky_characters = st.sampled_from(
    ['"', "'", "\\", "\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "é", "😀", "#"]
)
# Lone surrogates (category Cs) are no characters: parse and format refuse them.
texts = st.text(
    st.one_of(
        st.characters(codec="ascii"),
        _tricky_characters,
        st.characters(exclude_categories=["Cs"]),
    )
)

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
datetimes = st.one_of(
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=offsets),
)

string_literals = st.builds(StringLiteral, value=texts)
number_literals = st.builds(
    NumberLiteral,
    value=st.one_of(
        st.integers(min_value=-1000, max_value=1000),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
)
# A like pattern with valid escapes: every backslash of the text doubled.
like_patterns = st.builds(
    StringLiteral, value=st.one_of(texts, st.text("%_ab")).map(lambda s: s.replace("\\", "\\\\"))
)
boolean_literals = st.builds(BooleanLiteral, value=st.booleans())
date_literals = st.builds(DateLiteral, value=st.dates())
datetime_literals = st.builds(DateTimeLiteral, value=datetimes)

# One strategy per literal kind, so a list can hold one kind only.
_literal_kinds = (
    string_literals,
    number_literals,
    boolean_literals,
    date_literals,
    datetime_literals,
)
scalar_literals = st.one_of(*_literal_kinds)
list_literals = st.one_of(
    *(
        st.lists(kind, max_size=4).map(lambda items: ListLiteral(items=tuple(items)))
        for kind in _literal_kinds
    )
)


def _comparison(field: str, operator: str, value: Any) -> Comparison:
    return Comparison(field=field, operator=operator, value=value)


comparisons = st.one_of(
    st.builds(
        _comparison,
        identifiers,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        scalar_literals,
    ),
    st.builds(_comparison, identifiers, st.sampled_from(["is null", "is not null"]), st.none()),
    st.builds(_comparison, identifiers, st.sampled_from(["in", "not in"]), list_literals),
    st.builds(_comparison, identifiers, st.just("contains"), scalar_literals),
    st.builds(
        _comparison, identifiers, st.sampled_from(["starts with", "ends with"]), string_literals
    ),
    st.builds(_comparison, identifiers, st.sampled_from(["like", "not like"]), like_patterns),
    st.builds(
        _comparison,
        identifiers,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "contains"]),
        st.builds(Ago, amount=st.integers(0, 1000), unit=st.sampled_from(UNITS)),
    ),
)


def _operands(children: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(children, min_size=2, max_size=3).map(tuple)


restrictions = st.recursive(
    comparisons,
    lambda children: st.one_of(
        st.builds(WhereNot, operand=children),
        st.builds(WhereAnd, operands=_operands(children)),
        st.builds(WhereOr, operands=_operands(children)),
    ),
    max_leaves=5,
)

counts = st.one_of(
    st.builds(
        Count,
        operator=st.sampled_from(["at least", "at most", "exactly"]),
        value=st.integers(min_value=0, max_value=100),
    ),
    st.tuples(st.integers(0, 100), st.integers(0, 100)).map(
        lambda bounds: Count(operator="between", value=min(bounds), upper=max(bounds))
    ),
)

amounts = st.integers(min_value=0, max_value=1000)
units = st.sampled_from(UNITS)
agos = st.builds(Ago, amount=amounts, unit=units)
points = st.one_of(agos, date_literals, datetime_literals)


def _ordered(first: Any, second: Any) -> tuple[Any, Any]:
    return (first, second) if first <= second else (second, first)


# `between p and q` with both ends absolute must not be inverted: both ends of
# one kind, in order. With an `ago` end it is only checked when evaluated.
_between_windows = st.one_of(
    st.builds(Between, start=agos, end=agos),
    st.builds(Between, start=agos, end=st.one_of(date_literals, datetime_literals)),
    st.builds(Between, start=st.one_of(date_literals, datetime_literals), end=agos),
    st.tuples(st.dates(), st.dates())
    .map(lambda ends: _ordered(*ends))
    .map(lambda ends: Between(start=DateLiteral(value=ends[0]), end=DateLiteral(value=ends[1]))),
    st.tuples(st.datetimes(), st.datetimes())
    .map(lambda ends: _ordered(*ends))
    .map(
        lambda ends: Between(
            start=DateTimeLiteral(value=ends[0]), end=DateTimeLiteral(value=ends[1])
        )
    ),
    st.tuples(
        st.datetimes(timezones=st.just(UTC)),
        st.datetimes(timezones=offsets),
    )
    .map(lambda ends: _ordered(*ends))
    .map(
        lambda ends: Between(
            start=DateTimeLiteral(value=ends[0]), end=DateTimeLiteral(value=ends[1])
        )
    ),
)

def _periods(unit: str, needed: int, extra: int) -> InPeriods:
    return InPeriods(needed=needed, periods=needed + extra, unit=unit)


windows = st.one_of(
    st.builds(InLast, amount=amounts, unit=units),
    st.builds(_periods, units, st.integers(1, 60), st.integers(0, 60)),
    st.builds(Since, point=points),
    st.builds(Before, point=points),
    _between_windows,
)

_aggregate_names = st.sampled_from(["sum", "avg", "distinct"])
_non_null_literals = st.one_of(
    string_literals, number_literals, boolean_literals, date_literals, datetime_literals, agos
)
havings = st.one_of(
    st.builds(Having, function=_aggregate_names, field=identifiers,
              operator=st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), value=number_literals),
    st.builds(Having, function=st.sampled_from(["min", "max"]), field=identifiers,
              operator=st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
              value=_non_null_literals),
)


def _no_periods_with_having(condition: InteractionCondition) -> InteractionCondition:
    if condition.having is not None and isinstance(condition.window, InPeriods):
        return condition.model_copy(update={"window": None})
    return condition


interaction_conditions = st.builds(
    InteractionCondition,
    type=identifiers,
    via=st.none() | identifiers,
    where=st.none() | restrictions,
    count=st.none() | counts,
    having=st.none() | havings,
    window=st.none() | windows,
).map(_no_periods_with_having)

plain_windows = windows.filter(lambda window: not isinstance(window, InPeriods))
steps = st.builds(
    Step, type=identifiers, via=st.none() | identifiers, where=st.none() | restrictions
)
recencies = st.builds(
    Recency,
    which=st.sampled_from(["first", "last"]),
    type=identifiers,
    via=st.none() | identifiers,
    where=st.none() | restrictions,
    window=st.none() | plain_windows,
)
sequences = st.builds(
    Sequence,
    steps=st.lists(steps, min_size=2, max_size=4).map(tuple),
    within=st.none() | st.builds(Within, amount=amounts, unit=units),
    window=st.none() | plain_windows,
)

atoms: st.SearchStrategy[Query] = st.one_of(
    st.just(AllContacts()),
    st.builds(SegmentReference, name=identifiers),
    st.builds(ProfileCondition, comparison=comparisons),
    interaction_conditions,
    recencies,
    sequences,
)

queries: st.SearchStrategy[Query] = st.recursive(
    atoms,
    lambda children: st.one_of(
        st.builds(Not, operand=children),
        st.builds(And, operands=_operands(children)),
        st.builds(Or, operands=_operands(children)),
    ),
    max_leaves=6,
)

__all__ = [
    "LANGUAGE_KEYWORDS",
    "comparisons",
    "counts",
    "datetimes",
    "identifiers",
    "list_literals",
    "queries",
    "restrictions",
    "scalar_literals",
    "texts",
    "windows",
]
