"""Comparisons and ``where`` restrictions that fit the kinds of the fields they test.

Literals are mostly made from what the repository holds (``_observed``), so
that comparisons split the records and contacts they are applied to.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Comparison,
    Restriction,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.models.records import InteractionType
from segmentkit.models.values import FieldKind
from segmentkit.strategies import _values as v
from segmentkit.strategies._observed import (
    held,
    held_fields,
)
from segmentkit.strategies._records import FieldsKey, type_key

# --- comparisons ------------------------------------------------------------------------


def _comparison(field: str, operator: str, value: Any) -> Comparison:
    return Comparison(field=field, operator=operator, value=value)


def _with(field: str, operators: tuple[str, ...], values: st.SearchStrategy[Any]) -> Any:
    return st.builds(_comparison, st.just(field), st.sampled_from(operators), values)


# Texts that a field's values are drawn from, beyond the common pool: a
# comparison that can meet the field's values selects something.
FIELD_TEXTS: dict[str, tuple[str, ...]] = {
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
    return restrictions_of_type(*type_key(interaction_type))


@lru_cache(maxsize=256)
def restrictions_of_type(
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


