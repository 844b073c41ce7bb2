"""InMemoryRepository: validated, all-or-nothing writes; snapshots; segments and cycles."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    RecordError,
    SegmentCycleError,
)
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.repository import InMemoryRepository
from segmentkit.storage.store import Snapshot, to_microseconds

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def opened(record_id: str, contact: str = "c1", minutes: int = 0, **props: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "type": "EmailOpened",
        "contact_id": contact,
        "timestamp": (T0 + timedelta(minutes=minutes)).isoformat(),
        "properties": props,
    }


def record(type_name: str, record_id: str, contact: str = "c1", **props: Any) -> dict[str, Any]:
    return {**opened(record_id, contact, **props), "type": type_name}


def state(repo: InMemoryRepository) -> tuple[Any, ...]:
    """Everything observable about a repository, for before/after comparisons."""
    snap = repo.snapshot()
    return (
        list(repo.contacts()),
        list(repo.interactions()),
        list(repo.segments()),
        dict(repo.types()),
        {name: (list(view), list(view.canceled[: len(view)])) for name, view in snap.logs.items()},
        list(snap.contact_ids),
        dict(snap.positions),
    )


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([{"id": "c1"}, {"id": "c2"}, Contact(id="c3", name="Ann")])
    return repository


def refused(repo: InMemoryRepository, add: Any, batch: Any) -> RecordError:
    """Call ``add(batch)``, expect RecordError, and check nothing changed."""
    before = state(repo)
    with pytest.raises(RecordError) as caught:
        add(batch)
    assert state(repo) == before
    return caught.value


# --- contacts -------------------------------------------------------------------------


def test_new_repository_is_empty_but_for_the_builtin_types() -> None:
    repo = InMemoryRepository()
    assert list(repo.contacts()) == []
    assert list(repo.interactions()) == []
    assert list(repo.segments()) == []
    assert "EmailOpened" in repo.types()


def test_add_contacts_accepts_models_dicts_and_generators(repo: InMemoryRepository) -> None:
    assert repo.add_contacts(iter([{"id": "c4", "attributes": {"born": {"$date": "1990-01-02"}}}]))
    assert repo.add_contacts([]) == 0
    assert [c.id for c in repo.contacts()] == ["c1", "c2", "c3", "c4"]
    assert repo.get_contact("c3") == Contact(id="c3", name="Ann")
    contact = repo.get_contact("c4")
    assert contact is not None and contact.attributes["born"] == date(1990, 1, 2)


def test_contact_ids_are_case_sensitive(repo: InMemoryRepository) -> None:
    assert repo.add_contacts([{"id": "C1"}]) == 1
    assert repo.get_contact("C1") != repo.get_contact("c1")


@pytest.mark.parametrize("missing", ["nope", "", 1, None, ["c1"], {"c1": 1}])
def test_get_contact_and_segment_are_key_error_free(repo: InMemoryRepository, missing: Any) -> None:
    assert repo.get_contact(missing) is None
    assert repo.get_segment(missing) is None


def test_duplicate_contact_in_batch_is_refused(repo: InMemoryRepository) -> None:
    error = refused(repo, repo.add_contacts, [{"id": "c8"}, {"id": "c9"}, {"id": "c8"}])
    assert (error.position, error.record_id) == (2, "c8")
    assert "record 0" in error.reason


def test_contact_already_in_repository_is_refused(repo: InMemoryRepository) -> None:
    error = refused(repo, repo.add_contacts, [{"id": "c9"}, Contact(id="c2")])
    assert (error.position, error.record_id) == (1, "c2")
    assert "already" in str(error)


def test_invalid_contact_names_position_id_and_field(repo: InMemoryRepository) -> None:
    error = refused(
        repo, repo.add_contacts, [{"id": "c7"}, {"id": "c8", "type": "robot"}, {"id": ""}]
    )
    assert (error.position, error.record_id) == (1, "c8")
    assert "type" in error.reason and "robot" in error.reason
    assert "record 1 of the batch" in str(error)


@pytest.mark.parametrize("item", ["c9", None, 5, b"x", ["c9"]])
def test_a_non_record_in_a_batch_is_refused(repo: InMemoryRepository, item: Any) -> None:
    error = refused(repo, repo.add_contacts, [{"id": "c9"}, item])
    assert error.position == 1
    assert refused(repo, repo.add_interactions, [opened("i1"), item]).position == 1


def test_a_model_of_the_wrong_kind_is_refused(repo: InMemoryRepository) -> None:
    interaction = Interaction.model_validate(opened("i1"))
    assert refused(repo, repo.add_contacts, [interaction]).position == 0
    assert refused(repo, repo.add_interactions, [Contact(id="c9")]).position == 0


@pytest.mark.parametrize("batch", [None, 5, "c1", b"c1", {"id": "c9"}, Contact(id="c9")])
def test_a_batch_that_is_not_a_list_of_records_is_refused(
    repo: InMemoryRepository, batch: Any
) -> None:
    assert refused(repo, repo.add_contacts, batch).position is None
    assert refused(repo, repo.add_interactions, batch).position is None


def test_a_batch_iterator_that_fails_half_way_adds_nothing(repo: InMemoryRepository) -> None:
    def failing() -> Iterator[dict[str, str]]:
        yield {"id": "c9"}
        raise OSError("disk gone")

    assert "disk gone" in str(refused(repo, repo.add_contacts, failing()))


# --- interactions --------------------------------------------------------------------------


def test_add_interactions_accepts_models_and_dicts(repo: InMemoryRepository) -> None:
    model = Interaction.model_validate(opened("i2", "c2", minutes=5))
    assert repo.add_interactions([opened("i1", minutes=10), model]) == 2
    assert [i.id for i in repo.interactions()] == ["i2", "i1"]  # oldest first
    assert next(i for i in repo.interactions() if i.id == "i2") is model


def test_interactions_of_one_type_and_all_types_merged(repo: InMemoryRepository) -> None:
    repo.add_interactions(
        [
            record("EmailSent", "s1", minutes=0),
            record("EmailOpened", "o1", minutes=2),
            record("EmailSent", "s2", minutes=3),
            record("EmailClicked", "k1", minutes=1, linkUrl="https://x"),
        ]
    )
    assert [i.id for i in repo.interactions("EmailSent")] == ["s1", "s2"]
    assert [i.id for i in repo.interactions()] == ["s1", "k1", "o1", "s2"]
    assert list(repo.interactions("EmailForwarded")) == []


@pytest.mark.parametrize("name", ["EmailOpend", "", 3])
def test_interactions_of_an_unknown_type_is_an_argument_error(
    repo: InMemoryRepository, name: Any
) -> None:
    with pytest.raises(InvalidArgumentError):
        repo.interactions(name)


def test_unknown_interaction_type_is_refused_with_a_suggestion(repo: InMemoryRepository) -> None:
    error = refused(repo, repo.add_interactions, [opened("i1"), record("EmailOpend", "i2")])
    assert (error.position, error.record_id) == (1, "i2")
    assert "EmailOpened" in error.reason


def test_unknown_contact_is_refused(repo: InMemoryRepository) -> None:
    error = refused(repo, repo.add_interactions, [opened("i1", "c1"), opened("i2", "c404")])
    assert (error.position, error.record_id) == (1, "i2")
    assert "c404" in error.reason


def test_contact_added_in_the_same_call_order_matters(repo: InMemoryRepository) -> None:
    refused(repo, repo.add_interactions, [opened("i1", "c9")])
    repo.add_contacts([{"id": "c9"}])
    assert repo.add_interactions([opened("i1", "c9")]) == 1


def test_duplicate_interaction_id_in_batch_is_refused(repo: InMemoryRepository) -> None:
    batch = [opened("i1"), record("EmailSent", "i2"), record("EmailSent", "i1")]
    error = refused(repo, repo.add_interactions, batch)
    assert (error.position, error.record_id) == (2, "i1")
    assert "record 0" in error.reason


def test_duplicate_interaction_id_against_repository_is_refused(
    repo: InMemoryRepository,
) -> None:
    repo.add_interactions([opened("i1")])
    # Ids are unique across types, not only within one.
    error = refused(repo, repo.add_interactions, [record("EmailSent", "i1")])
    assert (error.position, error.record_id) == (0, "i1")
    assert "already in the repository" in error.reason


def test_pydantic_errors_name_position_id_and_field(repo: InMemoryRepository) -> None:
    naive = {**opened("i2"), "timestamp": "2026-01-01T09:00:00"}
    error = refused(repo, repo.add_interactions, [opened("i1"), naive])
    assert (error.position, error.record_id) == (1, "i2")
    assert error.reason.startswith("timestamp:")
    missing = {key: value for key, value in opened("i3").items() if key != "contact_id"}
    error = refused(repo, repo.add_interactions, [opened("i1"), opened("i2"), missing])
    assert (error.position, error.record_id) == (2, "i3")
    assert "contact_id" in error.reason


def test_undeclared_property_is_refused_with_a_suggestion(repo: InMemoryRepository) -> None:
    bad = record("EmailClicked", "i1", linkURL="https://x")
    error = refused(repo, repo.add_interactions, [bad])
    assert (error.position, error.record_id) == (0, "i1")
    assert "'linkURL'" in error.reason and "'linkUrl'" in error.reason


@pytest.mark.parametrize(
    ("type_name", "field", "value"),
    [
        ("EmailClicked", "linkUrl", 42),
        ("EmailClicked", "linkUrl", ["https://x"]),
        ("WebsiteVisited", "durationSeconds", True),  # a boolean is not a number
        ("WebsiteVisited", "durationSeconds", "12"),
        ("FormSubmitted", "consentGiven", "true"),
        ("FormSubmitted", "consentGiven", 1),
        ("EventRegistration", "eventDate", datetime(2026, 1, 1, tzinfo=UTC)),
        ("EventRegistration", "eventDate", "2026-02-30"),
        ("EventRegistration", "eventDate", "20260101"),
        ("EventRegistration", "eventDate", "2026-01-01T09:00:00+00:00"),
        ("EventCheckIn", "checkInTime", date(2026, 1, 1)),
        ("EventCheckIn", "checkInTime", "2026-01-01T09:00:00"),  # no offset
        ("EventCheckIn", "checkInTime", "soon"),
    ],
)
def test_property_of_another_kind_is_refused(
    repo: InMemoryRepository, type_name: str, field: str, value: Any
) -> None:
    error = refused(
        repo, repo.add_interactions, [opened("i0"), record(type_name, "i1", **{field: value})]
    )
    assert (error.position, error.record_id) == (1, "i1")
    assert repr(field) in error.reason


def test_property_values_that_fit(repo: InMemoryRepository) -> None:
    repo.add_interactions(
        [
            record("WebsiteVisited", "w1", durationSeconds=12),
            record("WebsiteVisited", "w2", durationSeconds=12.5, pageUrl=None),
            record("WebsiteVisited", "w3"),  # declared fields may be absent
            record("FormSubmitted", "f1", consentGiven=False),
            record("EventCheckIn", "e1", checkInTime=datetime(2026, 1, 1, tzinfo=UTC)),
            record("EventRegistration", "e2", eventDate=date(2026, 1, 1), eventId=None),
        ]
    )
    assert len(list(repo.interactions())) == 6


def test_iso_text_is_converted_for_date_and_datetime_fields(repo: InMemoryRepository) -> None:
    repo.add_interactions(
        [
            record(
                "EventCheckIn",
                "e1",
                eventDate="2026-03-04",
                checkInTime="2026-03-04T08:15:00+01:00",
                eventName="2026-03-04",  # a text field keeps its text
            )
        ]
    )
    (stored,) = repo.interactions("EventCheckIn")
    assert stored.properties == {
        "eventDate": date(2026, 3, 4),
        "checkInTime": datetime(2026, 3, 4, 7, 15, tzinfo=UTC),
        "eventName": "2026-03-04",
    }
    assert type(stored.properties["eventDate"]) is date
    assert isinstance(stored.properties["checkInTime"], datetime)
    assert stored.properties["checkInTime"].utcoffset() == timedelta(hours=1)
    assert stored.id == "e1" and stored.timestamp == T0


def test_z_suffix_is_an_offset(repo: InMemoryRepository) -> None:
    repo.add_interactions([record("EventCheckIn", "e1", checkInTime="2026-03-04T08:15:00Z")])
    (stored,) = repo.interactions("EventCheckIn")
    assert stored.properties["checkInTime"] == datetime(2026, 3, 4, 8, 15, tzinfo=UTC)


def test_a_list_field_holds_a_list(repo: InMemoryRepository) -> None:
    repo.register_type(InteractionType(name="Survey", fields={"answers": "list"}))
    assert repo.add_interactions([record("Survey", "s1", answers=["a", 2])]) == 1
    error = refused(repo, repo.add_interactions, [record("Survey", "s2", answers="a")])
    assert "'answers'" in error.reason and "list" in error.reason


def test_contact_references_are_resolved_to_positions(repo: InMemoryRepository) -> None:
    repo.add_interactions(
        [
            record("EventRegistration", "r1", "c1", registrantId="c1", attendeeId="c3"),
            record("EventRegistration", "r2", "c2", attendeeId=None),
            record("EventRegistration", "r3", "c2"),
        ]
    )
    view = repo.snapshot().log("EventRegistration")
    positions = repo.snapshot().positions
    assert list(view.references["attendeeId"][:3]) == [positions["c3"], -1, -1]
    assert list(view.references["registrantId"][:3]) == [positions["c1"], -1, -1]
    assert list(view.contacts[:3]) == [positions["c1"], positions["c2"], positions["c2"]]


def test_contact_reference_to_an_unknown_contact_is_refused(repo: InMemoryRepository) -> None:
    bad = record("EventRegistration", "r2", registrantId="c1", attendeeId="c404")
    error = refused(repo, repo.add_interactions, [record("EmailSent", "s1"), bad])
    assert (error.position, error.record_id) == (1, "r2")
    assert "attendeeId" in error.reason and "c404" in error.reason


def test_failed_batch_reserves_no_ids(repo: InMemoryRepository) -> None:
    refused(repo, repo.add_interactions, [opened("i1"), opened("i2", "c404")])
    refused(repo, repo.add_contacts, [{"id": "c9"}, {"id": "c9"}])
    assert repo.add_interactions([opened("i1"), opened("i2")]) == 2
    assert repo.add_contacts([{"id": "c9"}]) == 1


def test_records_out_of_time_order_are_kept_in_time_order(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("late", minutes=60), opened("mid", minutes=30)])
    before = repo.snapshot()
    repo.add_interactions([opened("early", minutes=0), opened("latest", minutes=90)])
    view = repo.snapshot().log("EmailOpened")
    assert [r.id for r in view] == ["early", "mid", "late", "latest"]
    assert list(view.timestamps[: len(view)]) == sorted(view.timestamps[: len(view)])
    assert [r.id for r in before.log("EmailOpened")] == ["mid", "late"]


# --- register_type -----------------------------------------------------------------------


def test_registered_type_can_be_used(repo: InMemoryRepository) -> None:
    repo.register_type({"name": "PhoneCall", "fields": {"outcome": "text", "minutes": "number"}})
    assert repo.add_interactions([record("PhoneCall", "p1", outcome="ok", minutes=3)]) == 1
    assert repo.types()["PhoneCall"].fields == {"outcome": "text", "minutes": "number"}


def test_registering_the_same_schema_again_is_allowed(repo: InMemoryRepository) -> None:
    phone = InteractionType(name="PhoneCall", fields={"outcome": "text"})
    repo.register_type(phone)
    repo.add_interactions([record("PhoneCall", "p1", outcome="ok")])
    repo.register_type(phone.model_copy(update={"description": "calls"}))
    assert repo.types()["PhoneCall"].description == "calls"
    assert [i.id for i in repo.interactions("PhoneCall")] == ["p1"]


def test_registering_another_schema_under_a_used_name_is_refused(
    repo: InMemoryRepository,
) -> None:
    before = state(repo)
    with pytest.raises(RecordError) as caught:
        repo.register_type(InteractionType(name="EmailOpened", fields={"x": "text"}))
    assert caught.value.record_id == "EmailOpened"
    assert state(repo) == before


@pytest.mark.parametrize(
    "bad", [{"name": "Bad Name"}, {"name": "T", "fields": {"a": "string"}}, "T", None, 3]
)
def test_invalid_type_is_a_record_error(repo: InMemoryRepository, bad: Any) -> None:
    before = state(repo)
    with pytest.raises(RecordError):
        repo.register_type(bad)
    assert state(repo) == before


def test_types_view_is_read_only(repo: InMemoryRepository) -> None:
    types = repo.types()
    with pytest.raises(TypeError):
        types["X"] = InteractionType(name="X")  # type: ignore[index]


# --- snapshots ----------------------------------------------------------------------------


def test_snapshot_is_cached_until_a_write(repo: InMemoryRepository) -> None:
    first = repo.snapshot()
    assert repo.snapshot() is first
    repo.add_interactions([opened("i1")])
    second = repo.snapshot()
    assert second is not first and repo.snapshot() is second
    with pytest.raises(RecordError):
        repo.add_interactions([opened("i1")])
    assert repo.snapshot() is second  # a refused batch changes nothing, not even the cache


def test_snapshot_taken_before_a_batch_does_not_see_it(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("i1")])
    old = repo.snapshot()
    repo.add_contacts([{"id": "c4"}])
    repo.add_interactions([opened("i2", "c4", minutes=1), record("EmailSent", "s1")])
    repo.register_type(InteractionType(name="PhoneCall"))
    repo.save_segment(Segment(name="Vip", members=["c4"]))
    assert [r.id for r in old.log("EmailOpened")] == ["i1"]
    assert len(old.log("EmailSent")) == 0
    assert old.contact_count == 3 and list(old.contact_ids) == ["c1", "c2", "c3"]
    assert "c4" not in old.positions and old.positions.get("c4") is None
    assert len(old.positions) == 3 and list(old.positions) == ["c1", "c2", "c3"]
    with pytest.raises(KeyError):
        old.positions["c4"]
    assert old.mask_of(["c1", "c4"]) == 1
    assert "PhoneCall" not in old.types and "Vip" not in old.segments
    new = repo.snapshot()
    assert new.positions["c4"] == 3 and new.contact_count == 4


def test_snapshot_layout(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("i1", "c2", minutes=5)])
    snap = repo.snapshot()
    assert isinstance(snap, Snapshot)
    view = snap.log("EmailOpened")
    assert len(view) == 1
    assert view.timestamps[0] == to_microseconds(T0 + timedelta(minutes=5))
    assert view.contacts[0] == snap.positions["c2"] == 1
    assert snap.ids_of(snap.all_mask) == {"c1", "c2", "c3"}
    assert set(snap.types) == set(repo.types())


def test_a_reader_sees_a_large_batch_entirely_or_not_at_all() -> None:
    repo = InMemoryRepository()
    repo.add_contacts({"id": f"c{n}"} for n in range(100))
    repo.add_interactions([opened("seed", "c0", minutes=250)])  # the batch merges around it
    batch = [opened(f"i{n}", f"c{n % 100}", minutes=n % 500) for n in range(30_000)]
    seen: set[tuple[int, int, int]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while True:
                finished = stop.is_set()  # one last look after the write returned
                snap = repo.snapshot()
                view = snap.log("EmailOpened")
                per_contact = [0] * snap.contact_count
                for position in view.contacts[: len(view)]:
                    per_contact[position] += 1
                frequent = evaluate("EmailOpened at least 2 times", snap, now=NOW)
                seen.add((len(view), sum(per_contact), len(frequent)))
                if finished:
                    break
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert repo.add_interactions(batch) == 30_000
    finally:
        stop.set()
        thread.join()
    assert not errors
    # Before: only the seed record; after: 300 records for every contact.
    assert (30_001, 30_001, 100) in seen
    assert seen <= {(1, 1, 0), (30_001, 30_001, 100)}
    assert repo.snapshot().log("EmailOpened").length == 30_001


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_interactions(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("i1"), opened("i2"), record("EmailSent", "s1")])
    old = repo.snapshot()
    assert repo.cancel_interactions(["i2", "s1"]) == 2
    assert repo.cancel_interactions(["i2"]) == 0
    canceled = {i.id for i in repo.interactions() if i.canceled}
    assert canceled == {"i2", "s1"}
    assert not any(old.log("EmailOpened").canceled[:2])


def test_cancel_unknown_id_changes_nothing(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("i1")])
    before = state(repo)
    with pytest.raises(RecordError) as caught:
        repo.cancel_interactions(["i1", "nope"])
    assert caught.value.position == 1
    assert state(repo) == before


# --- segments --------------------------------------------------------------------------------


def test_static_segment_saved_and_replaced_by_name(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Vip", members=["c1"]))
    repo.save_segment({"name": "Others", "members": ["c2", "c3"]})
    repo.save_segment(Segment(name="Vip", members=["c1", "c2"], description="grown"))
    assert [s.name for s in repo.segments()] == ["Vip", "Others"]
    assert repo.get_segment("Vip") == Segment(name="Vip", members=["c1", "c2"], description="grown")


def test_static_segment_with_unknown_member_is_refused(repo: InMemoryRepository) -> None:
    before = state(repo)
    with pytest.raises(RecordError) as caught:
        repo.save_segment(Segment(name="Vip", members=["c1", "ghost", "ghost"]))
    assert caught.value.record_id == "Vip"
    assert "'ghost'" in caught.value.reason
    assert state(repo) == before


@pytest.mark.parametrize("bad", [{"name": "New Leads", "members": []}, {"name": "X"}, "X", None])
def test_invalid_segment_is_a_record_error(repo: InMemoryRepository, bad: Any) -> None:
    with pytest.raises(RecordError):
        repo.save_segment(bad)
    assert list(repo.segments()) == []


def test_dynamic_segment_is_parsed_and_checked(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="Readers", query="EmailOpened at least 1 time"))
    assert repo.parsed_query("Readers") is not None
    before = state(repo)
    with pytest.raises(QuerySyntaxError):
        repo.save_segment(Segment(name="Broken", query="EmailOpened at least"))
    with pytest.raises(QueryValidationError) as caught:
        repo.save_segment(Segment(name="Typo", query="EmailOpend"))
    assert "EmailOpened" in caught.value.suggestions
    with pytest.raises(QueryValidationError):
        repo.save_segment(Segment(name="Missing", query="segment Nowhere"))
    with pytest.raises(QueryValidationError):
        repo.save_segment(Segment(name="Readers", query="EmailClicked where nope = 1"))
    assert state(repo) == before
    assert repo.get_segment("Readers") == Segment(
        name="Readers", query="EmailOpened at least 1 time"
    )


def test_segment_referring_to_itself_is_a_cycle(repo: InMemoryRepository) -> None:
    with pytest.raises(SegmentCycleError) as caught:
        repo.save_segment(Segment(name="A", query="segment A or EmailOpened"))
    assert caught.value.cycle == ["A", "A"]
    assert repo.get_segment("A") is None


def test_indirect_cycle_found_on_replace(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="C", members=["c1"]))
    repo.save_segment(Segment(name="B", query="segment C and EmailOpened"))
    repo.save_segment(Segment(name="A", query="segment B or segment C"))
    before = state(repo)
    with pytest.raises(SegmentCycleError) as caught:
        repo.save_segment(Segment(name="C", query="not segment A"))
    assert caught.value.cycle == ["C", "A", "B", "C"]
    assert state(repo) == before
    assert repo.get_segment("C") == Segment(name="C", members=["c1"])


def test_replacing_a_query_by_members_drops_its_references(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="C", members=["c1"]))
    repo.save_segment(Segment(name="B", query="segment C"))
    repo.save_segment(Segment(name="A", query="segment B"))
    assert repo.parsed_query("B") is not None
    repo.save_segment(Segment(name="B", members=["c2"]))
    assert repo.parsed_query("B") is None
    # B no longer refers to C, so C may now refer to A.
    repo.save_segment(Segment(name="C", query="segment A"))
    assert repo.members("C", now=NOW) == {"c2"}


def test_shared_references_are_not_a_cycle(repo: InMemoryRepository) -> None:
    repo.save_segment(Segment(name="D", members=["c1"]))
    repo.save_segment(Segment(name="B", query="segment D"))
    repo.save_segment(Segment(name="C", query="segment D"))
    repo.save_segment(Segment(name="A", query="segment B and segment C and segment D"))
    # Replacing a referenced segment by one without the loop is fine.
    repo.save_segment(Segment(name="D", query="EmailOpened"))
    assert [s.name for s in repo.segments()] == ["D", "B", "C", "A"]


def test_members_of_a_saved_segment(repo: InMemoryRepository) -> None:
    repo.add_interactions([opened("i1", "c2")])
    repo.save_segment(Segment(name="Vip", members=["c1", "c3"]))
    repo.save_segment(Segment(name="Readers", query="EmailOpened"))
    repo.save_segment(Segment(name="Both", query="segment Vip or segment Readers"))
    assert repo.members("Vip", now=NOW) == {"c1", "c3"}
    assert repo.members("Readers", now=NOW) == {"c2"}
    assert repo.members("Both", now=NOW, tz="Europe/Copenhagen") == {"c1", "c2", "c3"}
    assert repo.members("Readers", now=T0 - timedelta(days=1)) == frozenset()


@pytest.mark.parametrize("name", ["Nope", "Vipp", "", None, 3])
def test_members_of_an_unknown_segment(repo: InMemoryRepository, name: Any) -> None:
    repo.save_segment(Segment(name="Vip", members=["c1"]))
    with pytest.raises(InvalidArgumentError):
        repo.members(name, now=NOW)


# --- hostile input -----------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.dates()
    | st.datetimes()
    | st.datetimes(timezones=st.just(UTC))
    | st.sampled_from(["c1", "c2", "2026-01-01", "2026-01-01T00:00:00Z", "EmailOpened"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    ["id", "type", "contact_id", "timestamp", "properties", "canceled", "name", "attributes"]
)
type_names = st.sampled_from(["EmailOpened", "EventRegistration", "EventCheckIn", "Nope"])
property_keys = st.sampled_from(
    ["attendeeId", "registrantId", "eventDate", "checkInTime", "messageId", "bogus"]
)
plausible = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["i1", "i2", "i3", "", "existing"]),
        "type": type_names,
        "contact_id": st.sampled_from(["c1", "c2", "c404", ""]),
        "timestamp": st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01", T0]),
    },
    optional={
        "properties": st.dictionaries(property_keys, values, max_size=3),
        "canceled": values,
    },
)
anything = plausible | st.dictionaries(keys, values, max_size=6) | values


@settings(max_examples=200)
@given(batch=st.lists(anything, max_size=4))
def test_any_interaction_batch_is_added_whole_or_refused_whole(batch: list[Any]) -> None:
    fresh = InMemoryRepository()
    fresh.add_contacts([{"id": "c1"}, {"id": "c2"}])
    fresh.add_interactions([opened("existing")])
    before = state(fresh)
    try:
        added = fresh.add_interactions(batch)
    except RecordError:
        assert state(fresh) == before
    else:
        assert added == len(batch)
        assert len(list(fresh.interactions())) == 1 + len(batch)


@settings(max_examples=200)
@given(batch=st.lists(st.dictionaries(keys, values, max_size=4) | values, max_size=4))
def test_any_contact_batch_is_added_whole_or_refused_whole(batch: list[Any]) -> None:
    fresh = InMemoryRepository()
    fresh.add_contacts([{"id": "c1"}])
    before = state(fresh)
    try:
        added = fresh.add_contacts(batch)
    except RecordError:
        assert state(fresh) == before
    else:
        assert len(list(fresh.contacts())) == 1 + added


class _FailingMapping(Mapping[str, Any]):
    """A mapping whose every lookup fails: the caller's code, not a record."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("lookup failed")

    def __iter__(self) -> Iterator[str]:
        return iter(["id"])

    def __len__(self) -> int:
        return 1


