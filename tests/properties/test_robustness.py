"""Hostile input never escapes as anything but a segmentkit error, and never half-applies.

``tests/language/test_parse.py`` already feeds arbitrary text, token soup and
grammar-shaped text to ``parse``, and ``tests/repository/test_repository.py`` feeds
arbitrary dicts to ``add_*`` and watches one reader during a large batch.
This module adds what those leave out:

- one corrupted record (of each kind of fault) at a random place in an
  otherwise valid batch, against a generated repository: the whole batch is
  refused with a ``RecordError`` naming that place, and nothing changes;
- valid query texts, mutated, given to ``evaluate`` (parse, name checks
  and evaluation together): members or a ``SegmentKitError``;
- readers going only through the public API (``interactions()``,
  ``evaluate``, ``members``) while a large batch is added, and while a
  large batch fails at its last record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit import (
    Contact,
    InMemoryRepository,
    Interaction,
    RecordError,
    Segment,
    SegmentKitError,
    evaluate,
)
from segmentkit.strategies import contacts, interactions, nows, query_texts, repositories

REPOSITORIES = repositories(min_contacts=1, max_contacts=5, max_interactions=8, max_segments=2)
NOBODY = "nobody_with_this_id"


def public_state(repo: InMemoryRepository) -> tuple[Any, ...]:
    """Everything a user can read back from a repository."""
    return (
        list(repo.contacts()),
        list(repo.interactions()),
        list(repo.segments()),
        dict(repo.types()),
    )


# --- one bad record in a good batch --------------------------------------------------------

WRONG_KIND = {
    "text": 5,
    "number": "five",
    "boolean": "yes",
    "date": "not a date",
    "datetime": "not a time",
    "list": 5,
}


def interaction_faults(
    record: dict[str, Any], repo: InMemoryRepository, batch: list[dict[str, Any]]
) -> list[tuple[str, Callable[[], object]]]:
    """Ways to spoil one interaction record, those that apply to it."""
    schema = repo.types()[record["type"]]

    def changed(**update: Any) -> dict[str, Any]:
        return {**record, **update}

    def without(key: str) -> dict[str, Any]:
        return {name: value for name, value in record.items() if name != key}

    faults: list[tuple[str, Callable[[], object]]] = [
        ("unknown type", lambda: changed(type="NoSuchType")),
        ("unknown contact", lambda: changed(contact_id=NOBODY)),
        ("naive timestamp", lambda: changed(timestamp=record["timestamp"].replace(tzinfo=None))),
        ("missing timestamp", lambda: without("timestamp")),
        ("missing id", lambda: without("id")),
        ("empty id", lambda: changed(id="")),
        ("extra key", lambda: changed(colour="red")),
        ("undeclared property", lambda: changed(properties={"undeclared_": 1})),
        ("not a record", lambda: 42),
        ("a list", lambda: [record]),
        ("None", lambda: None),
    ]
    def with_property(field: str, value: object) -> Callable[[], object]:
        return lambda: changed(properties={**record["properties"], field: value})

    for field, kind in schema.fields.items():
        faults.append((f"{kind} field {field} of another kind",
                       with_property(field, WRONG_KIND[kind])))
    for field in schema.contact_references:
        faults.append((f"reference {field} to no contact", with_property(field, NOBODY)))
    existing = [interaction.id for interaction in repo.interactions()]
    if existing:
        faults.append(("id already in the repository", lambda: changed(id=existing[0])))
    if batch:
        faults.append(("id used earlier in the batch", lambda: changed(id=batch[0]["id"])))
    return faults


@given(st.data())
def test_one_bad_interaction_refuses_the_whole_batch(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    ids = [contact.id for contact in repo.contacts()]
    drawn = data.draw(
        st.lists(interactions(ids, list(repo.types().values())), min_size=1, max_size=6),
        label="batch",
    )
    batch = [{**record.model_dump(), "id": f"new{n}"} for n, record in enumerate(drawn)]
    position = data.draw(st.integers(min_value=0, max_value=len(batch) - 1), label="position")
    faults = interaction_faults(batch[position], repo, batch[:position])
    fault, spoil = data.draw(st.sampled_from(faults), label="fault")
    spoiled: list[Any] = [*batch[:position], spoil(), *batch[position + 1:]]
    before = public_state(repo)
    with pytest.raises(RecordError) as refused:
        repo.add_interactions(spoiled)
    assert refused.value.position == position, fault
    assert public_state(repo) == before


def contact_faults(
    record: dict[str, Any], repo: InMemoryRepository, batch: list[dict[str, Any]]
) -> list[Callable[[], object]]:
    """Ways to spoil one contact record."""
    existing = next(iter(repo.contacts())).id
    faults: list[Callable[[], object]] = [
        lambda: {**record, "id": ""},
        lambda: {**record, "id": "   "},
        lambda: {**record, "id": existing},
        lambda: {**record, "type": "robot"},
        lambda: {**record, "colour": "red"},
        lambda: {**record, "attributes": {"seen": datetime(2026, 1, 1)}},  # naive
        lambda: {**record, "attributes": {"nested": {"a": 1}}},
        lambda: {**record, "attributes": {"": 1}},
        lambda: {key: value for key, value in record.items() if key != "id"},
        lambda: "c1",
        lambda: 3.5,
    ]
    if batch:
        faults.append(lambda: {**record, "id": batch[0]["id"]})
    return faults


@given(st.data())
def test_one_bad_contact_refuses_the_whole_batch(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    drawn = data.draw(st.lists(contacts(), min_size=1, max_size=5), label="batch")
    batch = [{**contact.model_dump(), "id": f"new{n}"} for n, contact in enumerate(drawn)]
    if repo.attributes():  # only the spoiled contact may be refused: no undeclared attributes
        batch = [{**contact, "attributes": {}} for contact in batch]
    position = data.draw(st.integers(min_value=0, max_value=len(batch) - 1), label="position")
    spoil = data.draw(st.sampled_from(contact_faults(batch[position], repo, batch[:position])))
    spoiled: list[Any] = [*batch[:position], spoil(), *batch[position + 1:]]
    before = public_state(repo)
    with pytest.raises(RecordError) as refused:
        repo.add_contacts(spoiled)
    assert refused.value.position == position
    assert public_state(repo) == before


# --- mutated query texts through evaluate -------------------------------------------------------

NOISE = st.sampled_from(
    ["(", ")", "not ", " and ", " or ", "where ", "via ", "\"", "'", "`", "#", "\n", "[", "]",
     ",", "=", "<=", " in last ", " ago", " times", " between ", " at least ", "-1", "1e999",
     "9999-12-31", "0001-01-01T00:00", "\\u", "\x00", "é", "contact.", "segment ", " is null"]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a slice cut out, a slice repeated, or noise inserted."""
    start = draw(st.integers(min_value=0, max_value=len(text)))
    end = draw(st.integers(min_value=start, max_value=len(text)))
    how = draw(st.sampled_from(["cut", "repeat", "insert"]))
    if how == "cut":
        return text[:start] + text[end:]
    if how == "repeat":
        return text[:end] + text[start:end] + text[end:]
    return text[:start] + draw(NOISE) + text[start:]


