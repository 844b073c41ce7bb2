"""Segment lifecycle: draft, live, stopped (API.md, "Segment lifecycle")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from segmentkit import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    RecordError,
    Segment,
    SegmentCycleError,
    evaluate,
)
from segmentkit.errors import SegmentStatusError
from segmentkit.io.jsonl import dump_repository, load_repository
from segmentkit.repository import InMemoryRepository

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([{"id": "c1"}, {"id": "c2"}])
    repository.add_interactions(
        [{"id": "i1", "type": "EmailOpened", "contact_id": "c1",
          "timestamp": "2026-05-30T09:00:00Z"}]
    )
    repository.save_segment(Segment(name="Readers", query="EmailOpened"))
    return repository


def test_a_segment_is_live_unless_said_otherwise() -> None:
    assert Segment(name="A", query="all").status == "live"
    assert Segment(name="A", query="all", status="draft").status == "draft"
    with pytest.raises(ValidationError):
        Segment(name="A", query="all", status="paused")  # type: ignore[arg-type]


def test_a_draft_may_hold_unknown_names_and_broken_syntax(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Later", query="EmailOpend in last 3 dayz", status="draft"))
    repo.save_segment(Segment(name="Typo", query="segment Nobody", status="draft"))
    assert repo.get_segment("Later") == Segment(
        name="Later", query="EmailOpend in last 3 dayz", status="draft"
    )


def test_going_live_checks_the_query_and_changes_nothing_when_it_fails(
    repo: InMemoryRepository,
) -> None:
    repo.save_segment(Segment(name="Later", query="EmailOpend", status="draft"))
    with pytest.raises(QueryValidationError, match="EmailOpened"):
        repo.go_live("Later")
    repo.save_segment(Segment(name="Broken", query="EmailOpened at least", status="draft"))
    with pytest.raises(QuerySyntaxError):
        repo.go_live("Broken")
    assert repo.get_segment("Later").status == "draft"  # type: ignore[union-attr]
    assert repo.get_segment("Broken").status == "draft"  # type: ignore[union-attr]


def test_going_live_returns_the_live_segment_which_then_has_members(
    repo: InMemoryRepository,
) -> None:
    repo.save_segment(Segment(name="Later", query="EmailOpened", status="draft"))
    live = repo.go_live("Later")
    assert live == Segment(name="Later", query="EmailOpened", status="live")
    assert repo.get_segment("Later") == live
    assert repo.members("Later", now=NOW) == {"c1"}
    assert repo.go_live("Later") == live  # live already: nothing to do


@pytest.mark.parametrize("status", ["draft", "stopped"])
def test_only_a_live_segment_has_members(repo: InMemoryRepository, status: str) -> None:
    repo.save_segment(Segment(name="Quiet", query="EmailOpened", status="draft"))
    if status == "stopped":
        repo.go_live("Quiet")
        repo.stop("Quiet")
    with pytest.raises(InvalidArgumentError, match=f"'Quiet' is .*{status}") as caught:
        repo.members("Quiet", now=NOW)
    assert isinstance(caught.value, SegmentStatusError)
    assert (caught.value.segment, caught.value.status) == ("Quiet", status)
    with pytest.raises(InvalidArgumentError, match="Quiet"):
        evaluate("all and not segment Quiet", repo, now=NOW)


def test_a_static_draft_has_no_members_either(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="List", members=["c1"], status="draft"))
    with pytest.raises(SegmentStatusError):
        repo.members("List", now=NOW)
    repo.go_live("List")
    assert repo.members("List", now=NOW) == {"c1"}


def test_a_live_segment_may_refer_only_to_live_ones(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Later", query="EmailClicked", status="draft"))
    both = Segment(name="Both", query="segment Later or segment Readers", status="draft")
    repo.save_segment(both)
    with pytest.raises(SegmentStatusError, match="'Later' is a draft") as caught:
        repo.go_live("Both")
    assert caught.value.segment == "Later"
    with pytest.raises(SegmentStatusError, match="Later"):
        repo.save_segment(Segment(name="Both", query="segment Later"))
    assert repo.get_segment("Both").status == "draft"  # type: ignore[union-attr]
    repo.go_live("Later")
    repo.go_live("Both")
    assert repo.members("Both", now=NOW) == {"c1"}


def test_a_segment_that_live_ones_refer_to_cannot_stop(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="A", query="segment Readers"))
    repo.save_segment(Segment(name="B", query="segment Readers and all"))
    with pytest.raises(SegmentStatusError, match="'A', 'B'") as caught:
        repo.stop("Readers")
    assert caught.value.referrers == ["A", "B"]
    with pytest.raises(SegmentStatusError, match="draft"):
        repo.save_segment(Segment(name="Readers", query="EmailOpened", status="draft"))
    assert repo.get_segment("Readers").status == "live"  # type: ignore[union-attr]
    repo.stop("A")
    repo.stop("B")
    assert repo.stop("Readers").status == "stopped"
    assert repo.stop("Readers").status == "stopped"  # stopped already: nothing to do


def test_a_stopped_segment_goes_live_again(repo: InMemoryRepository) -> None:
    repo.stop("Readers")
    assert repo.go_live("Readers").status == "live"
    assert repo.members("Readers", now=NOW) == {"c1"}


def test_a_draft_cannot_be_stopped(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Later", query="all", status="draft"))
    with pytest.raises(SegmentStatusError, match="only a live segment can be stopped"):
        repo.stop("Later")


def test_unknown_names_are_refused_with_a_suggestion(repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidArgumentError, match="Readers"):
        repo.go_live("Reader")
    with pytest.raises(InvalidArgumentError, match="Readers"):
        repo.stop("Raeders")


def test_going_live_finds_cycles(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Self", query="segment Self", status="draft"))
    with pytest.raises(SegmentCycleError) as caught:
        repo.go_live("Self")
    assert caught.value.cycle == ["Self", "Self"]
    repo.save_segment(Segment(name="A", query="all"))
    repo.save_segment(Segment(name="B", query="segment A", status="draft"))
    repo.go_live("B")
    with pytest.raises(SegmentCycleError):
        repo.save_segment(Segment(name="A", query="segment B"))


def test_json_lines_keep_the_status(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Later", query="EmailOpend", status="draft"))
    repo.save_segment(Segment(name="Old", query="all"))
    repo.stop("Old")
    lines = list(dump_repository(repo))
    assert any('"status":"draft"' in line for line in lines)
    loaded = load_repository(lines)
    assert list(loaded.segments()) == list(repo.segments())


def test_a_file_whose_live_segment_refers_to_a_draft_is_refused() -> None:
    lines = [
        '{"kind": "segment", "name": "Later", "query": "all", "status": "draft"}',
        '{"kind": "segment", "name": "Now", "query": "segment Later"}',
    ]
    with pytest.raises(RecordError, match="line 2") as caught:
        load_repository(lines)
    assert caught.value.line == 2
