"""Building a segment: criteria actions, single lines, personalised templates,
go back and reapply (WORKFLOWS.md, behaviour 3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketing_world import NOW, frozen_state, world
from segmentkit import Segment, SegmentKitError, parse
from segmentkit.errors import (
    DuplicateRecordError,
    MarketingError,
    SegmentStatusError,
    UnknownRecordError,
)
from segmentkit.marketing import Marketing, SegmentHeader, SegmentLine

OPENED = "EmailOpened in last 30 days"


def contacts(header: SegmentHeader) -> list[str]:
    return [line.contact_id for line in header.lines]


@pytest.fixture
def m() -> Marketing:
    return world()


def test_a_new_segment_takes_the_next_number_and_has_no_lines(m: Marketing) -> None:
    header = m.create_segment(
        description="Spring mailing", template="ABSTRACT", salesperson="JO", date=date(2026, 4, 1)
    )
    assert header == SegmentHeader(
        number="SM00001", description="Spring mailing", template="ABSTRACT", salesperson="JO",
        date=date(2026, 4, 1),
    )
    assert header.lines == () and header.criteria == ()
    assert m.segment("SM00001") == header
    assert m.segments() == [header]
    assert m.segment("SM00009") is None


def test_a_segment_can_be_numbered_by_hand(m: Marketing) -> None:
    assert m.create_segment(number="MY-1").number == "MY-1"
    with pytest.raises(DuplicateRecordError):
        m.create_segment(number="MY-1")
    without = world(segment_series=False)
    with pytest.raises(MarketingError, match="number series for segments"):
        without.create_segment()
    assert without.create_segment(number="S1").number == "S1"


def test_add_reduce_and_refine_are_union_difference_and_intersection(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    added = m.add_contacts(number, OPENED, now=NOW)
    assert contacts(added) == ["C1", "C2"]
    assert added.lines == (
        SegmentLine(contact_id="C1", template="ABSTRACT"),
        SegmentLine(contact_id="C2", template="ABSTRACT"),
    )
    assert contacts(m.add_contacts(number, "EmailClicked", now=NOW)) == ["C1", "C2", "C3"]
    assert contacts(m.reduce_contacts(number, "EmailClicked", now=NOW)) == ["C1", "C2"]
    refined = m.refine_contacts(number, "EmailOpened at least 2 times", now=NOW)
    assert contacts(refined) == ["C1"]
    assert refined.criteria == (
        "add: EmailOpened in last 30 days",
        "add: EmailClicked",
        "reduce: EmailClicked",
        "refine: EmailOpened at least 2 times",
    )


def test_criteria_are_kept_in_canonical_text_and_accept_query_objects(m: Marketing) -> None:
    number = m.create_segment().number
    header = m.add_contacts(number, "EmailOpened   in the last 30 day", now=NOW)
    header = m.add_contacts(number, parse("EmailClicked") | parse("EmailOpened"), now=NOW)
    assert header.criteria == (
        "add: EmailOpened in last 30 days",
        "add: EmailClicked or EmailOpened",
    )


def test_a_query_is_evaluated_at_the_now_given(m: Marketing) -> None:
    number = m.create_segment().number
    # Four days ago, C2's open (a day before) was recent and C1's lay ahead.
    early = NOW - timedelta(days=4)
    assert contacts(m.add_contacts(number, "EmailOpened in last 2 days", now=early)) == ["C2"]


def test_queries_may_use_saved_segments_and_their_lifecycle(m: Marketing) -> None:
    m.repo.save_segment(Segment(name="Readers", query="EmailOpened"))
    m.repo.save_segment(Segment(name="Later", query="EmailClicked", status="draft"))
    number = m.create_segment().number
    assert contacts(m.add_contacts(number, "segment Readers", now=NOW)) == ["C1", "C2"]
    before = frozen_state(m)
    with pytest.raises(SegmentStatusError):
        m.add_contacts(number, "segment Later", now=NOW)
    assert frozen_state(m) == before


def test_single_lines_are_steps_of_the_history(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, OPENED, now=NOW)
    header = m.add_line(number, "C5")
    assert contacts(header) == ["C1", "C2", "C5"]
    header = m.remove_line(number, "C1")
    assert contacts(header) == ["C2", "C5"]
    assert header.criteria == ("add: EmailOpened in last 30 days", "add line: C5",
                               "remove line: C1")
    assert contacts(m.go_back(number)) == ["C1", "C2", "C5"]
    assert contacts(m.go_back(number)) == ["C1", "C2"]


def test_a_line_can_be_personalised_with_another_template(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, OPENED, now=NOW)
    header = m.set_line_template(number, "C2", "PHONECALL")
    assert header.lines == (
        SegmentLine(contact_id="C1", template="ABSTRACT"),
        SegmentLine(contact_id="C2", template="PHONECALL"),
    )
    assert header.criteria == ("add: EmailOpened in last 30 days",)  # not a criteria step


def test_go_back_undoes_exactly_the_last_step(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, "EmailOpened or EmailClicked", now=NOW)
    m.set_line_template(number, "C3", "PHONECALL")
    m.reduce_contacts(number, "EmailClicked", now=NOW)  # takes the personalised C3 away
    header = m.go_back(number)  # ... and brings it back personalised
    assert header.lines == (
        SegmentLine(contact_id="C1", template="ABSTRACT"),
        SegmentLine(contact_id="C2", template="ABSTRACT"),
        SegmentLine(contact_id="C3", template="PHONECALL"),
    )
    assert header.criteria == ("add: EmailOpened or EmailClicked",)
    m.add_line(number, "C4")
    m.add_contacts(number, "all", now=NOW)  # adds only C5: C4 was there already
    assert contacts(m.go_back(number)) == ["C1", "C2", "C3", "C4"]
    assert contacts(m.go_back(number)) == ["C1", "C2", "C3"]
    assert m.go_back(number).lines == ()
    before = frozen_state(m)
    with pytest.raises(MarketingError, match="no criteria step"):
        m.go_back(number)
    assert frozen_state(m) == before


def test_reapply_runs_the_history_again_at_a_new_now(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, "EmailOpened in last 4 days", now=NOW)  # C1
    m.add_line(number, "C4")
    m.set_line_template(number, "C1", "PHONECALL")
    m.set_line_template(number, "C4", "PHONECALL")
    # Six days later C2's open (5 days ago now) is out of reach, C1's too.
    later = NOW + timedelta(days=1)
    header = m.reapply_criteria(number, now=later)
    assert header.lines == (
        SegmentLine(contact_id="C1", template="PHONECALL"),
        SegmentLine(contact_id="C4", template="PHONECALL"),
    )
    much_later = NOW + timedelta(days=10)
    header = m.reapply_criteria(number, now=much_later)
    assert header.lines == (SegmentLine(contact_id="C4", template="PHONECALL"),)
    assert header.criteria == ("add: EmailOpened in last 4 days", "add line: C4")
    # The history now holds what the steps did at the new now: going back
    # from "add line: C4" leaves what the query gave then (nobody).
    assert m.go_back(number).lines == ()


def test_reapply_replays_removed_lines_too(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, "all", now=NOW)
    m.remove_line(number, "C3")
    m.reduce_contacts(number, "EmailOpened in last 2 days", now=NOW)  # C1
    header = m.reapply_criteria(number, now=NOW + timedelta(days=30))
    assert contacts(header) == ["C1", "C2", "C4", "C5"]


LINE_MISUSES = {
    "unknown segment": lambda m: m.add_line("SM09999", "C1"),
    "unknown contact": lambda m: m.add_line("SM00001", "C9"),
    "contact on it already": lambda m: m.add_line("SM00001", "C1"),
    "removing a contact not on it": lambda m: m.remove_line("SM00001", "C5"),
    "personalising a contact not on it": lambda m: m.set_line_template("SM00001", "C5", "ABSTRACT"),
    "personalising with an unknown template": lambda m: m.set_line_template(
        "SM00001", "C1", "LETTER"
    ),
    "a query that does not parse": lambda m: m.add_contacts("SM00001", "EmailOpened at", now=NOW),
    "a query with unknown names": lambda m: m.refine_contacts("SM00001", "EmailOpend", now=NOW),
    "a naive now": lambda m: m.add_contacts("SM00001", "all", now=NOW.replace(tzinfo=None)),
    "an unknown time zone": lambda m: m.add_contacts("SM00001", "all", now=NOW, tz="Mars/Base"),
    "an unknown segment for criteria": lambda m: m.reduce_contacts("SM2", "all", now=NOW),
    "an unknown template for a new segment": lambda m: m.create_segment(template="NOPE"),
    "an unknown salesperson for a new segment": lambda m: m.create_segment(salesperson="NO"),
    "reapplying an unknown segment": lambda m: m.reapply_criteria("SM2", now=NOW),
}


@pytest.mark.parametrize("misuse", LINE_MISUSES.values(), ids=LINE_MISUSES.keys())
def test_misuse_raises_a_library_error_and_changes_nothing(misuse: object) -> None:
    m = world()
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, OPENED, now=NOW)
    before = frozen_state(m)
    with pytest.raises(SegmentKitError):
        misuse(m)  # type: ignore[operator]
    assert frozen_state(m) == before


def test_an_unknown_segment_number_names_what_became_of_it(m: Marketing) -> None:
    number = m.create_segment(template="ABSTRACT").number
    m.add_contacts(number, OPENED, now=NOW)
    m.log_segment(number, at=NOW)
    with pytest.raises(UnknownRecordError, match="logged as logged segment 1"):
        m.add_line(number, "C3")
