"""Hypothesis strategies for testing code that uses segmentkit.

Install with the extra: ``pip install "segmentkit[testing]"``. Importing
``segmentkit`` never imports Hypothesis; only this package does.

    from hypothesis import given, strategies as st
    from segmentkit.strategies import queries, repositories

    @given(st.data())
    def test_members_are_contacts(data):
        repo = data.draw(repositories())
        query = data.draw(queries(repo))
        ...

Records and queries draw from small pools of colliding values (ids equal but
for case, text equal only after ``casefold()``, 1 and 1.0, instants around
month ends and Copenhagen's DST changes), and ``queries(repo)`` aims its
literals, counts and windows at what the repository holds, so queries
select non-trivial sets. Everything shrinks toward few records and one plain condition. The
``hypothesis`` entry point registers ``_hypothesis_setup_hook``, so that
``st.from_type(Contact)`` (and Interaction, InteractionType, Segment, Query,
InMemoryRepository) works without importing this module.
"""

# ruff: noqa: E402
from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    """Register the public models with ``st.from_type`` (Hypothesis runs this on import).

    Named by the ``hypothesis`` entry point in pyproject.toml. Defined before
    this package imports Hypothesis: when ``import segmentkit.strategies``
    is what first imports Hypothesis, Hypothesis calls this hook while the
    rest of this module is still being imported.
    """
    from segmentkit.strategies._registration import register

    register()


from hypothesis import strategies as st

from segmentkit.strategies import _values
from segmentkit.strategies._queries import RepositoryLike
from segmentkit.strategies._queries import queries as queries
from segmentkit.strategies._records import contacts as contacts
from segmentkit.strategies._records import interaction_types as interaction_types
from segmentkit.strategies._records import interactions as interactions
from segmentkit.strategies._records import segments as segments
from segmentkit.strategies._repositories import nows as nows
from segmentkit.strategies._repositories import repositories as repositories
from segmentkit.strategies._texts import spell

__all__ = [
    "contacts",
    "interaction_types",
    "interactions",
    "nows",
    "queries",
    "query_texts",
    "repositories",
    "segments",
    "timezones",
]


def query_texts(repo: RepositoryLike, max_depth: int = 3) -> st.SearchStrategy[str]:
    """Texts of queries from ``queries(repo, max_depth)``: the canonical text, or the
    same query with other spacing, comments, parentheses, quotes, plural forms
    and clause order. ``parse`` reads each back to the query it was written from.
    """
    trees = queries(repo, max_depth)

    # Drawn in one composite rather than with flatmap, so that the query
    # shrinks first and its spelling then shrinks toward the canonical text.
    @st.composite
    def query_text(draw: st.DrawFn) -> str:
        return spell(draw, draw(trees))

    return query_text()


def timezones() -> st.SearchStrategy[str]:
    """Time zone names for ``evaluate(..., tz=...)``: UTC first, then zones with
    DST (Europe/Copenhagen, America/New_York, Australia/Lord_Howe's half hour)
    and a half-hour offset (Asia/Kolkata)."""
    return st.sampled_from(_values.TIMEZONES)
