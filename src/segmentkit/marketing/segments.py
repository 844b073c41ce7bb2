"""Building send lists: create a segment, change its lines by criteria, go back, reapply."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, tzinfo

from segmentkit.engine.evaluate import evaluate
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import DuplicateRecordError, MarketingError
from segmentkit.language.ast import Query
from segmentkit.language.format import format as format_query
from segmentkit.language.parse import parse
from segmentkit.marketing.criteria import apply_step, header_with, lines_of, undo_step
from segmentkit.marketing.number_series import next_number
from segmentkit.marketing.records import CriteriaAction, CriteriaKind, SegmentHeader, SegmentLine
from segmentkit.marketing.service_base import MarketingBase
from segmentkit.marketing.state import MarketingState, replaced

__all__ = ["SegmentActions"]


class SegmentActions(MarketingBase):
    """The segment (send list) half of ``Marketing``."""

    def create_segment(
        self,
        description: str | None = None,
        template: str | None = None,
        salesperson: str | None = None,
        date: date | None = None,
        *,
        number: str | None = None,
    ) -> SegmentHeader:
        """A new open segment with no lines, numbered from the segment series.

        ``number`` numbers it by hand instead (needed when the setup has no
        segment series). ``template`` is the interaction its lines get unless
        personalised; ``salesperson`` is on every interaction it logs.
        """
        with self._changing() as state:
            if template is not None:
                self._template(state, template)
            if salesperson is not None:
                self._salesperson(state, salesperson)
            if number is None:
                number, state = self._next_segment_number(state, "number a new segment")
            elif state.segment(number) is not None or any(
                logged.segment_no == number for logged in state.logged_segments
            ):
                raise DuplicateRecordError("segment", number)
            header = self._record(
                SegmentHeader,
                {"number": number, "description": description, "template": template,
                 "salesperson": salesperson, "date": date},
                "segment",
            )
            self._commit(state.model_copy(update={"segments": (*state.segments, header)}))
            return header

    def _next_segment_number(
        self, state: MarketingState, purpose: str
    ) -> tuple[str, MarketingState]:
        code = state.setup.segment_series
        if code is None:
            raise MarketingError(
                f"There is no number series for segments, needed to {purpose}",
                hint="Set one up: m.set_setup(MarketingSetup(segment_series=...))",
            )
        series = state.series(code)
        assert series is not None  # the state checks that its setup names series it has
        number = next_number(series)
        return number, state.with_series(series.model_copy(update={"last_used": number}))

    def segment(self, number: str) -> SegmentHeader | None:
        """The open segment with this number, or None."""
        return self._state().segment(number)

    def segments(self) -> list[SegmentHeader]:
        """The open segments (not yet logged), in the order they were created."""
        return list(self._state().segments)

    # -- criteria ------------------------------------------------------------------------

    def add_contacts(
        self, number: str, query: str | Query, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> SegmentHeader:
        """Add the query's members as of ``now`` to the segment's lines (union)."""
        return self._by_query(number, "add", query, now, tz)

    def reduce_contacts(
        self, number: str, query: str | Query, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> SegmentHeader:
        """Remove the query's members as of ``now`` from the segment's lines (difference)."""
        return self._by_query(number, "reduce", query, now, tz)

    def refine_contacts(
        self, number: str, query: str | Query, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> SegmentHeader:
        """Keep only the lines whose contacts the query selects as of ``now`` (intersection)."""
        return self._by_query(number, "refine", query, now, tz)

    def _by_query(
        self, number: str, kind: CriteriaKind, query: str | Query, now: datetime, tz: str | tzinfo
    ) -> SegmentHeader:
        with self._changing() as state:
            header = self._open_segment(state, number)
            members = evaluate(query, self.repo, now=now, tz=tz)
            parsed = query if isinstance(query, Query) else parse(query)
            step = CriteriaAction(action=kind, query=format_query(parsed))
            return self._stepped(state, header, step, members)

    def add_line(self, number: str, contact_id: str) -> SegmentHeader:
        """Add one contact to the segment (a step of its criteria history)."""
        with self._changing() as state:
            header = self._open_segment(state, number)
            self._contact(contact_id)
            if contact_id in lines_of(header):
                raise MarketingError(
                    f"Contact {contact_id!r} is on segment {header.number} already"
                )
            step = CriteriaAction(action="add line", contact_id=contact_id)
            return self._stepped(state, header, step)

    def remove_line(self, number: str, contact_id: str) -> SegmentHeader:
        """Remove one contact from the segment (a step of its criteria history)."""
        with self._changing() as state:
            header = self._open_segment(state, number)
            if not isinstance(contact_id, str) or contact_id not in lines_of(header):
                raise MarketingError(f"Contact {contact_id!r} is not on segment {header.number}")
            step = CriteriaAction(action="remove line", contact_id=contact_id)
            return self._stepped(state, header, step)

    def _stepped(
        self,
        state: MarketingState,
        header: SegmentHeader,
        step: CriteriaAction,
        members: Collection[str] = (),
    ) -> SegmentHeader:
        lines = lines_of(header)
        done = apply_step(lines, step, members=members, default_template=header.template)
        return self._replace(state, header, header_with(header, lines, (*header.history, done)))

    def _replace(
        self, state: MarketingState, old: SegmentHeader, new: SegmentHeader
    ) -> SegmentHeader:
        self._commit(state.model_copy(update={"segments": replaced(state.segments, old, new)}))
        return new

    def set_line_template(self, number: str, contact_id: str, template: str) -> SegmentHeader:
        """Personalise one line: its contact gets this template's interaction when logged."""
        with self._changing() as state:
            header = self._open_segment(state, number)
            self._template(state, template)
            lines = lines_of(header)
            if not isinstance(contact_id, str) or contact_id not in lines:
                raise MarketingError(f"Contact {contact_id!r} is not on segment {header.number}")
            lines[contact_id] = template
            return self._replace(state, header, header_with(header, lines, header.history))

    def go_back(self, number: str) -> SegmentHeader:
        """Undo the last step of the criteria history: its lines as they were before it."""
        with self._changing() as state:
            header = self._open_segment(state, number)
            if not header.history:
                raise MarketingError(
                    f"Segment {header.number} has no criteria step to go back from"
                )
            lines = lines_of(header)
            undo_step(lines, header.history[-1])
            return self._replace(state, header, header_with(header, lines, header.history[:-1]))

    def reapply_criteria(
        self, number: str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> SegmentHeader:
        """Run the whole criteria history again, from no lines, as of ``now``.

        A line personalised with another template keeps it when its contact
        is on the segment before and after.
        """
        now = self._instant(now, "now")
        tz = resolve_timezone(tz)
        with self._changing() as state:
            header = self._open_segment(state, number)
            before = lines_of(header)
            lines: dict[str, str | None] = {}
            history = []
            for step in header.history:
                members: frozenset[str] = frozenset()
                if step.query is not None:
                    members = evaluate(step.query, self.repo, now=now, tz=tz)
                history.append(
                    apply_step(lines, step, members=members, default_template=header.template)
                )
            for contact_id, template in before.items():
                if contact_id in lines and template != header.template:
                    lines[contact_id] = template
            return self._replace(state, header, header_with(header, lines, history))

    def _follow_up(
        self, state: MarketingState, header: SegmentHeader, logged_entry_no: int
    ) -> tuple[SegmentHeader, MarketingState]:
        """The follow-up of a segment being logged: the next number, the same lines."""
        number, state = self._next_segment_number(state, "create a follow-up segment")
        if state.segment(number) is not None:
            raise DuplicateRecordError(
                "segment", number, hint="The segment series gave a number in use"
            )
        lines = tuple(
            SegmentLine.model_construct(contact_id=line.contact_id, template=line.template)
            for line in header.lines
        )
        step = CriteriaAction(action="follow-up", logged_segment=logged_entry_no, added=lines)
        follow_up = header.model_copy(update={"number": number, "lines": lines, "history": (step,)})
        return follow_up, state
