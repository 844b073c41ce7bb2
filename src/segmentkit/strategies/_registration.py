"""``st.from_type`` for the public models, registered by the Hypothesis entry point."""

from __future__ import annotations

from hypothesis import strategies as st

from segmentkit.language.ast import Query
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.repository import InMemoryRepository
from segmentkit.strategies import _values as v
from segmentkit.strategies._queries import queries
from segmentkit.strategies._records import contacts, interaction_types, interactions, segments
from segmentkit.strategies._repositories import repositories


def register() -> None:
    """Register a strategy for each public model.

    Registered as functions, so that nothing is built while Hypothesis is
    being imported (a strategy given directly is checked there, which
    Hypothesis reports as slow plugin work). Interactions name contacts of
    the default id pool; queries are valid for a repository with the
    built-in types only.
    """
    st.register_type_strategy(Contact, lambda _: contacts())
    st.register_type_strategy(Interaction, lambda _: interactions(v.CONTACT_IDS))
    st.register_type_strategy(InteractionType, lambda _: interaction_types())
    st.register_type_strategy(Segment, lambda _: segments())
    st.register_type_strategy(InMemoryRepository, lambda _: repositories())
    st.register_type_strategy(Query, lambda _: queries(InMemoryRepository()))
