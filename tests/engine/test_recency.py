"""first / last (LANGUAGE.md, "Recency"): the earliest or latest matching record,
chosen without the window, must lie in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segmentkit import InMemoryRepository, evaluate

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def form(record_id: str, contact: str, days: float, form_id: str = "f1",
         canceled: bool = False) -> dict[str, object]:
    return {"id": record_id, "type": "FormSubmitted", "contact_id": contact,
            "timestamp": NOW - timedelta(days=days), "properties": {"formId": form_id},
            "canceled": canceled}


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([{"id": c} for c in ("new", "old", "both", "gone", "none", "late")])
    repository.add_interactions([
        form("n1", "new", 2),
        form("o1", "old", 100),
        form("b1", "both", 100, form_id="f2"),
        form("b2", "both", 3),
        form("g1", "gone", 200, canceled=True),  # canceled: never counts
        form("g2", "gone", 1),
        form("l1", "late", -1),  # after now
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("first FormSubmitted in last 7 days", {"new", "gone"}),
        ('first FormSubmitted where formId = "f1" in last 7 days', {"new", "gone", "both"}),
        ("last FormSubmitted before 90 days ago", {"old"}),
        ("last FormSubmitted in last 7 days", {"new", "both", "gone"}),
        ("first FormSubmitted", {"new", "old", "both", "gone"}),
        ("last FormSubmitted since 2026-01-01", {"new", "both", "gone"}),
        ("first FormSubmitted before 90 days ago", {"old", "both"}),
        ("not first FormSubmitted in last 7 days", {"old", "both", "none", "late"}),
    ],
)
def test_recency(repo: InMemoryRepository, query: str, expected: set[str]) -> None:
    assert evaluate(query, repo, now=NOW) == expected


def test_the_window_plays_no_part_in_choosing(repo: InMemoryRepository) -> None:
    # both's last form is 3 days ago: it is not "last before 90 days ago",
    # although it has a form before then.
    assert "both" not in evaluate("last FormSubmitted before 90 days ago", repo, now=NOW)
    assert "both" in evaluate("FormSubmitted before 90 days ago", repo, now=NOW)


def test_a_long_history_is_read_per_candidate(repo: InMemoryRepository) -> None:
    # Many old records (the outside span) and few new ones: the same answer
    # either way the engine takes.
    repo.add_contacts([{"id": f"h{i}"} for i in range(50)])
    repo.add_interactions(
        [form(f"h{i}-{j}", f"h{i}", 30 + j) for i in range(50) for j in range(5)]
    )
    repo.add_interactions([form("h0-new", "h0", 1), form("h1-new", "h1", 2, form_id="x")])
    assert evaluate("first FormSubmitted in last 7 days", repo, now=NOW) == {"new", "gone"}
    assert evaluate(
        'first FormSubmitted where formId = "x" in last 7 days', repo, now=NOW
    ) == {"h1"}
    assert evaluate("last FormSubmitted before 20 days ago", repo, now=NOW) == {"old"} | {
        f"h{i}" for i in range(2, 50)
    }