@given(st.data())
def test_mutated_query_texts_evaluate_or_give_our_errors(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    text = data.draw(query_texts(repo).flatmap(mutated), label="text")
    now = data.draw(nows(repo), label="now")
    try:
        members = evaluate(text, repo, now=now, tz="Europe/Copenhagen")
    except SegmentKitError:
        return
    assert members <= {contact.id for contact in repo.contacts()}


# --- readers during a large batch ----------------------------------------------------------------

START = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)
CONTACT_COUNT = 50
BATCH_SIZE = 12_000


def opened(number: int) -> Interaction:
    return Interaction(
        id=f"i{number}",
        type="EmailOpened",
        contact_id=f"c{number % CONTACT_COUNT}",
        timestamp=START + timedelta(minutes=number % 600),
    )


def watched_repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts(Contact(id=f"c{n}") for n in range(CONTACT_COUNT))
    repo.add_interactions([Interaction(id="seed", type="EmailOpened", contact_id="c0",
                                       timestamp=START)])
    repo.save_segment(Segment(name="Frequent", query="EmailOpened at least 2 times"))
    return repo


def watch(repo: InMemoryRepository, write: Callable[[], object]) -> set[tuple[int, int, int]]:
    """What readers on two threads saw while ``write`` ran: (records, members, frequent)."""
    seen: set[tuple[int, int, int]] = set()
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while True:
                last_look = done.is_set()
                records = sum(1 for _ in repo.interactions("EmailOpened"))
                members = len(evaluate("EmailOpened", repo, now=NOW))
                frequent = len(repo.members("Frequent", now=NOW))
                seen.add((records, members, frequent))
                if last_look:
                    return
        except BaseException as failure:  # reported below, with its type
            failures.append(failure)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        write()
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert not failures, failures
    return seen


BEFORE = (1, 1, 0)
AFTER = (1 + BATCH_SIZE, CONTACT_COUNT, CONTACT_COUNT)
# The three reads of one look are three calls: the write may end between
# them, so a look is some reads from before followed by the rest from after.
BEFORE_THEN_AFTER = {BEFORE[:split] + AFTER[split:] for split in range(len(BEFORE) + 1)}


def test_public_readers_see_a_large_batch_entirely_or_not_at_all() -> None:
    repo = watched_repository()
    seen = watch(repo, lambda: repo.add_interactions(opened(n) for n in range(BATCH_SIZE)))
    assert seen <= BEFORE_THEN_AFTER
    assert AFTER in seen  # the readers' last look comes after the write


def test_public_readers_never_see_a_large_batch_that_fails_at_its_end() -> None:
    repo = watched_repository()
    spoiled: list[Any] = [opened(n) for n in range(BATCH_SIZE - 1)]
    spoiled.append({"id": "last", "type": "EmailOpened", "contact_id": NOBODY,
                    "timestamp": START})

    def write() -> None:
        with pytest.raises(RecordError):
            repo.add_interactions(spoiled)

    assert watch(repo, write) == {BEFORE}


# --- records at the ends of datetime's range ---------------------------------------------------

# Valid aware datetimes whose UTC instant lies outside datetime's range.
BEYOND_UTC = [
    datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))),
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.mark.parametrize("timestamp", BEYOND_UTC)
@pytest.mark.parametrize("as_dict", [False, True])
def test_an_accepted_record_at_the_ends_of_time_reads_back(
    timestamp: datetime, as_dict: bool
) -> None:
    repo = InMemoryRepository()
    repo.add_contacts([Contact(id="c1")])
    record = Interaction(id="i1", type="EmailOpened", contact_id="c1", timestamp=timestamp)
    try:
        repo.add_interactions([record.model_dump() if as_dict else record])
    except RecordError:
        return  # refusing it is as good as reading it back
    assert list(repo.interactions()) == [record]
