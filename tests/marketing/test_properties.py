"""Any sequence of marketing actions, sensible or not: each one either succeeds or
raises a library error and changes nothing, and the result saves and loads back equal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from marketing_world import CONTACTS, NOW, frozen_state, world
from segmentkit import SegmentKitError, evaluate
from segmentkit.io.jsonl import dump_repository, load_repository
from segmentkit.marketing import Marketing

NUMBERS = st.sampled_from(["SM00001", "SM00001", "SM00002", "SM00003", "NOPE"])
CONTACT = st.sampled_from([*CONTACTS, *CONTACTS, "C9"])
TEMPLATE = st.sampled_from(["ABSTRACT", "PHONECALL", "ABSTRACT", "LETTER", None])
QUERY = st.sampled_from(
    ["EmailOpened in last 30 days", "EmailClicked", "all", "ABSTRACT", "EmailOpend", "not all"]
)
AT = st.integers(min_value=-3, max_value=3).map(lambda hours: NOW + timedelta(hours=hours))

Action = Callable[[Marketing], object]


def _entry(m: Marketing, index: int) -> str:
    entries = [e.id for e in m.postponed()] or ["1"]
    return entries[index % len(entries)]


ACTIONS: st.SearchStrategy[Action] = st.one_of(
    st.builds(lambda t, c, at, p: lambda m: m.create_interaction(
        t, contact_id=c, at=at, postpone=p), TEMPLATE, CONTACT, AT, st.booleans()),
    st.builds(lambda i, at: lambda m: m.resume(_entry(m, i), at=at), st.integers(0, 3), AT),
    st.builds(lambda i: lambda m: m.delete_postponed(_entry(m, i)), st.integers(0, 3)),
    st.builds(lambda t: lambda m: m.create_segment(template=t), TEMPLATE),
    st.builds(lambda n, q, at: lambda m: m.add_contacts(n, q, now=at), NUMBERS, QUERY, AT),
    st.builds(lambda n, q, at: lambda m: m.reduce_contacts(n, q, now=at), NUMBERS, QUERY, AT),
    st.builds(lambda n, q, at: lambda m: m.refine_contacts(n, q, now=at), NUMBERS, QUERY, AT),
    st.builds(lambda n, c: lambda m: m.add_line(n, c), NUMBERS, CONTACT),
    st.builds(lambda n, c: lambda m: m.remove_line(n, c), NUMBERS, CONTACT),
    st.builds(lambda n, c, t: lambda m: m.set_line_template(n, c, t), NUMBERS, CONTACT, TEMPLATE),
    st.builds(lambda n: lambda m: m.go_back(n), NUMBERS),
    st.builds(lambda n, at: lambda m: m.reapply_criteria(n, now=at), NUMBERS, AT),
    st.builds(lambda n, at, f: lambda m: m.log_segment(n, at=at, follow_up=f),
              NUMBERS, AT, st.booleans()),
    st.builds(lambda e: lambda m: m.cancel_logged_segment(e), st.integers(1, 3)),
    st.builds(lambda t: lambda m: m.remove_template(t), TEMPLATE),
)


@settings(max_examples=150)
@given(actions=st.lists(ACTIONS, max_size=14), series=st.booleans())
def test_each_action_succeeds_or_changes_nothing_and_all_of_it_round_trips(
    actions: list[Action], series: bool
) -> None:
    m = started(series)
    for action in actions:
        before = frozen_state(m)
        try:
            action(m)
        except SegmentKitError:
            assert frozen_state(m) == before
    _check_invariants(m)
    again = Marketing(load_repository(list(dump_repository(m.repo))))
    assert frozen_state(again) == frozen_state(m)


def started(series: bool) -> Marketing:
    """The world with two open segments, so that most actions have something to act on."""
    m = world(interaction_series=series)
    first = m.create_segment(template="ABSTRACT").number
    m.add_contacts(first, "EmailOpened or EmailClicked", now=NOW)
    m.create_segment()
    return m


def _check_invariants(m: Marketing) -> None:
    state: dict[str, Any] = m.state()
    ids = [record["id"] for record in state["interactions"]]
    postponed = [entry["id"] for entry in state["postponed"]]
    assert len(set(ids + postponed)) == len(ids) + len(postponed)
    for logged in m.logged_segments():
        assert logged.interactions == len(logged.interaction_ids)
        records = [m.repo.get_interaction(i) for i in logged.interaction_ids]
        assert all(r is not None and r.canceled == logged.canceled for r in records)
        assert all(
            r is not None and r.properties["logged_segment_no"] == logged.entry_no
            for r in records
        )
    open_numbers = [s.number for s in m.segments()]
    logged_numbers = [s.segment_no for s in m.logged_segments()]
    assert len(set(open_numbers + logged_numbers)) == len(open_numbers) + len(logged_numbers)
    # Postponed entries count nowhere; canceled logged interactions neither.
    later = NOW + timedelta(days=1)
    counted = evaluate("ABSTRACT or PHONECALL", m.repo, now=later)
    live = {
        r["contact_id"] for r in state["interactions"]
        if r["type"] in ("ABSTRACT", "PHONECALL") and not r.get("canceled")
    }
    assert counted == live


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers()),
    st.datetimes(), st.sampled_from(["SM00001", "C1", "ABSTRACT", "JO", "1", "SEG"]),
)
METHODS = [
    ("create_interaction", 4), ("resume", 2), ("delete_postponed", 1), ("create_segment", 4),
    ("add_contacts", 2), ("reduce_contacts", 2), ("refine_contacts", 2), ("add_line", 2),
    ("remove_line", 2), ("set_line_template", 3), ("go_back", 1), ("reapply_criteria", 1),
    ("log_segment", 1), ("follow_up_of", 1), ("cancel_logged_segment", 1),
    ("add_salesperson", 1), ("add_interaction_group", 1), ("add_template", 1),
    ("add_number_series", 1), ("set_setup", 1), ("remove_template", 1), ("number_series", 1),
    ("segment", 1),
]
KEYWORDS = {"add_contacts": ("now", "tz"), "reduce_contacts": ("now", "tz"),
            "refine_contacts": ("now", "tz"), "reapply_criteria": ("now", "tz"),
            "log_segment": ("at", "follow_up")}


@settings(max_examples=300)
@given(data=st.data(), method=st.sampled_from(METHODS))
def test_junk_arguments_get_a_library_error_and_change_nothing(
    data: st.DataObject, method: tuple[str, int]
) -> None:
    m = started(series=False)
    name, arity = method
    args = data.draw(st.lists(JUNK, min_size=0, max_size=arity))
    kwargs = {k: data.draw(JUNK) for k in KEYWORDS.get(name, ()) if data.draw(st.booleans())}
    before = frozen_state(m)
    try:
        getattr(m, name)(*args, **kwargs)
    except SegmentKitError:
        assert frozen_state(m) == before
    except TypeError as error:
        # Only Python's own call checking (a missing or extra argument) may say TypeError.
        assert "argument" in str(error), error
        assert frozen_state(m) == before
