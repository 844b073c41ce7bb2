"""Small pools of values that collide on purpose, shared by records and queries.

Data and queries draw from the same pools, so a generated query often hits a
generated record: ids differing only in case ("c1"/"C1", matched exactly by
``via`` but case-insensitively by text comparisons), text that only
``casefold()`` makes equal ("Straße"/"STRASSE"), numbers equal across int and
float (1/1.0), and instants around a few anchors: month ends and the DST days
of Europe/Copenhagen. Every ``one_of`` lists its simplest choice first and
every pool starts with its plainest value, so failures shrink toward them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Ago,
    BooleanLiteral,
    DateLiteral,
    DateTimeLiteral,
    ListLiteral,
    NumberLiteral,
    StringLiteral,
)
from segmentkit.models.values import FieldKind, Scalar, Value

T = TypeVar("T")

CONTACT_IDS = ("c1", "c2", "C1", "straße", "STRASSE", "ab", "c3", "c4")
TEXTS = (
    "a", "A", "", "ab", "Ab", "Straße", "STRASSE", "strasse", "é", "É", "DK", "dk", "Oslo",
    "pricing", "demo", "https://contoso.com/pricing", "x@contoso.com", "c1", "C1",
)  # fmt: skip
# Beginnings and ends of the texts above, for starts with / ends with / contains.
AFFIXES = ("a", "", "A", "str", "STR", "ße", "SSE", "https://", "@contoso.com", "ing", "c")
NUMBERS: tuple[int | float, ...] = (0, 1, 1.0, -1, 2, 0.5, -1.5, 10, 2**53 + 1, float(2**53))
EMAILS = ("a@contoso.com", "A@Contoso.COM", "b@fabrikam.com", "straße@example.de")

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Zones the data's timestamps are written in: the instant is what counts, but
# a wall time in another zone changes which calendar day a DATE literal sees.
_RECORD_ZONES: tuple[tzinfo, ...] = (
    UTC,
    COPENHAGEN,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
)
# Time zones for evaluation: UTC, the anchors' zone, another DST rule, a
# half-hour offset, and a zone whose DST moves the clock by 30 minutes.
TIMEZONES = ("UTC", "Europe/Copenhagen", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe")

ANCHOR_DATES = (
    date(2026, 3, 1),
    date(2026, 1, 31),
    date(2026, 2, 28),
    date(2026, 3, 29),  # DST starts in Europe (02:00 -> 03:00 in Copenhagen)
    date(2026, 3, 31),
    date(2026, 10, 25),  # DST ends in Europe (03:00 -> 02:00)
    date(2024, 2, 29),
    date(2026, 12, 31),
)
ANCHOR_INSTANTS = (
    datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 1, 31, 23, 0, tzinfo=UTC),  # midnight of Feb 1 in Copenhagen
    datetime(2026, 2, 28, 12, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # the moment DST starts in Copenhagen
    datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # midnight of Apr 1 in Copenhagen
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # the moment DST ends in Copenhagen
    datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
)
# Wall times (no offset) that mean different instants in different zones,
# among them one in Copenhagen's DST gap and one in its fold.
NAIVE_WALL_TIMES = (
    datetime(2026, 3, 1, 0, 0),
    datetime(2026, 2, 28, 12, 0),
    datetime(2026, 3, 29, 2, 30),
    datetime(2026, 10, 25, 2, 30),
    datetime(2026, 3, 31, 23, 59, 59, 999999),
)
_NEAR = (
    timedelta(0),
    timedelta(microseconds=-1),
    timedelta(microseconds=1),
    timedelta(hours=-1),
    timedelta(hours=1),
    timedelta(days=-1),
    timedelta(days=1),
    timedelta(days=-7),
    timedelta(days=-30),
    timedelta(days=-365),
)
_DAYS_NEAR = (0, -1, 1, -2, 2, -31)


def weighted(groups: list[tuple[int, st.SearchStrategy[Any]]]) -> st.SearchStrategy[Any]:
    """Like ``st.one_of``, but each group drawn in proportion to its weight however
    many branches it holds (``one_of`` flattens nested ``one_of``s into one list
    of branches, so 25 interaction types would crowd out ``and``/``or``/``not``).
    Shrinks toward the first group.
    """
    slots = tuple(strategy for weight, strategy in groups for _ in range(weight))
    indexes = st.integers(min_value=0, max_value=len(slots) - 1)

    # No arguments: Hypothesis labels a composite by the repr of its
    # arguments, which for these nested strategies runs to many kilobytes.
    @st.composite
    def one_group(draw: st.DrawFn) -> Any:
        return draw(slots[draw(indexes)])

    return one_group()


def short_repr(strategy: st.SearchStrategy[T], name: str) -> st.SearchStrategy[T]:
    """``strategy`` under a composite named ``name``, for its repr alone.

    Hypothesis prints a strategy's repr when it retries a draw (unique ids);
    the full repr of nested pools runs to tens of kilobytes and warns.
    """

    def draw_from(draw: st.DrawFn) -> T:
        return draw(strategy)

    draw_from.__name__ = draw_from.__qualname__ = name
    return st.composite(draw_from)()


contact_ids = st.one_of(st.sampled_from(CONTACT_IDS), st.from_regex(r"c[0-9]{1,3}", fullmatch=True))
# Mostly the pool (two branches of three), sometimes any text at all.
texts = st.one_of(st.sampled_from(TEXTS), st.sampled_from(TEXTS[:9]), st.text(max_size=4))
affixes = st.one_of(st.sampled_from(AFFIXES), texts)
numbers: st.SearchStrategy[int | float] = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-3, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False),
)
booleans = st.booleans()
dates = st.one_of(
    st.sampled_from(ANCHOR_DATES),
    st.builds(
        lambda anchor, days: anchor + timedelta(days=days),
        st.sampled_from(ANCHOR_DATES),
        st.sampled_from(_DAYS_NEAR),
    ),
)


def _near(anchor: datetime, delta: timedelta, zone: tzinfo) -> datetime:
    return (anchor + delta).astimezone(zone)


def instants_near(anchors: st.SearchStrategy[datetime]) -> st.SearchStrategy[datetime]:
    """Aware instants near one of ``anchors``, written in one of the record zones."""
    return st.builds(_near, anchors, st.sampled_from(_NEAR), st.sampled_from(_RECORD_ZONES))


instants = short_repr(instants_near(st.sampled_from(ANCHOR_INSTANTS)), "instants")
naive_datetimes: st.SearchStrategy[datetime] = st.one_of(
    st.sampled_from(NAIVE_WALL_TIMES),
    st.builds(
        lambda anchor, delta: (anchor + delta).replace(tzinfo=None),
        st.sampled_from(ANCHOR_INSTANTS),
        st.sampled_from(_NEAR),
    ),
)
# Literal datetimes: fixed offsets only (zoneinfo datetimes in a fold would
# not equal their own round trip through text), or no offset (read in tz).
_LITERAL_ZONES: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5)),
)
aware_literal_datetimes: st.SearchStrategy[datetime] = st.builds(
    _near, st.sampled_from(ANCHOR_INSTANTS), st.sampled_from(_NEAR), st.sampled_from(_LITERAL_ZONES)
)
literal_datetimes = st.one_of(aware_literal_datetimes, naive_datetimes)

_SCALARS: dict[FieldKind, st.SearchStrategy[Scalar]] = {
    "text": texts,
    "number": numbers,
    "boolean": booleans,
    "date": dates,
    "datetime": instants,
}
scalars: st.SearchStrategy[Scalar] = st.one_of(texts, numbers, booleans, dates, instants, st.none())
# List values are mostly text (tags), sometimes mixed or holding a null.
list_values: st.SearchStrategy[list[Scalar]] = st.one_of(
    st.lists(texts, max_size=3), st.lists(scalars, max_size=3)
)


def values_of_kind(kind: FieldKind) -> st.SearchStrategy[Value]:
    """Values a field of this kind holds (never None: callers add it when they allow it)."""
    if kind == "list":
        return list_values
    return _SCALARS[kind]


# --- literals: one strategy per kind, so that a list literal holds one kind ---------

string_literals = texts.map(lambda value: StringLiteral(value=value))
affix_literals = affixes.map(lambda value: StringLiteral(value=value))
number_literals = numbers.map(lambda value: NumberLiteral(value=value))
boolean_literals = booleans.map(lambda value: BooleanLiteral(value=value))
date_literals = dates.map(lambda value: DateLiteral(value=value))
datetime_literals = literal_datetimes.map(lambda value: DateTimeLiteral(value=value))
aware_datetime_literals = aware_literal_datetimes.map(lambda value: DateTimeLiteral(value=value))
naive_datetime_literals = naive_datetimes.map(lambda value: DateTimeLiteral(value=value))

# The literals that compare meaningfully with a field of each kind (LANGUAGE.md:
# a DATE literal against a datetime value compares its calendar date, a
# DATETIME literal against a date value compares that date's midnight).
LiteralStrategy = st.SearchStrategy[
    StringLiteral | NumberLiteral | BooleanLiteral | DateLiteral | DateTimeLiteral
]
LITERALS_FOR_KIND: dict[str, tuple[LiteralStrategy, ...]] = {
    "text": (string_literals,),
    "number": (number_literals,),
    "boolean": (boolean_literals,),
    "date": (date_literals, datetime_literals),
    "datetime": (datetime_literals, date_literals),
    "list": (string_literals, number_literals),
}


# Relative points as literals ("contact.createdAt >= 30 days ago"): amounts
# that reach the anchors' neighbours from a now drawn near them.
ago_literals = st.builds(
    Ago,
    amount=st.sampled_from((0, 1, 7, 30, 2, 365)),
    unit=st.sampled_from(("day", "hour", "week", "month", "minute", "year")),
)


def _like_pattern(affix: StringLiteral, shape: str, blanks: int) -> StringLiteral:
    """A like pattern around a text: its characters (the first ``blanks`` as
    ``_``), escaped where they are % _ or a backslash, then ``%`` per ``shape``."""
    characters = [
        "_" if index < blanks else ("\\" + char if char in "%_\\" else char)
        for index, char in enumerate(affix.value)
    ]
    return StringLiteral(value=shape.replace("X", "".join(characters)))


def like_patterns(affixes: st.SearchStrategy[StringLiteral]) -> st.SearchStrategy[StringLiteral]:
    """``like`` patterns made from texts a field may hold: anchored, with % on
    either or both sides, some characters as ``_``, and a bare ``%``."""
    shaped = st.builds(
        _like_pattern,
        affixes,
        st.sampled_from(("X%", "%X%", "%X", "X", "X%X", "%")),
        st.sampled_from((0, 0, 1, 2)),
    )
    return shaped


def list_literals(items: LiteralStrategy) -> st.SearchStrategy[ListLiteral]:
    """``[..]`` of one literal kind, without null (at most three items)."""
    return st.lists(items, max_size=3).map(lambda found: ListLiteral(items=tuple(found)))
