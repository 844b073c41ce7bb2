"""repo.transaction(): several writes as one, rolled back entirely on an exception."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentkit import evaluate
from segmentkit.errors import RecordError, SegmentKitError
from segmentkit.io.jsonl import dump_repository
from segmentkit.models.records import Interaction, InteractionType, Segment
from segmentkit.repository import InMemoryRepository

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
QUERIES = (
    "EmailOpened at least 1 time",
    "EmailOpened in last 200 days and not EmailClicked",
    'contact.country = "DK" or segment Readers',
    "EmailOpened where messageId = \"m1\" exactly 0 times",
)


class Boom(Exception):
    """Raised inside a transaction to make it roll back."""


def opened(record_id: str, contact: str = "c1", minutes: int = 0, **props: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "type": "EmailOpened",
        "contact_id": contact,
        "timestamp": (T0 + timedelta(minutes=minutes)).isoformat(),
        "properties": props,
    }


def observed(repo: InMemoryRepository) -> tuple[Any, ...]:
    """Everything a user can see of a repository, queries included.

    The cached snapshot is dropped first, so what is read is the live
    columns (a rollback that left them wrong would show only at the next
    write otherwise).
    """
    repo._snapshot = None
    answers = []
    for query in QUERIES:
        try:
            answers.append(sorted(evaluate(query, repo, now=NOW)))
        except SegmentKitError as error:
            answers.append(type(error).__name__)
    return (
        "".join(dump_repository(repo)),
        [list(log.canceled[: len(log)]) for log in repo.snapshot().logs.values()],
        answers,
        repo.extension_state("test"),
    )


def filled() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts(
        [{"id": "c1", "attributes": {"country": "DK"}}, {"id": "c2"}, {"id": "c3"}]
    )
    repo.add_interactions([opened("i1"), opened("i2", "c2", 5, messageId="m1")])
    repo.save_segment(Segment(name="Readers", query="EmailOpened"))
    return repo


WRITES: dict[str, Callable[[InMemoryRepository], object]] = {
    "contacts": lambda r: r.add_contacts([{"id": "c9"}, {"id": "c10"}]),
    "interactions (dicts)": lambda r: r.add_interactions(
        [opened("i9", "c3", 3, messageId="m1"), opened("i10", "c1", 1)]
    ),
    "interactions (models, back in time)": lambda r: r.add_interactions(
        [Interaction.model_validate({**opened("i11", "c3", -600), "timestamp": T0 - timedelta(1)})]
    ),
    "cancel": lambda r: r.cancel_interactions(["i1"]),
    "new type": lambda r: r.register_type(InteractionType(name="Call", fields={"topic": "text"})),
    "type description": lambda r: r.register_type(
        {**r.types()["EmailOpened"].model_dump(), "description": "changed"}
    ),
    "segment": lambda r: r.save_segment(Segment(name="Readers", query="EmailClicked")),
    "draft": lambda r: r.save_segment(Segment(name="Later", query="Nope", status="draft")),
    "stop": lambda r: r.stop("Readers"),
    "extension": lambda r: r.set_extension_state("test", Segment(name="X", members=[])),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_exception_undoes_each_kind_of_write(
    write: Callable[[InMemoryRepository], object],
) -> None:
    repo = filled()
    evaluate(QUERIES[3], repo, now=NOW)  # build indexes the write will replace
    before = observed(repo)
    with pytest.raises(Boom), repo.transaction():
        write(repo)
        repo.snapshot()  # the owner's view includes the write
        raise Boom
    assert observed(repo) == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_committed_write_is_the_same_as_one_made_outside(
    write: Callable[[InMemoryRepository], object],
) -> None:
    inside, outside = filled(), filled()
    with inside.transaction():
        write(inside)
    write(outside)
    assert observed(inside) == observed(outside)


def test_everything_written_in_a_failed_transaction_goes() -> None:
    repo = filled()
    before = observed(repo)
    with pytest.raises(Boom), repo.transaction():
        for write in WRITES.values():
            write(repo)
        assert evaluate("EmailOpened", repo, now=NOW) >= {"c3"}
        raise Boom
    assert observed(repo) == before


def test_the_repository_works_normally_after_a_rollback() -> None:
    repo = filled()
    with pytest.raises(Boom), repo.transaction():
        repo.add_contacts([{"id": "c9"}])
        repo.add_interactions([opened("i9", "c9", 1), opened("i10", "c9", -5)])
        assert evaluate("EmailOpened", repo, now=NOW) == {"c1", "c2", "c9"}
        raise Boom
    assert repo.get_contact("c9") is None
    # The ids are free again, and positions are handed out afresh.
    repo.add_contacts([{"id": "c8"}, {"id": "c9"}])
    repo.add_interactions([opened("i9", "c8", 1), opened("i10", "c9", 2)])
    assert evaluate("EmailOpened", repo, now=NOW) == {"c1", "c2", "c8", "c9"}
    assert [i.id for i in repo.interactions("EmailOpened")] == ["i1", "i9", "i10", "i2"]


def test_a_refused_write_inside_a_transaction_undoes_the_earlier_ones() -> None:
    repo = filled()
    before = observed(repo)
    with pytest.raises(RecordError), repo.transaction():
        repo.add_contacts([{"id": "c9"}])
        repo.add_interactions([opened("i1")])  # a duplicate id: refused
    assert observed(repo) == before


def test_a_failed_inner_transaction_undoes_only_its_own_writes() -> None:
    repo = filled()
    with repo.transaction():
        repo.add_contacts([{"id": "outer"}])
        with pytest.raises(Boom), repo.transaction():
            repo.add_contacts([{"id": "inner"}])
            repo.add_interactions([opened("i9", "inner")])
            raise Boom
        repo.add_interactions([opened("i10", "outer")])
    assert repo.get_contact("inner") is None
    assert evaluate("EmailOpened", repo, now=NOW) == {"c1", "c2", "outer"}


def test_a_failed_outer_transaction_undoes_its_committed_inner_ones() -> None:
    repo = filled()
    before = observed(repo)
    with pytest.raises(Boom), repo.transaction():
        with repo.transaction():
            repo.add_contacts([{"id": "inner"}])
        raise Boom
    assert observed(repo) == before


def test_other_threads_see_the_transaction_only_when_it_commits() -> None:
    repo = filled()
    written = threading.Event()
    release = threading.Event()
    seen: dict[str, Any] = {}

    def writer() -> None:
        with repo.transaction():
            repo.add_contacts([{"id": "c9"}])
            repo.add_interactions([opened("i9", "c9")])
            repo.save_segment(Segment(name="Readers", query="EmailClicked"))
            seen["own"] = evaluate("EmailOpened", repo, now=NOW)
            written.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    seen["contact"] = repo.get_contact("c9")
    seen["members"] = evaluate("EmailOpened", repo, now=NOW)
    seen["segment"] = repo.get_segment("Readers")
    seen["contacts"] = [c.id for c in repo.contacts()]
    release.set()
    thread.join(10)
    assert seen["own"] == {"c1", "c2", "c9"}
    assert seen["contact"] is None
    assert seen["members"] == {"c1", "c2"}
    assert seen["segment"] == Segment(name="Readers", query="EmailOpened")
    assert seen["contacts"] == ["c1", "c2", "c3"]
    assert evaluate("EmailOpened", repo, now=NOW) == {"c1", "c2", "c9"}


def test_another_threads_write_waits_for_the_transaction() -> None:
    repo = filled()
    inside = threading.Event()
    order: list[str] = []

    def other() -> None:
        inside.wait(10)
        repo.add_contacts([{"id": "other"}])
        order.append("other")

    thread = threading.Thread(target=other)
    thread.start()
    with pytest.raises(Boom), repo.transaction():
        repo.add_contacts([{"id": "mine"}])
        inside.set()
        thread.join(0.2)  # the other writer cannot get in meanwhile
        order.append("mine")
        raise Boom
    thread.join(10)
    assert order == ["mine", "other"]
    assert [c.id for c in repo.contacts()] == ["c1", "c2", "c3", "other"]


OPERATIONS = st.lists(
    st.sampled_from(sorted(WRITES)), min_size=1, max_size=6, unique=True
)


@settings(max_examples=60)
@given(first=OPERATIONS, second=OPERATIONS, fail=st.booleans())
def test_any_mix_of_writes_commits_or_vanishes_whole(
    first: list[str], second: list[str], fail: bool
) -> None:
    repo = filled()
    for name in first:
        _attempt(WRITES[name], repo)
    before = observed(repo)
    expected = filled()
    for name in first:
        _attempt(WRITES[name], expected)
    try:
        with repo.transaction():
            for name in second:
                _attempt(WRITES[name], repo)
            if fail:
                raise Boom
    except Boom:
        assert observed(repo) == before
    else:
        for name in second:
            _attempt(WRITES[name], expected)
        assert observed(repo) == observed(expected)


def _attempt(write: Callable[[InMemoryRepository], object], repo: InMemoryRepository) -> None:
    # Some writes are refused in some states (stopping a stopped segment is
    # fine, adding c9 twice is not): a refused write changes nothing.
    with contextlib.suppress(SegmentKitError):
        write(repo)
