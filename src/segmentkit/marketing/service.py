"""``Marketing``: Business Central's interactions and segments over one repository.

Setup tables (salespeople, interaction groups, templates, number series),
interactions created from templates, postponed and resumed, and logging a
segment with an optional follow-up. See WORKFLOWS.md and ``docs/workflows.md``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, overload

from pydantic import ValidationError

from segmentkit.errors import (
    DuplicateRecordError,
    InvalidArgumentError,
    MarketingError,
    UnknownRecordError,
)
from segmentkit.marketing.entries import entry_from_template, interaction_of, take_entry_ids
from segmentkit.marketing.records import (
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    MarketingSetup,
    NumberSeries,
    PostponedInteraction,
    Salesperson,
)
from segmentkit.marketing.segments import SegmentActions
from segmentkit.marketing.service_base import explain
from segmentkit.marketing.state import TEMPLATE_FIELDS, MarketingState, replaced
from segmentkit.models.records import Interaction, InteractionType

__all__ = ["Marketing"]


class Marketing(SegmentActions):
    """One marketing service over one ``InMemoryRepository``.

    All its state lives in the repository (saved with it, rolled back with
    its transactions), so ``Marketing(repo)`` after ``load_repository`` picks
    up where the application stopped. Every action is all or nothing; every
    misuse raises a ``SegmentKitError`` and changes nothing.
    """

    # -- setup tables -----------------------------------------------------------------

    def add_salesperson(self, salesperson: Salesperson | dict[str, Any]) -> Salesperson:
        new = self._record(Salesperson, salesperson, "salesperson")
        with self._changing() as state:
            if state.salesperson(new.code) is not None:
                raise DuplicateRecordError("salesperson", new.code)
            self._commit(state.model_copy(update={"salespeople": (*state.salespeople, new)}))
        return new

    def add_interaction_group(self, group: InteractionGroup | dict[str, Any]) -> InteractionGroup:
        new = self._record(InteractionGroup, group, "interaction group")
        with self._changing() as state:
            if state.group(new.code) is not None:
                raise DuplicateRecordError("interaction group", new.code)
            groups = (*state.interaction_groups, new)
            self._commit(state.model_copy(update={"interaction_groups": groups}))
        return new

    def add_template(self, template: InteractionTemplate | dict[str, Any]) -> InteractionTemplate:
        """Add an interaction template, and register the interaction type of the same name.

        The type's fields are the properties of the interactions recorded
        from it (``template``, ``cost``, ``evaluation``, ``segment_no``, ...),
        so queries such as ``PHONECALL where evaluation = "positive"`` work.
        """
        new = self._record(InteractionTemplate, template, "interaction template")
        with self._changing() as state:
            if state.template(new.code) is not None:
                raise DuplicateRecordError("interaction template", new.code)
            if new.group is not None:
                self._group(state, new.group)
            existing = self.repo.types().get(new.code)
            if existing is not None and dict(existing.fields) != TEMPLATE_FIELDS:
                raise DuplicateRecordError(
                    "interaction type",
                    new.code,
                    hint="A template's code names its interaction type; choose another code",
                )
            self.repo.register_type(
                InteractionType(name=new.code, fields=TEMPLATE_FIELDS, description=new.description)
            )
            self._commit(state.model_copy(update={"templates": (*state.templates, new)}))
        return new

    def remove_template(self, code: str) -> InteractionTemplate:
        """Remove a template. Its interaction type stays: interactions recorded
        from it keep counting in queries. Segment lines that use it can no
        longer be logged until they get another template."""
        with self._changing() as state:
            old = self._template(state, code)
            templates = replaced(state.templates, old, None)
            self._commit(state.model_copy(update={"templates": templates}))
        return old

    def add_number_series(self, series: NumberSeries | dict[str, Any]) -> NumberSeries:
        new = self._record(NumberSeries, series, "number series")
        with self._changing() as state:
            if state.series(new.code) is not None:
                raise DuplicateRecordError("number series", new.code)
            self._commit(state.model_copy(update={"number_series": (*state.number_series, new)}))
        return new

    def set_setup(self, setup: MarketingSetup | dict[str, Any]) -> MarketingSetup:
        """Say which number series number segments and interactions."""
        new = self._record(MarketingSetup, setup, "marketing setup")
        with self._changing() as state:
            for code in (new.segment_series, new.interaction_series):
                if code is not None and state.series(code) is None:
                    raise self._unknown(
                        "number series", code, [s.code for s in state.number_series],
                        hint="Add it with add_number_series first",
                    )
            self._commit(state.model_copy(update={"setup": new}))
        return new

    def setup(self) -> MarketingSetup:
        return self._state().setup

    def salespeople(self) -> list[Salesperson]:
        return list(self._state().salespeople)

    def interaction_groups(self) -> list[InteractionGroup]:
        return list(self._state().interaction_groups)

    def templates(self) -> list[InteractionTemplate]:
        return list(self._state().templates)

    def number_series(self, code: str) -> NumberSeries | None:
        """The number series with this code (``last_used`` as it is now), or None."""
        return self._state().series(code)

    # -- interactions -------------------------------------------------------------------

    @overload
    def create_interaction(
        self,
        template: str | None = None,
        contact_id: str | None = None,
        salesperson: str | None = None,
        at: datetime | None = None,
        description: str | None = None,
        cost: Decimal | float | None = None,
        duration: Decimal | float | None = None,
        evaluation: str | None = None,
        attempt_failed: bool = False,
        from_entry: str | None = None,
        postpone: Literal[False] = False,
    ) -> Interaction: ...
    @overload
    def create_interaction(
        self,
        template: str | None = None,
        contact_id: str | None = None,
        salesperson: str | None = None,
        at: datetime | None = None,
        description: str | None = None,
        cost: Decimal | float | None = None,
        duration: Decimal | float | None = None,
        evaluation: str | None = None,
        attempt_failed: bool = False,
        from_entry: str | None = None,
        *,
        postpone: Literal[True],
    ) -> PostponedInteraction: ...
    def create_interaction(
        self,
        template: str | None = None,
        contact_id: str | None = None,
        salesperson: str | None = None,
        at: datetime | None = None,
        description: str | None = None,
        cost: Decimal | float | None = None,
        duration: Decimal | float | None = None,
        evaluation: str | None = None,
        attempt_failed: bool = False,
        from_entry: str | None = None,
        postpone: bool = False,
    ) -> Interaction | PostponedInteraction:
        """Record an interaction from a template, or postpone it.

        ``from_entry`` names an existing interaction whose contact, template
        and salesperson are copied; arguments given explicitly win. Cost and
        duration default from the template. Finished, it is added to the
        repository (and counts in queries at ``at``); postponed, it is kept
        with what was entered and counts nowhere until ``resume``.
        """
        with self._changing() as state:
            if from_entry is not None:
                source = self.repo.get_interaction(from_entry)
                if source is None:
                    raise UnknownRecordError("interaction log entry", from_entry)
                copied = source.properties
                template = template if template is not None else _text_or_none(copied, "template")
                salesperson = (
                    salesperson if salesperson is not None
                    else _text_or_none(copied, "salesperson")
                )
                contact_id = contact_id if contact_id is not None else source.contact_id
            if template is None:
                raise MarketingError(
                    "An interaction needs an interaction template",
                    hint="Give template=... (or from_entry=... an interaction made from one)",
                )
            chosen = self._template(state, template)
            if contact_id is None:
                raise MarketingError("An interaction needs a contact", hint="Give contact_id=...")
            self._contact(contact_id)
            if salesperson is not None:
                self._salesperson(state, salesperson)
            if at is not None or not postpone:
                at = self._instant(at, "at")
            (entry_id,), state = take_entry_ids(state, 1, self._taken(state))
            try:
                entry = entry_from_template(
                    entry_id, chosen, contact_id=contact_id, at=at, salesperson=salesperson,
                    description=description,
                    cost=None if cost is None else Decimal(str(cost)),
                    duration=None if duration is None else Decimal(str(duration)),
                    evaluation=evaluation, attempt_failed=attempt_failed,
                )
            except (ValidationError, ArithmeticError) as error:
                reason = explain(error) if isinstance(error, ValidationError) else str(error)
                raise InvalidArgumentError(f"this interaction is not valid: {reason}") from None
            if postpone:
                self._commit(state.model_copy(update={"postponed": (*state.postponed, entry)}))
                return entry
            assert at is not None  # checked above for a finished interaction
            return self._finish(state, entry, at)

    def _finish(
        self, state: MarketingState, entry: PostponedInteraction, at: datetime
    ) -> Interaction:
        interaction = interaction_of(entry, at)
        self.repo.add_interactions([interaction])
        self._commit(state)
        return interaction

    def postponed(self) -> list[PostponedInteraction]:
        """The postponed interactions, in the order they were created."""
        return list(self._state().postponed)

    def resume(self, entry_id: str, at: datetime | None = None) -> Interaction:
        """Finish a postponed interaction: it is recorded (and counts from then on).

        Its timestamp is ``at`` when given, else the one entered when it was postponed.
        """
        with self._changing() as state:
            entry = self._postponed_entry(state, entry_id)
            when = at if at is not None else entry.at
            if when is None:
                raise MarketingError(
                    f"Postponed interaction {entry.id} has no time yet", hint="Give at=..."
                )
            when = self._instant(when, "at")
            state = state.model_copy(update={"postponed": replaced(state.postponed, entry, None)})
            return self._finish(state, entry, when)

    def delete_postponed(self, entry_id: str) -> PostponedInteraction:
        """Delete a postponed interaction (it was never recorded)."""
        with self._changing() as state:
            entry = self._postponed_entry(state, entry_id)
            self._commit(
                state.model_copy(update={"postponed": replaced(state.postponed, entry, None)})
            )
            return entry

    def _postponed_entry(self, state: MarketingState, entry_id: object) -> PostponedInteraction:
        entry = state.postponed_entry(entry_id)
        if entry is None:
            done = isinstance(entry_id, str) and self.repo.get_interaction(entry_id) is not None
            raise MarketingError(
                f"Interaction {entry_id!r} is not postponed"
                + (": it was recorded already" if done else ""),
                hint="Postponed interactions are listed by postponed()",
            )
        return entry

    # -- logging ----------------------------------------------------------------------

    def log_segment(self, number: str, *, at: datetime, follow_up: bool = False) -> LoggedSegment:
        """Log an open segment: one interaction per line, then the segment is closed.

        Each line's interaction uses the line's template (or the segment's),
        carries the segment number and the new logged segment number, and is
        timestamped ``at``. With ``follow_up``, a new segment with the next
        segment number holds the same contacts. All or nothing.
        """
        with self._changing() as state:
            header = self._open_segment(state, number)
            at = self._instant(at, "at")
            if not header.lines:
                raise MarketingError(
                    f"Segment {header.number} has no lines to log",
                    hint="Add contacts to it first (add_contacts or add_line)",
                )
            entry_no = len(state.logged_segments) + 1
            templates: dict[str | None, InteractionTemplate] = {}
            for line in header.lines:
                code = line.template if line.template is not None else header.template
                if code is None:
                    raise MarketingError(
                        f"The line for contact {line.contact_id!r} on segment {header.number} "
                        "has no interaction template",
                        hint="Give the segment a template, or the line one (set_line_template)",
                    )
                if code not in templates:
                    templates[code] = self._template(state, code)
            follow = None
            if follow_up:
                follow, state = self._follow_up(state, header, entry_no)
            ids, state = take_entry_ids(state, len(header.lines), self._taken(state))
            interactions = []
            for entry_id, line in zip(ids, header.lines, strict=True):
                code = line.template if line.template is not None else header.template
                entry = entry_from_template(
                    entry_id, templates[code], contact_id=line.contact_id, at=at,
                    salesperson=header.salesperson, description=header.description,
                )
                interactions.append(
                    interaction_of(entry, at, segment_no=header.number, logged_segment_no=entry_no)
                )
            logged = LoggedSegment(
                entry_no=entry_no, segment_no=header.number, description=header.description,
                interactions=len(interactions), created_at=at,
                follow_up=None if follow is None else follow.number,
                interaction_ids=tuple(ids),
            )
            self.repo.add_interactions(interactions)
            segments = replaced(state.segments, header, follow)
            self._commit(
                state.model_copy(update={
                    "segments": segments,
                    "logged_segments": (*state.logged_segments, logged),
                })
            )
            return logged

    def logged_segments(self) -> list[LoggedSegment]:
        return list(self._state().logged_segments)

    def follow_up_of(self, entry_no: int) -> str | None:
        """The number of the follow-up segment made when logging ``entry_no``, or None."""
        return self._logged(self._state(), entry_no).follow_up

    def cancel_logged_segment(self, entry_no: int) -> LoggedSegment:
        """Cancel a logged segment: it and its interactions are canceled and stop counting."""
        with self._changing() as state:
            logged = self._logged(state, entry_no)
            if logged.canceled:
                raise MarketingError(f"Logged segment {entry_no} is canceled already")
            if logged.interaction_ids:
                self.repo.cancel_interactions(logged.interaction_ids)
            canceled = logged.model_copy(update={"canceled": True})
            updated = replaced(state.logged_segments, logged, canceled)
            self._commit(state.model_copy(update={"logged_segments": updated}))
            return canceled

    # -- everything -------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Every marketing table and every interaction of the repository, as plain JSON data."""
        state = self._state()
        data = state.model_dump(mode="json")
        for header, dumped in zip(state.segments, data["segments"], strict=True):
            dumped["criteria"] = list(header.criteria)
        data["interactions"] = [
            interaction.model_dump(mode="json")
            for interaction in sorted(self.repo.interactions(), key=lambda i: (i.timestamp, i.id))
        ]
        return data


def _text_or_none(properties: dict[str, Any], key: str) -> str | None:
    value = properties.get(key)
    return value if isinstance(value, str) else None