def test_a_mapping_that_fails_to_read_is_a_record_error(repo: InMemoryRepository) -> None:
    assert "lookup failed" in str(refused(repo, repo.add_contacts, [_FailingMapping()]))
    refused(repo, repo.add_interactions, [_FailingMapping()])
    with pytest.raises(RecordError):
        repo.save_segment(_FailingMapping())


def test_deeply_nested_values_are_refused(repo: InMemoryRepository) -> None:
    nested: Any = "x"
    for _ in range(100_000):
        nested = [nested]
    refused(repo, repo.add_contacts, [{"id": "c9", "attributes": {"deep": nested}}])
    refused(repo, repo.add_interactions, [record("EmailSent", "s1", messageId=nested)])


# --- text that could not be saved --------------------------------------------------------------

LONE = "x\ud800y"  # half of a character pair: UTF-8, and so no file, can hold it
NOTES = InteractionType(name="Note", fields={"text": "text", "tags": "list"})


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"id": LONE}, "id"),
        ({"id": "c9", "name": LONE}, "name"),
        ({"id": "c9", "email": LONE}, "email"),
        ({"id": "c9", "company_id": LONE}, "company_id"),
        ({"id": "c9", "salesperson_code": LONE}, "salesperson_code"),
        ({"id": "c9", "attributes": {LONE: "dk"}}, "attributes"),
        ({"id": "c9", "attributes": {"country": LONE}}, "attributes.country"),
        ({"id": "c9", "attributes": {"tags": ["a", LONE]}}, "attributes.tags"),
    ],
)
def test_a_lone_surrogate_in_a_contact_refuses_the_batch(
    repo: InMemoryRepository, contact: dict[str, Any], field: str
) -> None:
    error = refused(repo, repo.add_contacts, [{"id": "c8"}, contact])
    assert error.position == 1
    assert error.reason.startswith(f"{field}")
    assert "half of a character pair (a lone surrogate, U+D800)" in error.reason


