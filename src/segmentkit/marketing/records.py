"""The records of Business Central's marketing setup and segments (WORKFLOWS.md, "Records").

Frozen Pydantic models, like the repository's. Money and minutes are
``Decimal`` here, as in Business Central, so ``2.50`` stays ``2.50``; on
an interaction they become numbers of the query language (floats).
"""

from __future__ import annotations

from datetime import date as CalendarDate
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from segmentkit.marketing.number_series import NumberFormat
from segmentkit.models.text import SavableStr
from segmentkit.models.values import Identifier, NonEmptyStr

__all__ = [
    "Code",
    "CriteriaAction",
    "Evaluation",
    "InteractionGroup",
    "InteractionTemplate",
    "LoggedSegment",
    "MarketingSetup",
    "Money",
    "NumberSeries",
    "PostponedInteraction",
    "Salesperson",
    "SegmentHeader",
    "SegmentLine",
]

# A code as Business Central uses them (salesperson, group, series, segment
# number): text without white space at either end. Compared exactly.
Code = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S(?:.*\S)?$")]
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


def _words(value: Any) -> Any:
    # "Very Positive", "very_positive" and "very positive" are one option.
    return " ".join(value.replace("_", " ").casefold().split()) if isinstance(value, str) else value


Evaluation = Annotated[
    Literal["very positive", "positive", "neutral", "negative", "very negative"],
    BeforeValidator(_words),
]
InformationFlow = Annotated[Literal["inbound", "outbound"], BeforeValidator(_words)]
InitiatedBy = Annotated[Literal["us", "them"], BeforeValidator(_words)]
CorrespondenceType = Annotated[
    Literal["hard copy", "email", "fax", "none"], BeforeValidator(_words)
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Salesperson(_Record):
    code: Code
    name: SavableStr | None = None


class InteractionGroup(_Record):
    code: Code
    description: SavableStr | None = None


class InteractionTemplate(_Record):
    """How an interaction of one kind is recorded. Its ``code`` is also the
    name of the interaction type its log entries have, so it is an identifier."""

    code: Identifier
    description: SavableStr | None = None
    group: Code | None = None
    unit_cost: Money = Decimal(0)
    unit_duration: Money = Decimal(0)  # minutes
    information_flow: InformationFlow | None = None
    initiated_by: InitiatedBy | None = None
    correspondence_type: CorrespondenceType = "none"


class NumberSeries(_Record):
    """Numbers such as ``SM00001``, ``SM00002``, ...: the rightmost run of digits
    counts up by ``increment``, keeping its prefix, suffix and zero padding.

    ``last_used`` is None until the first number is taken. Running past
    ``ending_number`` is a ``NumberSeriesError`` (``number_series.next_number``).
    """

    code: Code
    starting_number: Code
    increment: int = Field(default=1, ge=1)
    ending_number: Code | None = None
    last_used: Code | None = None
    description: SavableStr | None = None

    @model_validator(mode="after")
    def _numbers_share_one_format(self) -> Self:
        start = NumberFormat.of(self.starting_number, "starting_number")
        for name in ("ending_number", "last_used"):
            number = getattr(self, name)
            if number is None:
                continue
            value = NumberFormat.of(number, name)
            if not start.same_shape(value):
                raise ValueError(
                    f"{name} {number!r} must have the form of starting_number "
                    f"{self.starting_number!r} (the same text around the digits)"
                )
            if value.number < start.number:
                raise ValueError(
                    f"{name} {number!r} comes before starting_number {self.starting_number!r}"
                )
        if self.ending_number is not None and self.last_used is not None:
            end = NumberFormat.of(self.ending_number, "ending_number")
            if NumberFormat.of(self.last_used, "last_used").number > end.number:
                raise ValueError(
                    f"last_used {self.last_used!r} is past ending_number {self.ending_number!r}"
                )
        return self


class MarketingSetup(_Record):
    """Which number series give segment numbers and interaction entry numbers."""

    segment_series: Code | None = None
    interaction_series: Code | None = None


class SegmentLine(_Record):
    """One contact of a segment and the template its interaction will use
    (the line's own, or the segment's)."""

    contact_id: NonEmptyStr
    template: Identifier | None = None


CriteriaKind = Literal["add", "reduce", "refine", "add line", "remove line", "follow-up"]


class CriteriaAction(_Record):
    """One step of a segment's criteria history and what it changed.

    ``query`` (canonical text) for add / reduce / refine; ``contact_id`` for
    the single-line steps; ``logged_segment`` for the lines a follow-up
    segment starts with. ``added`` and ``removed`` are the lines as the step
    added or removed them, so that *Go back* can undo it exactly.
    """

    action: CriteriaKind
    query: SavableStr | None = None
    contact_id: NonEmptyStr | None = None
    logged_segment: int | None = None
    added: tuple[SegmentLine, ...] = ()
    removed: tuple[SegmentLine, ...] = ()

    @property
    def text(self) -> str:
        """The readable entry: ``add: EmailOpened in last 30 days``, ``add line: C1``."""
        if self.action == "follow-up":
            return f"follow-up: logged segment {self.logged_segment}"
        detail = self.query if self.query is not None else self.contact_id
        return f"{self.action}: {detail}"


class SegmentHeader(_Record):
    """A send list (Business Central's segment): lines, one per contact, sorted by id.

    ``criteria`` lists the criteria history in readable words; ``history``
    holds the same steps with what each changed.
    """

    number: Code
    description: SavableStr | None = None
    template: Identifier | None = None
    salesperson: Code | None = None
    date: CalendarDate | None = None
    lines: tuple[SegmentLine, ...] = ()
    history: tuple[CriteriaAction, ...] = ()

    @field_validator("lines")
    @classmethod
    def _one_line_per_contact_in_order(
        cls, lines: tuple[SegmentLine, ...]
    ) -> tuple[SegmentLine, ...]:
        ordered = tuple(sorted(lines, key=lambda line: line.contact_id))
        for before, after in pairwise(ordered):
            if before.contact_id == after.contact_id:
                raise ValueError(f"contact {before.contact_id!r} has two lines")
        return ordered

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(action.text for action in self.history)


class LoggedSegment(_Record):
    """A segment that was logged: one interaction per line was recorded."""

    entry_no: int = Field(ge=1)
    segment_no: Code
    description: SavableStr | None = None
    interactions: int = Field(ge=0)
    created_at: AwareDatetime
    canceled: bool = False
    follow_up: Code | None = None  # the number of the follow-up segment made with it
    interaction_ids: tuple[NonEmptyStr, ...] = ()


class PostponedInteraction(_Record):
    """An interaction being recorded, kept with everything entered so far.

    It counts in no query until it is resumed; then it becomes the
    repository interaction with the same ``id``.
    """

    id: NonEmptyStr
    template: Identifier
    contact_id: NonEmptyStr
    at: AwareDatetime | None = None
    salesperson: Code | None = None
    group: Code | None = None
    description: SavableStr | None = None
    cost: Money = Decimal(0)
    duration: Money = Decimal(0)
    evaluation: Evaluation | None = None
    attempt_failed: bool = False
    information_flow: InformationFlow | None = None
    initiated_by: InitiatedBy | None = None
    correspondence_type: CorrespondenceType = "none"
