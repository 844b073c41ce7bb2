"""Every marketing table as one immutable value, kept in the repository.

``Marketing`` reads a ``MarketingState``, builds the next one, and stores it
in the repository (``repo.set_extension_state("marketing", ...)``) inside
the same transaction as the interactions it adds, so a failure half way
leaves both as they were, and ``dump_repository`` saves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from segmentkit.marketing.records import (
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    MarketingSetup,
    NumberSeries,
    PostponedInteraction,
    Salesperson,
    SegmentHeader,
)
from segmentkit.models.values import FieldKind

__all__ = ["EXTENSION_NAME", "TEMPLATE_FIELDS", "MarketingState", "replaced"]

EXTENSION_NAME = "marketing"

# The properties of an interaction recorded from a template: the schema of
# the interaction type every template registers under its own code.
TEMPLATE_FIELDS: dict[str, FieldKind] = {
    "template": "text",
    "group": "text",
    "salesperson": "text",
    "cost": "number",
    "duration": "number",
    "description": "text",
    "evaluation": "text",
    "information_flow": "text",
    "initiated_by": "text",
    "correspondence_type": "text",
    "attempt_failed": "boolean",
    "segment_no": "text",
    "logged_segment_no": "number",
}

RecordT = TypeVar("RecordT", bound=BaseModel)


def replaced(
    records: Sequence[RecordT], old: RecordT | None, new: RecordT | None
) -> tuple[RecordT, ...]:
    """``records`` with ``old`` replaced by ``new`` in place (appended when
    ``old`` is None, removed when ``new`` is None)."""
    if old is None:
        return (*records, new) if new is not None else tuple(records)
    if new is None:
        return tuple(record for record in records if record is not old)
    return tuple(new if record is old else record for record in records)


def _by(records: Iterable[Any], attribute: str, key: object) -> Any:
    for record in records:
        if getattr(record, attribute) == key:
            return record
    return None


class MarketingState(BaseModel):
    """The marketing tables of one repository. ``last_entry_no`` is the last
    interaction entry number given when no interaction series is set up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    salespeople: tuple[Salesperson, ...] = ()
    interaction_groups: tuple[InteractionGroup, ...] = ()
    templates: tuple[InteractionTemplate, ...] = ()
    number_series: tuple[NumberSeries, ...] = ()
    setup: MarketingSetup = MarketingSetup()
    segments: tuple[SegmentHeader, ...] = ()
    postponed: tuple[PostponedInteraction, ...] = ()
    logged_segments: tuple[LoggedSegment, ...] = ()
    last_entry_no: int = 0

    @model_validator(mode="after")
    def _keys_are_unique_and_setup_refers_to_series(self) -> Self:
        for name, attribute in (
            ("salespeople", "code"),
            ("interaction_groups", "code"),
            ("templates", "code"),
            ("number_series", "code"),
            ("segments", "number"),
            ("postponed", "id"),
            ("logged_segments", "entry_no"),
        ):
            keys = [getattr(record, attribute) for record in getattr(self, name)]
            if len(set(keys)) != len(keys):
                duplicate = next(key for key in keys if keys.count(key) > 1)
                raise ValueError(f"{name}: {duplicate!r} appears twice")
        for role in ("segment_series", "interaction_series"):
            code = getattr(self.setup, role)
            if code is not None and self.series(code) is None:
                raise ValueError(f"setup.{role} {code!r} is not a number series")
        return self

    def salesperson(self, code: object) -> Salesperson | None:
        return _by(self.salespeople, "code", code)  # type: ignore[no-any-return]

    def group(self, code: object) -> InteractionGroup | None:
        return _by(self.interaction_groups, "code", code)  # type: ignore[no-any-return]

    def template(self, code: object) -> InteractionTemplate | None:
        return _by(self.templates, "code", code)  # type: ignore[no-any-return]

    def series(self, code: object) -> NumberSeries | None:
        return _by(self.number_series, "code", code)  # type: ignore[no-any-return]

    def segment(self, number: object) -> SegmentHeader | None:
        return _by(self.segments, "number", number)  # type: ignore[no-any-return]

    def postponed_entry(self, entry_id: object) -> PostponedInteraction | None:
        return _by(self.postponed, "id", entry_id)  # type: ignore[no-any-return]

    def logged(self, entry_no: object) -> LoggedSegment | None:
        return _by(self.logged_segments, "entry_no", entry_no)  # type: ignore[no-any-return]

    def with_series(self, series: NumberSeries) -> MarketingState:
        """The state with one number series replaced (its ``last_used`` moved on)."""
        old = self.series(series.code)
        return self.model_copy(update={"number_series": replaced(self.number_series, old, series)})