@pytest.mark.parametrize("after_a_model", [False, True], ids=["dicts", "mixed"])
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": LONE}, "id"),
        ({"properties": {"text": LONE}}, "properties.text"),
        ({"properties": {"tags": ["a", LONE]}}, "properties.tags"),
    ],
)
def test_a_lone_surrogate_in_an_interaction_refuses_the_batch(
    repo: InMemoryRepository, change: dict[str, Any], field: str, after_a_model: bool
) -> None:
    repo.register_type(NOTES)
    first: Any = record("Note", "n1", text="fine")
    if after_a_model:  # a batch the fast path takes record by record
        first = Interaction.model_validate(first)
    error = refused(repo, repo.add_interactions, [first, {**record("Note", "n2"), **change}])
    assert error.position == 1
    assert error.reason.startswith(f"{field}: the text holds half of a character pair")


def test_a_refused_text_is_refused_again_however_it_comes(repo: InMemoryRepository) -> None:
    # The fast path checks text as it enters a field's value dictionary; a
    # refused batch must leave nothing there that a later batch could meet.
    repo.register_type(NOTES)
    bad = record("Note", "n1", text=LONE)
    for batch in ([bad], [bad], [record("Note", "n0"), bad], [bad]):
        refused(repo, repo.add_interactions, batch)
    assert LONE not in repo.snapshot().log("Note").dictionaries.get("text", ())


