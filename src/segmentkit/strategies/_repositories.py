"""Whole repositories: types, contacts, interactions and saved segments.

Built in the order a user would: custom types, contacts, interactions of a
few types (so that queries meet records), then segments one by one, each
dynamic one's query drawn for the repository as it is at that moment, so it
can only name earlier segments and no cycle can form. Every list shrinks
toward empty, so a failing repository shrinks toward few records.
"""

from __future__ import annotations

import operator
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from hypothesis import strategies as st

from segmentkit.errors import InvalidArgumentError
from segmentkit.language.format import format as format_query
from segmentkit.models.records import Contact, Segment
from segmentkit.models.values import FieldKind, value_kind
from segmentkit.repository import InMemoryRepository
from segmentkit.strategies import _values as v
from segmentkit.strategies._queries import queries
from segmentkit.strategies._records import (
    CUSTOM_TYPES,
    SEGMENT_NAMES,
    contacts,
    templates,
    to_interaction,
    type_key,
    types_for_records,
)

_NOW_NUDGES = (timedelta(microseconds=-1), timedelta(microseconds=1))
_AFTER_LATEST = (timedelta(days=1), timedelta(days=31), timedelta(hours=1))
# A few units after a record: where it sits on the edge of `in last N units`
# (for the fixed-length units; a month or a year later is about 30 or 365 days).
_AFTER_RECORD = tuple(
    length * amount
    for length in (timedelta(hours=1), timedelta(days=1), timedelta(weeks=1), timedelta(days=30))
    for amount in (1, 2, 3)
)


