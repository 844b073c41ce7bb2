"""What a repository holds, for queries that split its contacts.

A query whose literals, counts and windows come from the fixed pools alone
selects everyone or no one far more often than not. ``facts_of`` reads a
repository once (when ``queries(repo)`` is called): the values each field
holds, how many live records of each type one contact has at most, and the
records' timestamps. The strategies below draw literals, counts and windows
from those facts, sometimes changed a little (another casing, 1 as 1.0, a
unit more), so that comparisons, counts and windows fall between the
contacts rather than beside all of them.

The query strategies are built once per repository *shape* and cached
(building them per repository costs Hypothesis many times the drawing), so
the facts reach them through a context variable, set by the strategy that
``queries(repo)`` returns for the length of each draw. With no facts set (a
repository with nothing in it) every strategy here falls back to the pools.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Ago,
    Before,
    Between,
    BooleanLiteral,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InPeriods,
    NumberLiteral,
    Since,
    StringLiteral,
    Window,
)
from segmentkit.models.records import CONTACT_FIELDS, Contact, Interaction
from segmentkit.models.values import FieldKind, value_kind
from segmentkit.strategies import _values as v

# The scope of a contact's own fields and attributes (interaction types have names).
PROFILE = ""
# Lengths of the units, for windows that span the gaps between records;
# months and years are calendar units, these are close enough to aim with.
_UNIT_LENGTHS = (
    ("minute", timedelta(minutes=1)),
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(weeks=1)),
    ("month", timedelta(days=30)),
    ("year", timedelta(days=365)),
)


class Facts(NamedTuple):
    """What a repository holds that queries aim at."""

    # (type name or PROFILE, field) -> the distinct values records or contacts hold there.
    values: Mapping[tuple[str, str], tuple[Any, ...]]
    # type name -> the most live records of that type one contact has.
    most: Mapping[str, int]
    # type name -> the timestamps of its live records, in UTC, ascending.
    stamps: Mapping[str, tuple[datetime, ...]]


NO_FACTS = Facts({}, {}, {})
FACTS: ContextVar[Facts] = ContextVar("segmentkit_strategies_facts", default=NO_FACTS)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def facts_of(contacts: Iterable[Contact], records: Iterable[Interaction]) -> Facts:
    values: dict[tuple[str, str], dict[Any, None]] = {}

    def note(scope: str, field: str, value: Any) -> None:
        if value is not None:
            values.setdefault((scope, field), {})[_hashable(value)] = None

    for contact in contacts:
        for field in CONTACT_FIELDS:
            note(PROFILE, field, getattr(contact, field))
        for key, value in contact.attributes.items():
            note(PROFILE, key, value)
    per_contact: Counter[tuple[str, str]] = Counter()
    stamps: dict[str, set[datetime]] = {}
    for record in records:
        if record.canceled:  # a canceled record never counts: aim at live ones
            continue
        per_contact[(record.type, record.contact_id)] += 1
        stamps.setdefault(record.type, set()).add(record.timestamp.astimezone(UTC))
        for field, value in record.properties.items():
            note(record.type, field, value)
    most: dict[str, int] = {}
    for (type_name, _), number in per_contact.items():
        most[type_name] = max(most.get(type_name, 0), number)
    return Facts(
        {key: tuple(found) for key, found in values.items()},
        most,
        {name: tuple(sorted(found)) for name, found in stamps.items()},
    )


# --- literals ------------------------------------------------------------------------------


def _scalars(found: tuple[Any, ...], kind: FieldKind) -> list[Any]:
    """The values (list items, for a list field) a literal of this field can meet."""
    if kind != "list":
        return [value for value in found if value_kind(value) == kind]
    items = (item for value in found if isinstance(value, tuple) for item in value)
    return list(dict.fromkeys(i for i in items if value_kind(i) in ("text", "number")))


def _text_forms(value: str) -> tuple[str, ...]:
    # The value itself first (a failure shrinks to it), then forms only
    # casefold() or case-insensitive comparison makes equal to it.
    return (value, value.upper(), value.casefold(), value.swapcase())


def _literal(draw: st.DrawFn, value: Any, role: str) -> Any:
    """A literal made from one held value; ``role`` says what part of a text
    (``prefix``, ``suffix``), or ``item`` for an item of a list literal."""
    if isinstance(value, bool):
        return BooleanLiteral(value=value)
    if isinstance(value, int | float):
        forms: list[int | float] = [value]
        if isinstance(value, int) and abs(value) <= 2**53:
            forms.append(float(value))
        elif isinstance(value, float) and value.is_integer():
            forms.append(int(value))
        return NumberLiteral(value=draw(st.sampled_from(forms)))
    # An item of a list literal keeps the field's own kind: a list holds one kind.
    if isinstance(value, datetime):
        instant = value.astimezone(UTC)  # a fixed offset: round trips through text
        if role != "item" and draw(st.booleans()):
            return DateLiteral(value=instant.date())
        return DateTimeLiteral(value=instant)
    if isinstance(value, date):
        if role != "item" and draw(st.booleans()):
            return DateTimeLiteral(value=datetime.combine(value, time(), tzinfo=UTC))
        return DateLiteral(value=value)
    text = draw(st.sampled_from(_text_forms(value)))
    if role in ("whole", "item") or not text:
        return StringLiteral(value=text)
    size = draw(st.integers(min_value=1, max_value=len(text)))
    return StringLiteral(value=text[-size:] if role == "suffix" else text[:size])


def held(
    scope: str | None, field: str, kind: FieldKind, role: str, base: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Two times in three ``held_literals``, else ``base`` (always ``base`` with no scope)."""
    if scope is None:
        return base
    return v.weighted([(2, held_literals(scope, field, kind, role, base)), (1, base)])