def test_segments_and_types_refuse_a_lone_surrogate(repo: InMemoryRepository) -> None:
    before = state(repo)
    bad_things: list[tuple[Any, Any, str]] = [
        # A draft is not parsed until it goes live: its text is checked all the same.
        (repo.save_segment, {"name": "D", "query": LONE, "status": "draft"}, "query"),
        (repo.save_segment, {"name": "D", "query": "all", "description": LONE}, "description"),
        (repo.save_segment, {"name": "S", "members": ["c1", LONE]}, "members.1"),
        (repo.register_type, {"name": "Call", "description": LONE}, "description"),
    ]
    for write, record_data, field in bad_things:
        with pytest.raises(RecordError, match=f"{field}: the text holds half of a character pair"):
            write(record_data)
    assert state(repo) == before


def test_declaring_an_attribute_named_with_a_lone_surrogate_is_refused(
    repo: InMemoryRepository,
) -> None:
    with pytest.raises(InvalidArgumentError, match="half of a character pair") as caught:
        repo.declare_attributes({"country": "text", LONE: "text"})
    assert caught.value.argument == "kinds"
    assert repo.attributes() == {}


def test_nul_and_control_characters_are_stored_as_given(repo: InMemoryRepository) -> None:
    control = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    repo.register_type(NOTES)
    repo.add_contacts([{"id": "\x00" + control, "name": control, "attributes": {control: "\x00"}}])
    repo.add_interactions([record("Note", control, "\x00" + control, text=control, tags=[control])])
    contact = repo.get_contact("\x00" + control)
    assert contact is not None and contact.attributes == {control: "\x00"}
    assert repo.get_interaction(control) == Interaction.model_validate(
        record("Note", control, "\x00" + control, text=control, tags=[control])
    )
