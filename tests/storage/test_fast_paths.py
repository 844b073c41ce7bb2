"""Every fast path returns exactly what the plain path returns.

- ingestion: ``ingest.fast_columns`` (dict batches column by column, model
  batches record by record) against the plain path (pydantic for the whole
  batch, then ``validation.interaction_rows``): the same accepted records,
  the same refusal, word for word;
- storage: records rebuilt from the columns equal the validated input,
  value kinds and time zones included, whatever order batches arrive in;
- evaluation: posting lists, window scans over value codes and the profile
  index against the brute-force reference evaluator and against each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from survey_type import CONTACTS, COPENHAGEN, NOW, SURVEY

from reference_evaluator import reference_evaluate, world_of
from segmentkit import InMemoryRepository, evaluate
from segmentkit.engine import scan
from segmentkit.errors import RecordError, SegmentKitError
from segmentkit.language.parse import parse
from segmentkit.models.records import Interaction
from segmentkit.storage import ingest
from segmentkit.strategies import queries, repositories

STAMPS = (
    NOW - timedelta(days=3),
    NOW - timedelta(days=40),
    (NOW - timedelta(days=3)).astimezone(timezone(timedelta(hours=-5))),
    datetime(2026, 3, 29, 2, 30, tzinfo=COPENHAGEN),  # in the spring-forward gap
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN),  # in the fold
    datetime(2026, 5, 1, 9, tzinfo=COPENHAGEN),
    NOW + timedelta(days=1),
)
# Valid values and values the checks must refuse, for every field.
PROPERTY_VALUES: dict[str, list[Any]] = {
    "who": ["c1", "c3", "c404", None, 7],
    "answer": ["yes", "Yes", "no", "", None, 1, True, "ja\ud800"],
    "score": [0, 1, 1.0, -0.0, 0.0, 2.5, True, float("nan"), "3"],
    "ok": [True, False, 1, None],
    "day": [date(2026, 1, 2), "2026-01-02", "2026-1-2", datetime(2026, 1, 2, tzinfo=UTC)],
    "at": [
        datetime(2026, 1, 2, 3, tzinfo=UTC),
        "2026-01-02T03:00:00+01:00",
        "2026-01-02T03:00:00",
        datetime(2026, 1, 2, 3),
        datetime(2026, 10, 25, 2, 30, tzinfo=COPENHAGEN),
    ],
    "tags": [["a", "b"], [], ("a",), [1, 2.0, True], [["nested"]], "a", ["a", "\udfff"]],
    "undeclared": ["x"],
    "": ["x"],
}


@contextmanager
def plain_path_only() -> Iterator[None]:
    target = "segmentkit.storage.interaction_store.fast_columns"
    with mock.patch(target, lambda *args, **kwargs: None):
        yield


def fresh_repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(SURVEY)
    repo.add_contacts([{"id": cid} for cid in CONTACTS])
    return repo


@st.composite
def record_dicts(draw: st.DrawFn, number: int) -> Any:
    record: dict[str, Any] = {
        "id": draw(
            st.sampled_from([f"r{number}", f"r{number}", "r0", "", " ", "\u3000", "r\udc00"])
        ),
        "type": draw(st.sampled_from(["Survey", "Survey", "EmailOpened", "Nope", 3])),
        "contact_id": draw(st.sampled_from([*CONTACTS, "c404", None])),
        "timestamp": draw(
            st.sampled_from(
                [*STAMPS, datetime(2026, 1, 1), "2026-05-01T10:00:00Z", "2026-05-01 10:00+01:00",
                 "2026-05-01T10:00:00", "2026-13-01T10:00:00Z", 1.5e9]
            )
        ),
    }
    if record["type"] == "EmailOpened":
        fields = draw(st.sets(st.sampled_from(["messageId", "deviceType", "undeclared"])))
        record["properties"] = {name: draw(st.sampled_from(["m1", "M1", None])) for name in fields}
    elif draw(st.booleans()):
        fields = draw(st.sets(st.sampled_from(sorted(PROPERTY_VALUES)), max_size=4))
        record["properties"] = {
            name: draw(st.sampled_from(PROPERTY_VALUES[name])) for name in fields
        }
    if draw(st.booleans()):
        record["canceled"] = draw(st.sampled_from([True, False, False, 1]))
    if draw(st.integers(0, 20)) == 0:
        record["extra"] = 1
    if draw(st.integers(0, 3)) == 0:
        try:  # the same record as a model, when pydantic takes it
            return Interaction.model_validate(record)
        except ValueError:
            pass
    return record


@st.composite
def batches(draw: st.DrawFn) -> list[Any]:
    size = draw(st.integers(0, 6))
    return [draw(record_dicts(number)) for number in range(1, size + 1)]


def observed(repo: InMemoryRepository) -> list[tuple[Any, ...]]:
    """Everything a reader can see of the stored records, value kinds and zones included."""
    return [
        (record, record.model_dump_json(), repr(record.timestamp.tzinfo), record.timestamp.fold)
        for name in sorted(repo.types())
        for record in repo.interactions(name)
    ]


def attempt(repo: InMemoryRepository, batch: list[Any]) -> tuple[str, Any]:
    try:
        return "added", repo.add_interactions(batch)
    except RecordError as error:
        return "refused", (str(error), error.position, error.record_id)


@settings(max_examples=300, deadline=None)
@given(first=batches(), second=batches())
def test_fast_ingestion_equals_the_plain_path(first: list[Any], second: list[Any]) -> None:
    fast, plain = fresh_repository(), fresh_repository()
    for batch in (first, second):
        outcome = attempt(fast, batch)
        with plain_path_only():
            expected = attempt(plain, batch)
        assert outcome == expected
        assert observed(fast) == observed(plain)
    for text in ("Survey", 'Survey where answer = "yes"', "Survey via who", "EmailOpened"):
        assert evaluate(text, fast, now=NOW) == evaluate(text, plain, now=NOW)


def test_a_clean_batch_of_dicts_takes_the_fast_path() -> None:
    repo = fresh_repository()
    batch = [
        {"id": f"r{n}", "type": "Survey", "contact_id": "c1",
         "timestamp": STAMPS[n % 3] if n % 2 else f"2026-05-0{n % 9 + 1}T10:00:00.5+02:00",
         "properties": {"score": n, "answer": "yes", "day": "2026-01-02", "who": "c2"}}
        for n in range(10)
    ]
    with (
        mock.patch.object(ingest, "_columns", side_effect=AssertionError("per record")),
        mock.patch(
            "segmentkit.storage.interaction_store.validate_items",
            side_effect=AssertionError("plain"),
        ),
    ):
        assert repo.add_interactions(batch) == 10
    stored = list(repo.interactions("Survey"))
    assert [r.properties["day"] for r in stored] == [date(2026, 1, 2)] * 10
    assert {r.id for r in stored} == {f"r{n}" for n in range(10)}


@settings(max_examples=100, deadline=None)
@given(
    stamps=st.lists(st.integers(0, 50), min_size=1, max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=4),
    canceled=st.sets(st.integers(0, 29)),
)
def test_batches_in_any_order_store_the_same_log(
    stamps: list[int], cuts: list[int], canceled: set[int]
) -> None:
    records = [
        {"id": f"r{n}", "type": "Survey", "contact_id": CONTACTS[n % 4],
         "timestamp": NOW - timedelta(hours=hours), "properties": {"score": hours % 3}}
        for n, hours in enumerate(stamps)
    ]
    one_batch, in_pieces = fresh_repository(), fresh_repository()
    one_batch.add_interactions(sorted(records, key=lambda r: r["timestamp"]))
    bounds = [0, *sorted(c for c in cuts if c < len(records)), len(records)]
    taken = []
    for start, end in pairwise(bounds):
        in_pieces.add_interactions(records[start:end])
        taken.append(in_pieces.snapshot())  # some snapshots in between, some not
    ids = [f"r{n}" for n in canceled if n < len(records)]
    for repo in (one_batch, in_pieces):
        repo.cancel_interactions(ids)
    view = in_pieces.snapshot().log("Survey")
    assert list(view.timestamps[: len(view)]) == sorted(view.timestamps[: len(view)])
    key = lambda r: (r.timestamp, r.id)  # noqa: E731 - ties may be stored in either order
    assert sorted(in_pieces.interactions(), key=key) == sorted(one_batch.interactions(), key=key)
    for text in ("Survey at least 2 times in last 1 day", "Survey where score = 1"):
        assert evaluate(text, in_pieces, now=NOW) == evaluate(text, one_batch, now=NOW)
    # A snapshot keeps what it saw, whatever was added or re-sorted since.
    for snapshot, end in zip(taken, bounds[1:], strict=False):
        assert len(snapshot.log("Survey")) == end


@contextmanager
def postings(mode: str) -> Iterator[None]:
    """Force the restriction scan one way: always posting lists, or never."""
    share = {"always": 0, "never": 10**9}[mode]
    with mock.patch.object(scan, "_POSTINGS_SHARE", share):
        yield


def outcome(query: Any, repo: Any, now: datetime) -> frozenset[str] | str:
    try:
        return evaluate(query, repo, now=now)
    except SegmentKitError as error:
        return type(error).__name__


def reloaded_from_dicts(repo: InMemoryRepository) -> InMemoryRepository:
    """A copy of ``repo`` loaded through dict batches (the column-wise fast path)."""
    copy = InMemoryRepository()
    for interaction_type in repo.types().values():
        copy.register_type(interaction_type)
    copy.add_contacts(repo.contacts())
    records = [record.model_dump() for record in repo.interactions()]
    half = len(records) // 2
    copy.add_interactions(records[half:])  # later records first: the log is re-sorted
    copy.add_interactions(records[:half])
    for segment in repo.segments():
        copy.save_segment(segment)
    return copy


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_scans_and_posting_lists_equal_the_reference(data: st.DataObject) -> None:
    repo = data.draw(repositories(max_contacts=5, max_interactions=20, max_segments=1))
    query = data.draw(queries(repo))
    now = data.draw(st.sampled_from([NOW, *(r.timestamp for r in repo.interactions())]))
    expected: frozenset[str] | str
    try:
        expected = reference_evaluate(query, world_of(repo), now=now)
    except SegmentKitError as error:
        expected = type(error).__name__
    copy = reloaded_from_dicts(repo)
    for mode in ("always", "never"):
        with postings(mode):
            assert outcome(query, repo, now) == expected
            assert outcome(query, copy, now) == expected
    in_time_order = lambda r: (r.timestamp.astimezone(UTC), r.id)  # noqa: E731
    assert sorted(copy.interactions(), key=in_time_order) == sorted(
        repo.interactions(), key=in_time_order
    )


@pytest.mark.parametrize("mode", ["always", "never"])
def test_selective_equality_over_many_records(mode: str) -> None:
    repo = fresh_repository()
    repo.add_interactions(
        {"id": f"r{n}", "type": "Survey", "contact_id": CONTACTS[n % 4],
         "timestamp": NOW - timedelta(minutes=n),
         "properties": {"answer": f"a{n % 50}", "who": CONTACTS[n % 3]} if n % 7 else {},
         "canceled": n % 11 == 0}
        for n in range(2000)
    )
    repo.cancel_interactions(["r5", "r55"])
    queries_ = [
        'Survey where answer = "A5"',
        'Survey where answer in ["a5", "a7", "zzz"] in last 1 day',
        'Survey via who where answer = "a49" at least 3 times',
        'Survey where (answer = "a1" or score is null) in last 300 minutes',
        'Survey where (not answer = "a1")',
    ]
    world = world_of(repo)
    with postings(mode):
        for text in queries_:
            expected = reference_evaluate(parse(text), world, now=NOW)
            assert evaluate(text, repo, now=NOW) == expected, text


def test_profile_index_equals_testing_each_contact() -> None:
    repo = InMemoryRepository()
    repo.add_contacts(
        {"id": f"p{n}", "email": f"u{n}@x.dk" if n % 3 else None,
         "attributes": {"n": n % 5, "city": ["Oslo", "oslo", "Bergen"][n % 3]} if n % 4 else {}}
        for n in range(300)
    )
    world = world_of(repo)
    for text in (
        'contact.city = "OSLO"', "contact.n >= 3", "contact.n is null",
        'contact.email ends with "1@x.dk"', 'not contact.city = "Bergen"', "contact.n != 2",
    ):
        assert evaluate(text, repo, now=NOW) == reference_evaluate(parse(text), world, now=NOW)
