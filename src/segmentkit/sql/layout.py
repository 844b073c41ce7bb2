"""``TableLayout``: the names of the tables and columns segmentkit reads and writes.

The defaults are the tables ``SqlRepository`` creates. Pointing the names at
tables that already exist lets segmentkit query them read-only: contacts and
interactions are all a query needs. ``property_keys`` / ``profile_keys`` and
the two list tables are segmentkit's own (``sql.keys``): with them, text
comparison is Python's ``casefold`` exactly; a layout without them
(``keys=False``) reads the JSON columns in the engine's own types and
compares text with the engine's ``LOWER`` instead (``sql.json_values``,
docs/sql.md "Your own tables").
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from segmentkit.errors import InvalidArgumentError

__all__ = ["CONTACT_COLUMNS", "TableLayout"]

# A SQL identifier sqlglot can quote: not empty, no NUL, not absurdly long.
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00]+$")]


# The contact model's own fields, stored as columns (attributes are JSON).
CONTACT_COLUMNS = ("name", "email", "type", "company_id", "salesperson_code")


class TableLayout(BaseModel):
    """Table and column names (quoted when SQL is written, so any name works)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **names: Any) -> None:
        try:
            super().__init__(**names)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'layout'}: {e['msg']}" for e in error.errors()
            )
            raise InvalidArgumentError(
                f"not a table layout: {problems}", argument="layout"
            ) from None

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
    # None: the interactions table has no such column and nothing is canceled
    # (keys=False only; a NULL there counts as not canceled).
    canceled: Name | None = "canceled"
    properties: Name = "properties"
    property_keys: Name = "property_keys"
    # Whether the key columns and list tables exist (segmentkit's own tables).
    keys: bool = True
    # The contact model's fields (``models.CONTACT_FIELDS`` but ``id``) that
    # are text columns of the contacts table, named as the fields; a profile
    # path naming any other is read from the attributes JSON (keys=False only).
    contact_columns: tuple[Name, ...] = CONTACT_COLUMNS

    @model_validator(mode="after")
    def _own_tables_have_every_column(self) -> Self:
        every_column = set(self.contact_columns) == set(CONTACT_COLUMNS)
        if self.keys and (self.canceled is None or not every_column):
            raise ValueError(
                "segmentkit's own tables (keys=True) have every column: canceled and "
                "contact_columns can be changed only with keys=False"
            )
        if not set(self.contact_columns) <= set(CONTACT_COLUMNS):
            raise ValueError(
                f"contact_columns names the contact fields that are columns: "
                f"{', '.join(CONTACT_COLUMNS)}"
            )
        return self