def _check_bound(name: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(
            f"{name} must be a whole number of at least {minimum}, not {value!r}", argument=name
        )
    return value


def repositories(
    min_contacts: int = 0,
    max_contacts: int = 6,
    max_interactions: int = 16,
    max_segments: int = 3,
) -> st.SearchStrategy[InMemoryRepository]:
    """Repositories with the built-in types, perhaps a custom type, contacts,
    interactions (some canceled) and saved segments (static and dynamic).

    Each draw builds a new repository, so a test may add to it freely.
    """
    _check_bound("min_contacts", min_contacts)
    _check_bound("max_contacts", max_contacts, minimum=min_contacts)
    _check_bound("max_interactions", max_interactions)
    _check_bound("max_segments", max_segments)
    if max_segments > len(SEGMENT_NAMES):
        raise InvalidArgumentError(
            f"max_segments can be at most {len(SEGMENT_NAMES)}", argument="max_segments"
        )
    return _repositories(min_contacts, max_contacts, max_interactions, max_segments)


_HOMES = st.sampled_from(v.ANCHOR_INSTANTS)
_MEMBER_SLOTS = st.integers(min_value=0, max_value=7)


@lru_cache(maxsize=16)
def _timestamps_near(home: datetime) -> st.SearchStrategy[datetime]:
    # Most records near one anchor, so that windows of days and weeks around
    # a `now` near them hold some records and miss others.
    return st.one_of(v.instants_near(st.just(home)), v.instants)


@st.composite
def _repositories(
    draw: st.DrawFn,
    min_contacts: int,
    max_contacts: int,
    max_interactions: int,
    max_segments: int,
) -> InMemoryRepository:
    repo = InMemoryRepository()
    custom = draw(st.lists(CUSTOM_TYPES, max_size=1))
    for interaction_type in custom:
        repo.register_type(interaction_type)
    people = draw(
        st.lists(contacts(), min_size=min_contacts, max_size=max_contacts, unique_by=lambda c: c.id)
    )
    # Hypothesis draws a list at its smallest about a time in four, and no
    # query splits fewer than two contacts: half of those times, draw again
    # with at least two. The flag's simplest value keeps the few, so a
    # failing repository still shrinks toward few contacts.
    if len(people) < 2 <= max_contacts and draw(st.booleans()):
        people = draw(
            st.lists(contacts(), min_size=2, max_size=max_contacts, unique_by=lambda c: c.id)
        )
    repo.add_contacts(people)
    # Half of the repositories declare their contacts' attribute kinds (when
    # the contacts agree on them), so that queries are checked against them.
    declared = _declarable(people)
    if declared is not None and draw(st.booleans()):
        repo.declare_attributes(declared)
    if people and max_interactions:
        ids = [contact.id for contact in people]
        home = draw(_HOMES)
        # Records of one to three types, so that each type has several and
        # counts such as `at least 2 times` have something to count.
        candidates = types_for_records(custom)
        focus = draw(
            st.lists(
                st.sampled_from(candidates), min_size=1, max_size=3, unique_by=lambda t: t.name
            )
        )
        keys = tuple(type_key(t) for t in focus)
        records = templates(keys, _timestamps_near(home))
        drawn = draw(st.lists(records, max_size=max_interactions))
        # No records at all leaves every interaction condition empty: half of
        # the times Hypothesis draws none (often), draw one. The flag's
        # simplest value keeps none, so failures still shrink toward none.
        if not drawn and draw(st.booleans()):
            drawn = [draw(records)]
        # Ids by position: unique, and a shrunk example reads i0, i1, ...
        # Record n's slot counts from contact n, so that records spread over
        # the contacts (a query then tells them apart) and still shrink to slot 0.
        repo.add_interactions(
            to_interaction(template._replace(contact=template.contact + n), ids, f"i{n}")
            for n, template in enumerate(drawn)
        )
    ids = [contact.id for contact in people]
    for name in SEGMENT_NAMES[: draw(st.integers(min_value=0, max_value=max_segments))]:
        if draw(st.booleans()):
            query = draw(queries(repo, max_depth=2))
            repo.save_segment(Segment(name=name, query=format_query(query)))
        else:
            chosen = draw(st.sets(_MEMBER_SLOTS)) if ids else set()
            members = list(dict.fromkeys(ids[slot % len(ids)] for slot in sorted(chosen)))
            repo.save_segment(Segment(name=name, members=members))
    return repo


def _declarable(people: list[Contact]) -> dict[str, FieldKind] | None:
    """The kind of each attribute the contacts use, or None when one key holds
    values of two kinds (no declaration fits them all)."""
    kinds: dict[str, set[FieldKind]] = {}
    for contact in people:
        for key, value in contact.attributes.items():
            found = kinds.setdefault(key, set())
            kind = value_kind(value)
            if kind is not None:
                found.add(kind)
    if any(len(found) > 1 for found in kinds.values()):
        return None
    return {key: next(iter(found), "text") for key, found in kinds.items()}


def nows(repo: InMemoryRepository | None = None) -> st.SearchStrategy[datetime]:
    """Aware instants for ``now``.

    With a repository: mostly one of its interaction timestamps (exactly, or
    a microsecond before or after it: the edges of every window), an hour,
    a day, a week or a month or two or three after one (where it sits on the
    edge of `in last` windows), or a while after the latest; else, and
    sometimes anyway, an instant near the anchors.
    """
    if repo is None:
        return v.instants
    # In UTC: a microsecond added to a wall time can land in a DST gap.
    stamps = sorted({record.timestamp.astimezone(UTC) for record in repo.interactions()})
    if not stamps:
        return v.instants
    # An instant by the records seven times in eight: one before them all
    # leaves every interaction condition empty.
    return v.weighted(
        [
            (2, st.sampled_from(stamps)),
            (2, st.builds(operator.add, st.sampled_from(stamps), st.sampled_from(_NOW_NUDGES))),
            (2, st.builds(operator.add, st.sampled_from(stamps), st.sampled_from(_AFTER_RECORD))),
            (1, st.builds(operator.add, st.just(stamps[-1]), st.sampled_from(_AFTER_LATEST))),
            (1, v.instants),
        ]
    )