@lru_cache(maxsize=1024)
def held_literals(
    scope: str, field: str, kind: FieldKind, role: str, fallback: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Literals made from the values ``field`` holds in ``scope`` (``role``: the
    ``whole`` value, or a ``prefix`` or ``suffix`` of a text), else ``fallback``."""

    def held_literal(draw: st.DrawFn) -> Any:
        found = _scalars(FACTS.get().values.get((scope, field), ()), kind)
        if not found:
            return draw(fallback)
        return _literal(draw, draw(st.sampled_from(found)), role)

    held_literal.__name__ = held_literal.__qualname__ = f"held_literals_{role}"
    return st.composite(held_literal)()


# --- counts ----------------------------------------------------------------------------------


def _count(draw: st.DrawFn, most: int) -> Count:
    operator = draw(st.sampled_from(("at least", "exactly", "at most", "between")))
    if operator == "at least":  # 1..most: someone has that many
        return Count(operator=operator, value=draw(st.integers(min_value=1, max_value=most)))
    if operator == "exactly":
        return Count(operator=operator, value=draw(st.integers(min_value=0, max_value=most)))
    if operator == "at most":  # below most: the one with most is left out
        return Count(operator=operator, value=draw(st.integers(min_value=0, max_value=most - 1)))
    low = draw(st.integers(min_value=1, max_value=most))
    high = draw(st.integers(min_value=low, max_value=most))
    return Count(operator=operator, value=low, upper=high)


@lru_cache(maxsize=256)
def held_counts(type_name: str, fallback: st.SearchStrategy[Count]) -> st.SearchStrategy[Count]:
    """Counts up to the most live records of the type one contact has, else ``fallback``."""

    def held_count(draw: st.DrawFn) -> Count:
        most = FACTS.get().most.get(type_name, 0)
        return _count(draw, most) if most else draw(fallback)

    return st.composite(held_count)()


# --- windows ------------------------------------------------------------------------------


def _span(draw: st.DrawFn, gap: timedelta) -> tuple[int, str]:
    """An amount of a unit about as long as ``gap`` (a unit longer, sometimes)."""
    fitting = [(unit, length) for unit, length in _UNIT_LENGTHS if length <= gap]
    unit, length = draw(st.sampled_from(fitting or list(_UNIT_LENGTHS[:1])))
    return gap // length + draw(st.integers(min_value=0, max_value=1)), unit


def _window(draw: st.DrawFn, stamps: tuple[datetime, ...]) -> Window:
    first = draw(st.sampled_from(stamps))
    second = draw(st.sampled_from(stamps))
    start, end = sorted((first, second))
    shape = draw(st.sampled_from(("since", "before", "between", "in last", "ago", "periods")))
    if shape == "periods":
        # Periods about as long as the gap: the records fall in different ones.
        _, unit = _span(draw, end - start)
        periods = draw(st.integers(min_value=1, max_value=3))
        needed = draw(st.integers(min_value=1, max_value=periods))
        return InPeriods(needed=needed, periods=periods, unit=unit)
    if shape == "in last":
        # `now` is often on a record: `in last` the gap reaches the other one.
        amount, unit = _span(draw, end - start)
        return InLast(amount=amount, unit=unit)
    if shape == "ago":
        amount, unit = _span(draw, end - start)
        point = Ago(amount=amount, unit=unit)
        return Since(point=point) if draw(st.booleans()) else Before(point=point)
    if shape == "between" and start < end:  # between one instant and itself holds nothing
        return Between(start=DateTimeLiteral(value=start), end=DateTimeLiteral(value=end))
    # On a record, or on its calendar day (which the time zone decides).
    literal: DateLiteral | DateTimeLiteral = DateTimeLiteral(value=first)
    if draw(st.booleans()):
        literal = DateLiteral(value=first.date())
    return Before(point=literal) if shape == "before" else Since(point=literal)


@lru_cache(maxsize=256)
def held_windows(type_name: str, fallback: st.SearchStrategy[Window]) -> st.SearchStrategy[Window]:
    """Windows whose edges fall on or between the type's live records, else ``fallback``."""

    def held_window(draw: st.DrawFn) -> Window:
        facts = FACTS.get()
        stamps = facts.stamps.get(type_name, ())
        return _window(draw, stamps) if stamps else draw(fallback)

    return st.composite(held_window)()


# --- fields ----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def held_fields(
    scope: str, choices: tuple[tuple[str, st.SearchStrategy[Any]], ...]
) -> st.SearchStrategy[Any]:
    """``choices`` are (field, strategy) pairs: draw from the strategy of a field
    that holds some value in ``scope`` (a field no record fills compares UNKNOWN,
    so it selects no one), or from any of them when none does."""
    anything = st.one_of(*(strategy for _, strategy in choices))

    def held_field(draw: st.DrawFn) -> Any:
        values = FACTS.get().values
        held = [strategy for field, strategy in choices if (scope, field) in values]
        return draw(draw(st.sampled_from(held))) if held else draw(anything)

    return st.composite(held_field)()
