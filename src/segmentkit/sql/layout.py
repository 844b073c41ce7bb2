"""``TableLayout``: the names of the tables and columns segmentkit reads and writes.

The defaults are the tables ``SqlRepository`` creates. Pointing the names at
tables that already exist lets segmentkit query them read-only: contacts and
interactions are all a query needs. ``property_keys`` / ``profile_keys`` and
the two list tables are segmentkit's own (``sql.keys``): with them, text
comparison is Python's ``casefold`` exactly; a layout without them
(``keys=False``) compares with the engine's ``LOWER`` instead (docs/sql.md).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

__all__ = ["TableLayout"]

# A SQL identifier sqlglot can quote: not empty, no NUL, not absurdly long.
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00]+$")]


class TableLayout(BaseModel):
    """Table and column names (quoted when SQL is written, so any name works)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_name: Name | None = None
    contacts: Name = "segmentkit_contacts"
    interactions: Name = "segmentkit_interactions"
    types: Name = "segmentkit_types"
    segments: Name = "segmentkit_segments"
    attribute_kinds: Name = "segmentkit_attribute_kinds"
    contact_lists: Name = "segmentkit_contact_lists"
    interaction_lists: Name = "segmentkit_interaction_lists"

    # contacts
    contact_id: Name = "id"
    attributes: Name = "attributes"
    profile_keys: Name = "profile_keys"
    # interactions
    interaction_id: Name = "id"
    type: Name = "type"
    interaction_contact: Name = "contact_id"
    timestamp: Name = "ts"
    canceled: Name = "canceled"
    properties: Name = "properties"
    property_keys: Name = "property_keys"
    # Whether the key columns and list tables exist (segmentkit's own tables).
    keys: bool = True
