"""Logging a segment, follow-up segments, canceling a logged segment
(WORKFLOWS.md, behaviour 4 and 5), all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketing_world import NOW, frozen_state, world
from segmentkit import Interaction, evaluate
from segmentkit.errors import (
    MarketingError,
    NumberSeriesError,
    UnknownRecordError,
)
from segmentkit.marketing import LoggedSegment, Marketing, NumberSeries, SegmentLine

OPENED = "EmailOpened in last 30 days"


def ready(m: Marketing, template: str | None = "ABSTRACT") -> str:
    """An open segment of C1 and C2 (C2 personalised with PHONECALL)."""
    number = m.create_segment(
        description="Spring mailing", template=template, salesperson="JO"
    ).number
    m.add_contacts(number, OPENED, now=NOW)
    m.set_line_template(number, "C2", "PHONECALL")
    return number


def test_logging_records_one_interaction_per_line() -> None:
    m = world()
    number = ready(m)
    logged = m.log_segment(number, at=NOW)
    assert logged == LoggedSegment(
        entry_no=1, segment_no="SM00001", description="Spring mailing", interactions=2,
        created_at=NOW, canceled=False, interaction_ids=("1", "2"),
    )
    first, second = (m.repo.get_interaction(i) for i in ("1", "2"))
    assert first == Interaction(
        id="1", type="ABSTRACT", contact_id="C1", timestamp=NOW,
        properties={
            "template": "ABSTRACT", "group": "LETTER", "salesperson": "JO", "cost": 2.5,
            "duration": 10.0, "description": "Spring mailing", "information_flow": "outbound",
            "initiated_by": "us", "correspondence_type": "email", "attempt_failed": False,
            "segment_no": "SM00001", "logged_segment_no": 1,
        },
    )
    assert second is not None
    assert (second.type, second.contact_id) == ("PHONECALL", "C2")
    assert (second.properties["cost"], second.properties["duration"]) == (0.75, 4.5)
    assert second.properties["segment_no"] == "SM00001"


def test_a_logged_segment_leaves_the_open_segments() -> None:
    m = world()
    number = ready(m)
    m.log_segment(number, at=NOW)
    assert m.segment(number) is None
    assert m.segments() == []
    assert m.logged_segments()[0].segment_no == number
    assert m.follow_up_of(1) is None


def test_what_was_logged_is_found_by_queries() -> None:
    m = world()
    m.log_segment(ready(m), at=NOW)
    later = NOW + timedelta(days=1)
    assert evaluate('ABSTRACT where segment_no = "SM00001"', m.repo, now=later) == {"C1"}
    assert evaluate('ABSTRACT where segment_no = "SM00002"', m.repo, now=later) == set()
    assert evaluate(
        "ABSTRACT where logged_segment_no = 1 or PHONECALL where logged_segment_no = 1",
        m.repo, now=later,
    ) == {"C1", "C2"}
    assert evaluate("PHONECALL where cost < 1 in last 1 day", m.repo, now=later) == {"C2"}
    # Nothing after now counts: the day before, nothing was logged yet.
    assert evaluate("ABSTRACT or PHONECALL", m.repo, now=NOW - timedelta(days=1)) == set()


def test_entry_numbers_of_logged_segments_count_one_two() -> None:
    m = world()
    m.log_segment(ready(m), at=NOW)
    second = m.log_segment(ready(m), at=NOW + timedelta(hours=1))
    assert (second.entry_no, second.segment_no) == (2, "SM00002")
    assert second.interaction_ids == ("3", "4")
    assert [s.entry_no for s in m.logged_segments()] == [1, 2]


def test_interactions_are_numbered_by_the_interaction_series_when_set_up() -> None:
    m = world(interaction_series=True)
    logged = m.log_segment(ready(m), at=NOW)
    assert logged.interaction_ids == ("IL000010", "IL000020")


def test_a_follow_up_segment_holds_the_same_contacts_with_the_next_number() -> None:
    m = world()
    number = ready(m)
    logged = m.log_segment(number, at=NOW, follow_up=True)
    assert logged.follow_up == "SM00002"
    assert m.follow_up_of(logged.entry_no) == "SM00002"
    follow_up = m.segment("SM00002")
    assert follow_up is not None
    assert follow_up.lines == (
        SegmentLine(contact_id="C1", template="ABSTRACT"),
        SegmentLine(contact_id="C2", template="PHONECALL"),
    )
    assert (follow_up.description, follow_up.template, follow_up.salesperson) == (
        "Spring mailing", "ABSTRACT", "JO"
    )
    assert follow_up.criteria == ("follow-up: logged segment 1",)
    assert [s.number for s in m.segments()] == ["SM00002"]
    assert m.number_series("SEG").last_used == "SM00002"  # type: ignore[union-attr]
    # The follow-up is a segment like any other: log it, go back, reapply.
    assert m.reapply_criteria("SM00002", now=NOW).lines == follow_up.lines
    assert m.log_segment("SM00002", at=NOW + timedelta(days=7)).interactions == 2


def test_a_follow_up_without_a_segment_series_logs_nothing() -> None:
    m = world(segment_series=False)
    number = m.create_segment(number="MANUAL1", template="ABSTRACT").number
    m.add_contacts(number, OPENED, now=NOW)
    before = frozen_state(m)
    with pytest.raises(MarketingError, match="number series for segments"):
        m.log_segment(number, at=NOW, follow_up=True)
    assert frozen_state(m) == before
    assert evaluate("ABSTRACT", m.repo, now=NOW) == set()
    assert m.log_segment(number, at=NOW).interactions == 2  # without a follow-up it logs


def test_cancel_marks_the_logged_segment_and_its_interactions() -> None:
    m = world()
    m.log_segment(ready(m), at=NOW)
    kept = m.create_interaction("ABSTRACT", contact_id="C3", at=NOW)
    canceled = m.cancel_logged_segment(1)
    assert canceled.canceled is True
    assert m.logged_segments() == [canceled]
    records = [m.repo.get_interaction(i) for i in ("1", "2")]
    assert [record.canceled for record in records if record] == [True, True]
    assert evaluate("ABSTRACT or PHONECALL", m.repo, now=NOW) == {"C3"}
    assert m.repo.get_interaction(kept.id).canceled is False  # type: ignore[union-attr]
    before = frozen_state(m)
    with pytest.raises(MarketingError, match="canceled already"):
        m.cancel_logged_segment(1)
    with pytest.raises(UnknownRecordError, match="logged segment"):
        m.cancel_logged_segment(7)
    assert frozen_state(m) == before


# -- all or nothing -----------------------------------------------------------------


def test_logging_a_segment_with_no_lines_is_refused() -> None:
    m = world()
    number = m.create_segment(template="ABSTRACT").number
    before = frozen_state(m)
    with pytest.raises(MarketingError, match="no lines"):
        m.log_segment(number, at=NOW)
    assert frozen_state(m) == before


def test_a_line_without_a_template_stops_the_whole_log() -> None:
    m = world()
    number = ready(m, template=None)  # C2 has PHONECALL, C1 nothing
    before = frozen_state(m)
    with pytest.raises(MarketingError, match=r"'C1'.*no interaction template"):
        m.log_segment(number, at=NOW)
    assert frozen_state(m) == before


def test_a_line_whose_template_is_gone_stops_the_whole_log() -> None:
    m = world()
    number = ready(m)
    m.remove_template("PHONECALL")
    before = frozen_state(m)
    with pytest.raises(UnknownRecordError, match="PHONECALL"):
        m.log_segment(number, at=NOW)
    assert frozen_state(m) == before
    assert evaluate("ABSTRACT", m.repo, now=NOW) == set()


def test_an_interaction_series_past_its_end_half_way_logs_nothing() -> None:
    m = world(segment_series=True)
    m.add_number_series(NumberSeries(code="ONE", starting_number="L1", ending_number="L1"))
    m.set_setup({"segment_series": "SEG", "interaction_series": "ONE"})
    number = ready(m)  # two lines, one number left
    before = frozen_state(m)
    with pytest.raises(NumberSeriesError, match="ONE"):
        m.log_segment(number, at=NOW, follow_up=True)
    assert frozen_state(m) == before
    assert m.number_series("SEG").last_used == "SM00001"  # type: ignore[union-attr]


def test_a_segment_series_past_its_end_logs_nothing() -> None:
    m = world(segment_series=False)
    m.add_number_series(NumberSeries(code="ONE", starting_number="S1", ending_number="S1"))
    m.set_setup({"segment_series": "ONE"})
    number = ready(m)  # takes S1, the only number
    before = frozen_state(m)
    with pytest.raises(NumberSeriesError):
        m.log_segment(number, at=NOW, follow_up=True)
    assert frozen_state(m) == before


def test_a_failure_after_the_interactions_were_added_takes_them_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = world()
    number = ready(m)
    before = frozen_state(m)

    def fail(name: str, state: object) -> None:
        raise MemoryError("the machine ran out of memory")

    with monkeypatch.context() as patched:
        patched.setattr(m.repo, "set_extension_state", fail)
        with pytest.raises(MemoryError):
            m.log_segment(number, at=NOW, follow_up=True)
    assert frozen_state(m) == before
    assert evaluate("ABSTRACT or PHONECALL", m.repo, now=NOW) == set()
    assert m.log_segment(number, at=NOW).interaction_ids == ("1", "2")


def test_logging_needs_an_aware_time_and_a_known_segment() -> None:
    m = world()
    number = ready(m)
    before = frozen_state(m)
    with pytest.raises(ValueError, match="at must carry a time zone"):
        m.log_segment(number, at=NOW.replace(tzinfo=None))
    with pytest.raises(UnknownRecordError, match="did you mean 'SM00001'"):
        m.log_segment("SM00010", at=NOW)
    assert frozen_state(m) == before


def test_logged_segments_are_named_by_int_entry_numbers_only() -> None:
    m = world()
    m.log_segment(ready(m), at=NOW)
    for wrong in (True, 1.0, "1"):
        with pytest.raises(UnknownRecordError):
            m.follow_up_of(wrong)  # type: ignore[arg-type]
        with pytest.raises(UnknownRecordError):
            m.cancel_logged_segment(wrong)  # type: ignore[arg-type]
