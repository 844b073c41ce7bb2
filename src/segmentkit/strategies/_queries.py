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
from functools import lru_cache
from typing import Any, Protocol

from hypothesis import strategies as st

from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import (
    AllContacts,
    And,
    InPeriods,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    SegmentReference,
)
from segmentkit.models.records import CONTACT_FIELDS, Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind, is_identifier, value_kind
from segmentkit.strategies import _values as v
from segmentkit.strategies._clauses import counts, havings, windows
from segmentkit.strategies._comparisons import FIELD_TEXTS, comparisons, restrictions_of_type
from segmentkit.strategies._observed import (
    FACTS,
    PROFILE,
    facts_of,
    held_counts,
    held_windows,
)
from segmentkit.strategies._patterns import recencies, sequences
from segmentkit.strategies._records import FieldsKey, TypeKey, type_key

# The contact model's fields, the ones a person would try first in front.
_FIRST_PATHS = ("email", "id", "name")
_CONTACT_PATHS = (*_FIRST_PATHS, *sorted(CONTACT_FIELDS - set(_FIRST_PATHS)))
# No generated contact has this attribute: comparisons on it are UNKNOWN.
_MISSING_PATH = "nickname"


class RepositoryLike(Protocol):
    """What ``queries`` reads: an ``InMemoryRepository`` or anything shaped like it."""

    def types(self) -> Mapping[str, InteractionType]: ...
    def segments(self) -> Iterable[Segment]: ...
    def contacts(self) -> Iterable[Contact]: ...
    def interactions(self, type: str | None = None) -> Iterable[Interaction]: ...


# --- conditions -----------------------------------------------------------------------


def interaction_conditions(
    interaction_type: InteractionType,
) -> st.SearchStrategy[InteractionCondition]:
    """Conditions on one type: ``via`` a contact reference, ``where`` its fields."""
    return _interaction_conditions(type_key(interaction_type))


@lru_cache(maxsize=256)
def _interaction_conditions(key: TypeKey) -> st.SearchStrategy[InteractionCondition]:
    name, fields, references = key
    restriction = restrictions_of_type(name, fields, references)
    # Counts and windows two times in three aimed at the type's records.
    aimed_counts = v.weighted([(2, held_counts(name, counts)), (1, counts)])
    aimed_windows = v.weighted([(2, held_windows(name, windows)), (1, windows)])
    having = havings(name, fields)
    return st.builds(
        InteractionCondition,
        type=st.just(name),
        # `via` one time in three: records often leave a reference field empty.
        via=v.weighted([(2, st.none()), (1, st.sampled_from(references))])
        if references
        else st.none(),
        where=st.none() if restriction is None else st.none() | restriction,
        count=st.none() | aimed_counts,
        # `having` one time in four: it narrows a condition a great deal.
        having=st.none() if having is None else v.weighted([(3, st.none()), (1, having)]),
        window=st.none() | aimed_windows,
    ).map(_one_window_for_having)


def _one_window_for_having(condition: InteractionCondition) -> InteractionCondition:
    # "`having` with a periodic window is a QueryValidationError".
    if condition.having is not None and isinstance(condition.window, InPeriods):
        return condition.model_copy(update={"window": None})
    return condition


def profile_paths(
    contacts: Iterable[Contact], declared: Mapping[str, FieldKind] | None = None
) -> dict[str, FieldKind]:
    """The contact model's fields, the attribute keys the contacts use, and
    one key no contact has (``nickname``, null for all), each with a kind.

    A key whose values have several kinds gets the first one seen; a key
    that only holds null is compared as text. When the repository declares
    its attributes, the declared ones instead (an undeclared key is an error).
    """
    fields: dict[str, FieldKind] = dict.fromkeys(_CONTACT_PATHS, "text")
    if declared:
        fields.update((key, kind) for key, kind in declared.items() if is_identifier(key))
        return fields
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
            comparisons(path, kind, FIELD_TEXTS.get(path, ()), PROFILE).map(
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
        tuple(profile_paths(people, getattr(repo, "attributes", dict)()).items()),
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
        # first / last and sequences (LANGUAGE.md "Version 2") on recorded types.
        patterns = v.weighted(
            [(1, st.one_of(*(recencies(key) for key in recorded))), (1, sequences(recorded))]
        )
        atoms.append((2, v.short_repr(patterns, "patterns")))
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

