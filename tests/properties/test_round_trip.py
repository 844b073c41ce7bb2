"""The saving guarantee (docs/decisions.md, "Text and saving"): whatever the
repository accepts, ``dump_repository`` writes as UTF-8 and ``load_repository``
reads back to an equal repository - the same contacts, interactions, types,
segments, declared attributes and marketing tables, and the same members for
generated queries - and every stored model's JSON round trip holds.

Each example is a generated repository (``segmentkit.strategies``) that a
hostile user then writes to: contacts, an interaction type, interactions
(as dicts, or as models after dicts), segments, an attribute declaration and
marketing records, their text drawn from ``hostile_text`` (NUL, every control
character, lone surrogates, ids of 100,000 characters, ...). A write holding a
lone surrogate must be refused; any refused write (a duplicate id, an
undeclared attribute, ...) must change nothing.

The same guarantee holds for a snapshot directory (``repo.save`` /
``InMemoryRepository.open``), with a type whose fields take the whole range
of values as well: integers past 64 bits, any finite float, dates,
datetimes with offsets and named zones, lists mixing them.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hostile_text import holds_surrogate, hostile_texts
from segmentkit import Contact, InMemoryRepository, Interaction, SegmentKitError, evaluate
from segmentkit.io.jsonl import dump_repository, load_repository
from segmentkit.marketing import Marketing
from segmentkit.strategies import nows, queries, repositories, timezones

# The issue asks for at least 500 examples in `make test`; `make fuzz`'s
# profile (HYPOTHESIS_PROFILE=thorough) raises it.
EXAMPLES = max(500, settings().max_examples)
REPOSITORIES = repositories(max_contacts=4, max_interactions=6, max_segments=2)
LONG_IDS = ("i" * 100_000, "\x00ø" * 50_000)
ids = st.one_of(hostile_texts, hostile_texts, hostile_texts, st.sampled_from(LONG_IDS))
# Often keys the generated contacts use too, so that queries meet the values.
attribute_keys = st.one_of(st.sampled_from(["country", "last", "tags"]), hostile_texts)
texts_or_lists = st.one_of(hostile_texts, st.lists(hostile_texts, max_size=2))
maybe_texts = st.one_of(st.none(), hostile_texts)
NOTE = "Note"  # the interaction type the hostile user registers


def saved_state(repo: InMemoryRepository) -> dict[str, Any]:
    """Everything a dump holds, for comparing two repositories."""
    return {
        "contacts": list(repo.contacts()),
        "interactions": sorted(repo.interactions(), key=attrgetter("id")),
        "types": dict(repo.types()),
        "segments": {segment.name: segment for segment in repo.segments()},
        "attributes": dict(repo.attributes()),
        "marketing": repo.extension_state("marketing"),
    }


def attempt(
    repo: InMemoryRepository, write: Callable[..., object], *arguments: Any, **keywords: Any
) -> bool:
    """Try one write: True when it is accepted. Refused, it must change nothing;
    holding a lone surrogate anywhere, it must be refused."""
    before = saved_state(repo)
    try:
        write(*arguments, **keywords)
    except SegmentKitError:
        event(f"{write.__name__} refused")
        assert saved_state(repo) == before
        return False
    event(f"{write.__name__} accepted")
    given = (arguments, keywords)
    assert not holds_surrogate(given), f"accepted a lone surrogate: {given!r}"
    return True


def contact_dicts(number: int) -> st.SearchStrategy[dict[str, Any]]:
    # The suffix keeps the ids of one batch apart (a duplicate refuses it all).
    return st.fixed_dictionaries(
        {"id": ids.map(lambda text: f"{text}#{number}")},
        optional={
            "name": maybe_texts,
            "email": maybe_texts,
            "company_id": maybe_texts,
            "salesperson_code": maybe_texts,
            "attributes": st.dictionaries(attribute_keys, texts_or_lists, max_size=3),
        },
    )


def write_contacts(data: st.DataObject, repo: InMemoryRepository) -> None:
    count = data.draw(st.integers(0, 3), label="contacts")
    attempt(repo, repo.add_contacts, [data.draw(contact_dicts(n)) for n in range(count)])
    if data.draw(st.booleans(), label="declare"):
        attempt(repo, repo.declare_attributes, {data.draw(attribute_keys): "text"})


def write_interactions(data: st.DataObject, repo: InMemoryRepository) -> None:
    note = {"name": NOTE, "fields": {"text": "text", "tags": "list", "who": "text"},
            "contact_references": ["who"], "description": data.draw(maybe_texts)}
    noted = attempt(repo, repo.register_type, note)
    contact_ids = [contact.id for contact in repo.contacts()]
    if not contact_ids:
        return
    batch: list[Any] = []
    for number in range(data.draw(st.integers(0, 3), label="interactions")):
        properties = (
            {"text": data.draw(hostile_texts), "tags": data.draw(st.lists(hostile_texts,
                                                                          max_size=2)),
             "who": data.draw(st.sampled_from(contact_ids))}
            if noted
            else {"messageId": data.draw(hostile_texts)}
        )
        record: Any = {
            "id": data.draw(ids) + f"#{number}",
            "type": NOTE if noted else "EmailOpened",
            "contact_id": data.draw(st.sampled_from(contact_ids)),
            "timestamp": data.draw(nows()),
            "properties": properties,
        }
        # A model after a dict sends the batch down the record-by-record path.
        if batch and data.draw(st.booleans(), label="as a model"):
            with contextlib.suppress(ValidationError):
                record = Interaction.model_validate(record)
        batch.append(record)
    attempt(repo, repo.add_interactions, batch)


def write_segments(data: st.DataObject, repo: InMemoryRepository) -> None:
    known = [contact.id for contact in repo.contacts()]
    members = st.lists(st.sampled_from(known) if known else hostile_texts, max_size=3)
    static = {"name": "Hostile", "members": data.draw(members),
              "description": data.draw(maybe_texts)}
    attempt(repo, repo.save_segment, static)
    # A draft's query is not parsed until it goes live: any text is stored.
    draft = {"name": "Draft", "query": data.draw(hostile_texts), "status": "draft"}
    attempt(repo, repo.save_segment, draft)


def write_marketing(data: st.DataObject, repo: InMemoryRepository) -> None:
    m = Marketing(repo)
    codes = st.one_of(st.just("ZZ"), hostile_texts)
    attempt(repo, m.add_salesperson, {"code": data.draw(codes), "name": data.draw(maybe_texts)})
    attempt(repo, m.add_interaction_group, {"code": "LETTER",
                                            "description": data.draw(maybe_texts)})
    template = {"code": "Visit", "group": "LETTER", "description": data.draw(maybe_texts)}
    attempt(repo, m.add_template, template)
    number = data.draw(codes)
    attempt(repo, m.create_segment, data.draw(maybe_texts), None, None, None, number=number)
    contact_ids = [contact.id for contact in repo.contacts()]
    if contact_ids:
        contact = data.draw(st.sampled_from(contact_ids))
        attempt(repo, m.add_line, number, contact)
        at, description = data.draw(nows()), data.draw(maybe_texts)
        attempt(repo, m.create_interaction, "Visit", contact, at=at, description=description)


def models_of(state: dict[str, Any]) -> list[BaseModel]:
    found: list[BaseModel] = [*state["contacts"], *state["interactions"]]
    found += [*state["types"].values(), *state["segments"].values()]
    return found if state["marketing"] is None else [*found, state["marketing"]]


def outcome(ask: Callable[[InMemoryRepository], object], repo: InMemoryRepository) -> Any:
    """What ``ask`` answers, or the error it raises (a draft segment has no members)."""
    try:
        return ask(repo)
    except SegmentKitError as error:
        return type(error).__name__, str(error)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_whatever_the_repository_accepts_is_saved_and_read_back_equal(
    data: st.DataObject,
) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    write_contacts(data, repo)
    write_interactions(data, repo)
    write_segments(data, repo)
    write_marketing(data, repo)

    state = saved_state(repo)
    for model in models_of(state):
        assert type(model).model_validate_json(model.model_dump_json()) == model
    # Strict UTF-8, as a file is written: a lone surrogate would fail here.
    lines = [line.encode("utf-8") for line in dump_repository(repo)]
    loaded = load_repository(lines)
    assert saved_state(loaded) == state

    now, tz = data.draw(nows(repo), label="now"), data.draw(timezones(), label="tz")
    for query in data.draw(st.lists(queries(repo, max_depth=2), max_size=2), label="queries"):
        ask = lambda r: evaluate(query, r, now=now, tz=tz)  # noqa: E731, B023
        assert outcome(ask, loaded) == outcome(ask, repo)
    for name in state["segments"]:
        ask = lambda r: r.members(name, now=now, tz=tz)  # noqa: E731, B023
        assert outcome(ask, loaded) == outcome(ask, repo)


def test_a_contact_with_100000_attributes_is_saved_and_read_back_equal() -> None:
    repo = InMemoryRepository()
    attributes = {f"k{n}\x00": n if n % 2 else f"v{n}\x1f" for n in range(100_000)}
    assert repo.add_contacts([Contact(id="\x00" * 10, attributes=attributes)]) == 1
    lines = [line.encode("utf-8") for line in dump_repository(repo)]
    assert saved_state(load_repository(lines)) == saved_state(repo)


# Values of every kind at their edges, for the snapshot's Parquet and JSON.
edge_datetimes = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([
        UTC, timezone(timedelta(hours=-9, minutes=-30)),
        ZoneInfo("Europe/Copenhagen"), ZoneInfo("America/New_York"),
    ]),
)
edge_scalars = st.one_of(
    st.integers(-(2**100), 2**100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    edge_datetimes,
    st.booleans(),
    hostile_texts,
)
MEASURE = {"name": "Measure", "fields": {"value": "number", "mixed": "list", "day": "date",
                                         "at": "datetime", "flag": "boolean"}}


def write_edge_values(data: st.DataObject, repo: InMemoryRepository) -> None:
    attempt(repo, repo.register_type, MEASURE)
    contact_ids = [contact.id for contact in repo.contacts()]
    if not contact_ids or "Measure" not in repo.types():
        return
    properties = st.fixed_dictionaries({}, optional={
        "value": st.one_of(st.integers(-(2**100), 2**100),
                           st.floats(allow_nan=False, allow_infinity=False)),
        "mixed": st.lists(edge_scalars, max_size=4),
        "day": st.dates(),
        "at": edge_datetimes,
        "flag": st.one_of(st.none(), st.booleans()),
    })
    batch = [
        {"id": f"edge#{number}", "type": "Measure",
         "contact_id": data.draw(st.sampled_from(contact_ids)),
         "timestamp": data.draw(st.sampled_from([
             # (Timestamps near years 1 and 9999 are left to the properties:
             # nows() draws instants around the timestamps.)
             datetime(1970, 1, 1, 12, tzinfo=timezone(timedelta(hours=5))),
             datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Copenhagen")),
             datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Copenhagen")),
         ])),
         "properties": data.draw(properties), "canceled": data.draw(st.booleans())}
        for number in range(data.draw(st.integers(0, 3)))
    ]
    attempt(repo, repo.add_interactions, batch)


# Fewer than the JSON Lines test: every example writes and reads files.
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_a_saved_snapshot_opens_equal(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    write_contacts(data, repo)
    write_interactions(data, repo)
    write_edge_values(data, repo)
    write_segments(data, repo)
    write_marketing(data, repo)
    state = saved_state(repo)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot"
        repo.save(path)
        opened = InMemoryRepository.open(path)
        repo.save(path)  # replacing a snapshot
        reopened = InMemoryRepository.open(path)
    assert saved_state(opened) == state
    assert saved_state(reopened) == state

    now, tz = data.draw(nows(repo), label="now"), data.draw(timezones(), label="tz")
    for query in data.draw(st.lists(queries(repo, max_depth=2), max_size=2), label="queries"):
        ask = lambda r: evaluate(query, r, now=now, tz=tz)  # noqa: E731, B023
        assert outcome(ask, opened) == outcome(ask, repo)
    for name in state["segments"]:
        ask = lambda r: r.members(name, now=now, tz=tz)  # noqa: E731, B023
        assert outcome(ask, opened) == outcome(ask, repo)
