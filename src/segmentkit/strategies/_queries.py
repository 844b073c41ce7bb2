"""Query ASTs that are valid for one repository.

Names come from the repository (its types, their fields, its segments, its
contacts' attribute keys); each comparison fits the kind of its field; counts
and windows are well-formed and never found inverted at evaluation. Most
literals, counts and windows are aimed at what the repository holds
(``_observed``), so that queries split its contacts. The
tree's depth is bounded by building one strategy per level, each level
choosing between the level below and a connective, the simpler first: a
failing query shrinks toward one condition with no clauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol

from hypothesis import strategies as st

from segmentkit.engine.compare import CONTACT_FIELDS
from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Restriction,
    SegmentReference,
    Since,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
    Window,
)
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind, is_identifier, value_kind
from segmentkit.strategies import _values as v
from segmentkit.strategies._observed import (
    FACTS,
    PROFILE,
    facts_of,
    held,
    held_counts,
    held_fields,
    held_windows,
)
from segmentkit.strategies._records import FieldsKey, TypeKey, type_key

UNITS = ("day", "hour", "minute", "week", "month", "year")
# The contact model's fields, the ones a person would try first in front.
_FIRST_PATHS = ("email", "id", "name")
_CONTACT_PATHS = (*_FIRST_PATHS, *sorted(CONTACT_FIELDS - set(_FIRST_PATHS)))
# Two wall times closer than this may map to inverted instants in some time
# zone: a DST gap moves the later one back by up to its length (at most 2 h).
_GAP_MARGIN = timedelta(hours=2)
# No generated contact has this attribute: comparisons on it are UNKNOWN.
_MISSING_PATH = "nickname"


class RepositoryLike(Protocol):
    """What ``queries`` reads: an ``InMemoryRepository`` or anything shaped like it."""

    def types(self) -> Mapping[str, InteractionType]: ...
    def segments(self) -> Iterable[Segment]: ...
    def contacts(self) -> Iterable[Contact]: ...
    def interactions(self, type: str | None = None) -> Iterable[Interaction]: ...


# --- comparisons ------------------------------------------------------------------------


def _comparison(field: str, operator: str, value: Any) -> Comparison:
    return Comparison(field=field, operator=operator, value=value)


def _with(field: str, operators: tuple[str, ...], values: st.SearchStrategy[Any]) -> Any:
    return st.builds(_comparison, st.just(field), st.sampled_from(operators), values)


# Texts that a field's values are drawn from, beyond the common pool: a
# comparison that can meet the field's values selects something.
_FIELD_TEXTS: dict[str, tuple[str, ...]] = {
    "id": v.CONTACT_IDS,
    "company_id": v.CONTACT_IDS,
    "email": v.EMAILS,
    "type": ("person", "company", "PERSON"),
    "salesperson_code": ("SP1", "sp1", "SP2"),
}


@lru_cache(maxsize=1024)
def comparisons(
    field: str, kind: FieldKind, texts: tuple[str, ...] = (), scope: str | None = None
) -> st.SearchStrategy[Comparison]:
    """Type-correct comparisons of one field: only operators that fit its kind.

    ``texts`` are values the field holds, used half of the time for text.
    ``scope`` (a type's name, or ``PROFILE``) names where the repository's
    values of the field are (see ``_observed``): literals are mostly made
    from them, so that comparisons split the records.
    """
    if kind == "text" and texts:
        field_texts = st.sampled_from(texts).map(lambda value: StringLiteral(value=value))
        strings = st.one_of(field_texts, v.string_literals)
        literals: st.SearchStrategy[Any] = held(scope, field, kind, "whole", strings)
        items = held(scope, field, kind, "item", strings)
        members = _with(field, ("in", "not in"), v.list_literals(items))
    else:
        literals = held(scope, field, kind, "whole", st.one_of(*v.LITERALS_FOR_KIND[kind]))
        if kind in ("date", "datetime"):
            literals = st.one_of(literals, v.ago_literals)
        # A list literal holds one kind: only the first (the field's own) is held.
        first, *others = v.LITERALS_FOR_KIND[kind]
        item_kinds = (first if kind == "list" else held(scope, field, kind, "item", first),)
        members = st.one_of(
            *(
                _with(field, ("in", "not in"), v.list_literals(kinds))
                for kinds in (*item_kinds, *others)
            )
        )
    null_tests = _with(field, ("is null", "is not null"), st.none())
    if kind == "list":
        # contains is the list operator; = and in are valid but always UNKNOWN.
        return st.one_of(
            _with(field, ("contains",), literals),
            null_tests,
            _with(field, ("=", "!="), literals),
            _with(field, ("in", "not in"), v.list_literals(v.string_literals)),
        )
    equality = _with(field, ("=", "!="), literals)
    if kind == "boolean":
        return st.one_of(equality, null_tests, members)
    ordering = _with(field, ("<", "<=", ">", ">="), literals)
    if kind != "text":
        return st.one_of(equality, null_tests, ordering, members)
    prefixes = held(scope, field, kind, "prefix", v.affix_literals)
    suffixes = held(scope, field, kind, "suffix", v.affix_literals)
    return st.one_of(
        equality,
        null_tests,
        _with(field, ("contains",), prefixes),
        _with(field, ("starts with",), prefixes) | _with(field, ("ends with",), suffixes),
        ordering,
        members,
        _with(field, ("like", "not like"), v.like_patterns(prefixes | suffixes)),
    )


def restrictions(interaction_type: InteractionType) -> st.SearchStrategy[Restriction] | None:
    """``where`` restrictions over the type's fields (None when it has no fields)."""
    return _restrictions(*type_key(interaction_type))


@lru_cache(maxsize=256)
def _restrictions(
    name: str, fields: FieldsKey, references: tuple[str, ...]
) -> st.SearchStrategy[Restriction] | None:
    if not fields:
        return None
    # A contact-reference field holds contact ids: compare it with them.
    choices = tuple(
        (field, comparisons(field, kind, v.CONTACT_IDS if field in references else (), name))
        for field, kind in fields
    )
    # Two times in three a field the type's records fill.
    any_field = st.one_of(*(strategy for _, strategy in choices))
    leaves = v.weighted([(2, held_fields(name, choices)), (1, any_field)])

    def combine(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            st.builds(WhereNot, operand=children),
            st.builds(WhereAnd, operands=operands),
            st.builds(WhereOr, operands=operands),
        )

    return v.short_repr(st.recursive(leaves, combine, max_leaves=3), "restrictions")


# --- counts and windows --------------------------------------------------------------


def _between_count(bounds: tuple[int, int]) -> Count:
    low, high = sorted(bounds)
    return Count(operator="between", value=low, upper=high)


small_counts = st.integers(min_value=0, max_value=3)
counts = st.one_of(
    st.builds(
        Count, operator=st.sampled_from(("at least", "at most", "exactly")), value=small_counts
    ),
    st.tuples(small_counts, small_counts).map(_between_count),
)
amounts = st.one_of(st.integers(min_value=0, max_value=3), st.sampled_from((7, 14, 30, 90, 365)))
units = st.sampled_from(UNITS)
agos = st.builds(Ago, amount=amounts, unit=units)
absolute_points = st.one_of(v.date_literals, v.datetime_literals)
points = st.one_of(agos, absolute_points)


def _relative_between(unit: str, first: int, second: int) -> Between:
    # One unit, the larger amount first: `N unit ago` only moves back as N grows.
    return Between(
        start=Ago(amount=max(first, second), unit=unit),
        end=Ago(amount=min(first, second), unit=unit),
    )


def _wall(point: DateLiteral | DateTimeLiteral, as_end: bool) -> datetime:
    """Where a point lies on the wall clock (an end DATE means its next midnight)."""
    if isinstance(point, DateLiteral):
        midnight = datetime.combine(point.value, time())
        return midnight + timedelta(days=1) if as_end else midnight
    return point.value


def _ordered_between(
    first: DateLiteral | DateTimeLiteral, second: DateLiteral | DateTimeLiteral
) -> Between:
    """An absolute window no time zone finds inverted.

    Both points are read the same way (both with an offset, or both on the
    wall clock of ``tz``), ordered; wall times closer than a DST gap are made
    one point, since a gap can swap them.
    """
    start, end = sorted((first, second), key=lambda p: _wall(p, as_end=False))
    gap = _wall(end, as_end=True) - _wall(start, as_end=False)
    if timedelta(0) < gap < _GAP_MARGIN and _wall(start, as_end=False).tzinfo is None:
        end = start
    return Between(start=start, end=end)


_wall_points = st.one_of(v.date_literals, v.naive_datetime_literals)
windows: st.SearchStrategy[Window] = st.one_of(
    st.builds(InLast, amount=amounts, unit=units),
    st.builds(Since, point=points),
    st.builds(Before, point=points),
    st.builds(_relative_between, units, amounts, amounts),
    st.builds(_ordered_between, _wall_points, _wall_points),
    st.builds(_ordered_between, v.aware_datetime_literals, v.aware_datetime_literals),
)


# --- conditions -----------------------------------------------------------------------


def interaction_conditions(
    interaction_type: InteractionType,
) -> st.SearchStrategy[InteractionCondition]:
    """Conditions on one type: ``via`` a contact reference, ``where`` its fields."""
    return _interaction_conditions(type_key(interaction_type))


@lru_cache(maxsize=256)
def _interaction_conditions(key: TypeKey) -> st.SearchStrategy[InteractionCondition]:
    name, fields, references = key
    restriction = _restrictions(name, fields, references)
    # Counts and windows two times in three aimed at the type's records.
    aimed_counts = v.weighted([(2, held_counts(name, counts)), (1, counts)])
    aimed_windows = v.weighted([(2, held_windows(name, windows)), (1, windows)])
    return st.builds(
        InteractionCondition,
        type=st.just(name),
        # `via` one time in three: records often leave a reference field empty.
        via=v.weighted([(2, st.none()), (1, st.sampled_from(references))])
        if references
        else st.none(),
        where=st.none() if restriction is None else st.none() | restriction,
        count=st.none() | aimed_counts,
        window=st.none() | aimed_windows,
    )


def profile_paths(contacts: Iterable[Contact]) -> dict[str, FieldKind]:
    """The contact model's fields, the attribute keys the contacts use, and
    one key no contact has (``nickname``, null for all), each with a kind.

    A key whose values have several kinds gets the first one seen; a key
    that only holds null is compared as text.
    """
    attribute_kinds: dict[str, FieldKind | None] = {}
    for contact in contacts:
        for key, value in contact.attributes.items():
            usable = is_identifier(key) and key not in CONTACT_FIELDS
            if usable and attribute_kinds.get(key) is None:
                attribute_kinds[key] = value_kind(value)
    paths: dict[str, FieldKind] = dict.fromkeys(_CONTACT_PATHS, "text")
    paths.update((key, kind or "text") for key, kind in attribute_kinds.items())
    paths.setdefault(_MISSING_PATH, "text")
    return paths


@lru_cache(maxsize=256)
def _profile_conditions(paths: FieldsKey) -> st.SearchStrategy[ProfileCondition]:
    conditions = st.one_of(
        *(
            comparisons(path, kind, _FIELD_TEXTS.get(path, ()), PROFILE).map(
                lambda c: ProfileCondition(comparison=c)
            )
            for path, kind in paths
        )
    )
    return v.short_repr(conditions, "profile_conditions")  # a short repr, as above


def queries(repo: RepositoryLike, max_depth: int = 3) -> st.SearchStrategy[Query]:
    """Query ASTs valid for ``repo`` as it is when ``queries`` is called.

    ``max_depth`` bounds the nesting of ``and``/``or``/``not`` (1: atoms only).
    Most interaction conditions name a type the repository has live records
    of, and most literals, counts and windows are aimed at what the
    repository holds (``_observed``), so that results seldom hold everyone
    or no one.
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise InvalidArgumentError(
            f"max_depth must be a whole number of at least 1, not {max_depth!r}",
            argument="max_depth",
        )
    types = dict(repo.types())
    people = list(repo.contacts())
    facts = facts_of(people, repo.interactions())
    tree = _queries(
        tuple(type_key(t) for t in types.values()),
        tuple(type_key(types[name]) for name in facts.most if name in types),
        tuple(segment.name for segment in repo.segments()),
        tuple(profile_paths(people).items()),
        max_depth,
    )

    # The tree is cached per repository shape; this repository's facts reach
    # its leaves through the context variable, set for the draw alone.
    def queries_for_repository(draw: st.DrawFn) -> Query:
        token = FACTS.set(facts)
        try:
            query: Query = draw(tree)
        finally:
            FACTS.reset(token)
        return query

    return st.composite(queries_for_repository)()


@lru_cache(maxsize=256)
def _conditions_of(types: tuple[TypeKey, ...]) -> st.SearchStrategy[InteractionCondition]:
    # Named: Hypothesis formats the repr of a one_of while shrinking, and the
    # full repr of 25 interaction types is tens of kilobytes.
    return v.short_repr(
        st.one_of(*(_interaction_conditions(key) for key in types)), "interaction_conditions"
    )


@lru_cache(maxsize=256)
def _queries(
    types: tuple[TypeKey, ...],
    recorded: tuple[TypeKey, ...],
    segment_names: tuple[str, ...],
    paths: FieldsKey,
    max_depth: int,
) -> st.SearchStrategy[Query]:
    whole_sets: list[st.SearchStrategy[Query]] = [st.just(AllContacts())]
    if segment_names:
        whole_sets.append(st.sampled_from(segment_names).map(lambda n: SegmentReference(name=n)))
    # Interaction conditions are the heart of the language: half of the atoms.
    atoms: list[tuple[int, st.SearchStrategy[Any]]] = [
        (1, st.one_of(*whole_sets)),
        (2, _profile_conditions(paths)),
    ]
    any_type = _conditions_of(types)
    if recorded:
        # Seven in eight name a type with live records, so results are seldom empty.
        atoms.append((3, v.weighted([(7, _conditions_of(recorded)), (1, any_type)])))
    elif types:
        atoms.append((3, any_type))
    level: st.SearchStrategy[Query] = v.weighted(atoms)
    for _ in range(max_depth - 1):
        below = level
        operands = st.lists(below, min_size=2, max_size=3).map(tuple)
        # Half the time one level less, so that a third of the queries are atoms.
        compound = st.one_of(
            st.builds(Not, operand=below),
            st.builds(And, operands=operands),
            st.builds(Or, operands=operands),
        )
        level = v.weighted([(1, below), (1, compound)])
    return level
