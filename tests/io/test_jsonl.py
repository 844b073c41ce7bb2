"""Reading JSON Lines data files: records by kind, line numbers in every error."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit.errors import InvalidArgumentError, RecordError
from segmentkit.io.jsonl import (
    dump_repository,
    load_jsonl,
    load_repository,
    read_jsonl_text,
    record_line,
)
from segmentkit.storage.files import replace_atomically

NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _line(kind: str, **fields: Any) -> str:
    return json.dumps({"kind": kind, **fields})


def _contact(contact_id: str, **fields: Any) -> str:
    return _line("contact", id=contact_id, **fields)


def _opened(record_id: str, contact_id: str, when: str = "2026-10-30T09:00:00Z") -> str:
    return _line("interaction", id=record_id, type="EmailOpened", contact_id=contact_id,
                 timestamp=when, properties={"messageId": "m1"})


def _write(tmp_path: Path, *lines: str, name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _error_from(source: Any, **kwargs: Any) -> RecordError:
    with pytest.raises(RecordError) as caught:
        load_repository(source, **kwargs)
    return caught.value


# --- reading --------------------------------------------------------------------


def test_records_are_grouped_by_kind_with_their_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _line("segment", name="Readers", query="EmailOpened"),
        _contact("c1"),
        _opened("i1", "c1"),
        _line("type", name="PhoneCall", fields={"outcome": "text"}),
    )
    records = load_jsonl(path)
    assert [(line.number, line.record.name) for line in records.segments] == [(1, "Readers")]
    assert [(line.number, line.record.id) for line in records.contacts] == [(2, "c1")]
    assert [(line.number, line.record.id) for line in records.interactions] == [(3, "i1")]
    assert [(line.number, line.record.name) for line in records.types] == [(4, "PhoneCall")]


def test_blank_and_comment_lines_are_skipped_but_still_counted() -> None:
    records = load_jsonl(["# a comment", "", "   ", "  # indented comment", _contact("c1")])
    assert [line.number for line in records.contacts] == [5]


def test_date_encoding_gives_dates_and_plain_strings_stay_strings() -> None:
    line = _contact("c1", attributes={"signup": {"$date": "2026-01-05"}, "code": "2026-01-05"})
    (contact,) = [entry.record for entry in load_jsonl([line]).contacts]
    assert contact.attributes == {"signup": date(2026, 1, 5), "code": "2026-01-05"}


def test_bytes_lines_and_a_utf8_byte_order_mark_are_read() -> None:
    lines = [b"\xef\xbb\xbf" + _contact("c1", name="Søren").encode(), _contact("c2").encode()]
    records = load_jsonl(lines)
    assert [entry.record.name for entry in records.contacts] == ["Søren", None]


def test_whole_text_can_be_read() -> None:
    records = read_jsonl_text(_contact("c1") + "\n\n" + _contact("c2") + "\n")
    assert [line.number for line in records.contacts] == [1, 3]


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ('{"kind": "contact", "id": ', "not valid JSON"),
        ("[1, 2]", "expected one JSON object"),
        ('"contact"', "expected one JSON object"),
        ('{"id": "c9"}', 'no "kind"'),
        ('{"kind": "lead", "id": "c9"}', "unknown \"kind\" 'lead'"),
        ('{"kind": 5, "id": "c9"}', 'unknown "kind" 5'),
        ('{"kind": "contact", "id": ""}', "contact '' is not valid"),
        ('{"kind": "contact", "id": 7}', "this contact is not valid"),
        ('{"kind": "contact", "id": "c9", "phone": "555"}', "phone"),
        ('{"kind": "contact", "id": "c9", "attributes": {"score": NaN}}', "NaN"),
        ('{"kind": "interaction", "id": "i9", "type": "EmailOpened", "contact_id": "c1", '
         '"timestamp": "2026-10-30T09:00:00"}', "timestamp"),
        ('{"kind": "segment", "name": "New Leads", "query": "all"}', "spaces"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        # JSON can escape half of a character pair; no record may hold one.
        ('{"kind": "contact", "id": "c9", "name": "Ann\\ud800"}',
         "name: the text holds half of a character pair"),
        ('{"kind": "contact", "id": "c\\udfff"}', "id: the text holds half of a character pair"),
        ('{"kind": "attributes", "attributes": {"a\\udc00": "text"}}',
         "(a lone surrogate, U+DC00)"),
        ('{"kind": "segment", "name": "D", "query": "\\ud800", "status": "draft"}',
         "query: the text holds half of a character pair"),
    ],
)
def test_a_bad_line_is_a_record_error_naming_file_and_line(
    tmp_path: Path, bad_line: str, expected: str
) -> None:
    path = _write(tmp_path, "# header", _contact("c1"), bad_line, _contact("c2"))
    with pytest.raises(RecordError) as caught:
        load_jsonl(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 3: ")
    assert expected in message
    assert (caught.value.source, caught.value.line) == (str(path), 3)


def test_a_refused_record_keeps_its_id() -> None:
    with pytest.raises(RecordError) as caught:
        load_jsonl([_contact("c1", type="robot")])
    assert caught.value.record_id == "c1"


def test_invalid_utf8_names_its_line() -> None:
    with pytest.raises(RecordError, match=r"^<lines>, line 2: not UTF-8"):
        load_jsonl([_contact("c1").encode(), b'{"kind": "contact", "id": "\xff"}'])


def test_the_source_name_can_be_given() -> None:
    with pytest.raises(RecordError, match=r"^crm-export\.jsonl, line 1: "):
        load_jsonl(["{"], name="crm-export.jsonl")


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_jsonl(tmp_path / "nope.jsonl")


# --- loading a repository ------------------------------------------------------------


def test_load_repository_adds_everything_and_evaluates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _line("segment", name="Readers", query="EmailOpened in last 7 days"),
        _contact("c1", email="ann@contoso.com"),
        _contact("c2"),
        _opened("i1", "c1"),
        _opened("i2", "c2", when="2026-01-01T09:00:00Z"),
    )
    repo = load_repository(path)
    assert sorted(c.id for c in repo.contacts()) == ["c1", "c2"]
    assert len(list(repo.interactions())) == 2
    assert repo.members("Readers", now=NOW) == {"c1"}


def test_an_iso_string_for_a_declared_date_field_is_converted() -> None:
    registration = _line(
        "interaction", id="r1", type="EventRegistration", contact_id="c1",
        timestamp="2026-06-01T09:00:00Z",
        properties={"eventId": "e1", "eventDate": "2026-06-11", "attendeeId": "c1"},
    )
    repo = load_repository([_contact("c1"), registration])
    (record,) = repo.interactions("EventRegistration")
    assert record.properties["eventDate"] == date(2026, 6, 11)


def test_custom_types_are_registered_before_interactions_use_them() -> None:
    lines = [
        _contact("c1"),
        _line("interaction", id="p1", type="PhoneCall", contact_id="c1",
              timestamp="2026-10-30T09:00:00Z", properties={"outcome": "callback"}),
        _line("type", name="PhoneCall", fields={"outcome": "text"}),
    ]
    repo = load_repository(lines)
    assert [r.id for r in repo.interactions("PhoneCall")] == ["p1"]


def test_a_batch_refusal_names_the_line_of_the_bad_record() -> None:
    lines = ["# contacts", _contact("c1"), _opened("i1", "c1"), "", _opened("i2", "ghost")]
    error = _error_from(lines)
    assert str(error).startswith("<lines>, line 5: ")
    assert "ghost" in str(error)


def test_a_duplicate_contact_id_names_the_line_of_the_duplicate() -> None:
    error = _error_from([_contact("c1"), _contact("c2"), _contact("c1")])
    assert str(error).startswith("<lines>, line 3: ")


def test_a_property_the_type_does_not_declare_names_its_line() -> None:
    bad = _line("interaction", id="i1", type="EmailOpened", contact_id="c1",
                timestamp="2026-10-30T09:00:00Z", properties={"messageID": "m1"})
    error = _error_from([_contact("c1"), bad])
    assert str(error).startswith("<lines>, line 2: ")
    assert "messageID" in str(error)


def test_segments_are_saved_after_the_segments_they_use() -> None:
    lines = [
        _line("segment", name="EngagedDanes", query='segment Engaged and contact.country = "DK"'),
        _line("segment", name="Engaged", query="segment Readers or EmailClicked"),
        _line("segment", name="Readers", query="EmailOpened"),
        _contact("c1", attributes={"country": "DK"}),
        _opened("i1", "c1"),
    ]
    repo = load_repository(lines)
    assert [s.name for s in repo.segments()] == ["Readers", "Engaged", "EngagedDanes"]
    assert repo.members("EngagedDanes", now=NOW) == {"c1"}


def test_a_circle_of_segments_is_refused_naming_the_circle() -> None:
    lines = [
        _line("segment", name="A", query="segment B"),
        _line("segment", name="B", query="segment C or EmailOpened"),
        _line("segment", name="C", query="segment A"),
    ]
    error = _error_from(lines)
    assert "line 3" in str(error)
    assert "A -> B -> C -> A" in str(error)


def test_a_segment_that_refers_to_itself_is_refused() -> None:
    error = _error_from([_line("segment", name="Loop", query="segment Loop or all")])
    assert "Loop -> Loop" in str(error)


def test_a_segment_defined_twice_is_refused() -> None:
    lines = [
        _line("segment", name="Readers", query="EmailOpened"),
        _line("segment", name="Readers", query="EmailClicked"),
    ]
    error = _error_from(lines)
    assert str(error).startswith("<lines>, line 2: ")
    assert "already defined on line 1" in str(error)


def test_a_segment_with_a_bad_query_shows_the_caret_and_the_line() -> None:
    error = _error_from([_contact("c1"), _line("segment", name="Bad", query="EmailOpend")])
    message = str(error)
    assert message.startswith("<lines>, line 2: ")
    assert "EmailOpend" in message
    assert "^" in message
    assert error.record_id == "Bad"


def test_a_segment_naming_an_unknown_segment_is_refused() -> None:
    error = _error_from([_line("segment", name="S", query="segment Missing")])
    assert str(error).startswith("<lines>, line 1: ")
    assert "Missing" in str(error)


def test_a_static_segment_with_an_unknown_member_names_its_line() -> None:
    error = _error_from([_contact("c1"), _line("segment", name="VIP", members=["c1", "c7"])])
    assert str(error).startswith("<lines>, line 2: ")
    assert "c7" in str(error)


def test_load_repository_accepts_already_read_records(tmp_path: Path) -> None:
    records = load_jsonl(_write(tmp_path, _contact("c1")))
    assert [c.id for c in load_repository(records).contacts()] == ["c1"]


# --- hostile input --------------------------------------------------------------------


def test_a_path_no_file_can_have_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError):
        load_jsonl("crm\0.jsonl")


def test_lines_that_are_not_text_are_refused_by_line() -> None:
    with pytest.raises(RecordError, match=r"^<lines>, line 2: expected a line of text"):
        load_jsonl([_contact("c1"), 42])  # type: ignore[list-item]
    with pytest.raises(InvalidArgumentError):
        load_jsonl(42)  # type: ignore[arg-type]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                   max_size=3),
    max_leaves=8,
)
_FIELDS = ["id", "name", "email", "type", "contact_id", "timestamp", "properties", "attributes",
           "query", "members", "fields", "contact_references", "canceled", "company_id"]
_RECORD = st.fixed_dictionaries(
    {"kind": st.sampled_from(["contact", "interaction", "segment", "type", "other"])},
    optional={field: _JSON | st.sampled_from(["c1", "EmailOpened", "2026-10-01T00:00:00Z", "all"])
              for field in _FIELDS},
)
_LINE = st.one_of(_RECORD.map(json.dumps), st.text(max_size=30), st.binary(max_size=30))


@given(st.lists(_LINE, max_size=8))
def test_any_lines_load_or_raise_a_record_error(lines: list[str | bytes]) -> None:
    try:
        repo = load_repository([_contact("c1"), *lines])
    except RecordError as error:
        assert ", line " in str(error) or str(error).startswith("<lines>: ")
    else:
        assert repo.get_contact("c1") is not None


def test_only_newlines_end_lines_in_text() -> None:
    # U+2028 may stand raw inside a JSON string; it must not split the record.
    raw = '{"kind": "contact", "id": "c1", "name": "Ann\u2028Lee"}'
    assert "\u2028" in raw
    records = read_jsonl_text(raw + "\r\n" + _contact("c2"))
    assert [(line.number, line.record.name) for line in records.contacts] == [
        (1, "Ann\u2028Lee"), (2, None)]


# --- writing ------------------------------------------------------------------------


def test_dump_repository_reads_back_equal() -> None:
    lines = [
        _line("type", name="PhoneCall", fields={"outcome": "text", "on": "date"}),
        _contact("c1", name="Søren", attributes={"signup": {"$date": "2026-01-05"}, "n": 1.5}),
        _contact("c2", type="company"),
        _line("interaction", id="p1", type="PhoneCall", contact_id="c1",
              timestamp="2026-10-30T09:00:00+02:00",
              properties={"outcome": "won", "on": {"$date": "2026-10-30"}}, canceled=True),
        _opened("i1", "c2", when="2026-01-01T00:00:00Z"),
        _line("segment", name="Calls", query="PhoneCall"),
        _line("segment", name="Both", query="segment Calls or segment Firms"),
        _line("segment", name="Firms", members=["c2"]),
    ]
    repo = load_repository(lines)
    dumped = list(dump_repository(repo))
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in dumped)
    again = load_repository(dumped)
    assert list(again.contacts()) == list(repo.contacts())
    assert sorted(again.interactions(), key=lambda r: r.id) == sorted(
        repo.interactions(), key=lambda r: r.id)
    assert {s.name: s for s in again.segments()} == {s.name: s for s in repo.segments()}
    assert again.types() == repo.types()
    assert "Søren" in "".join(dumped)  # kept readable, not \\u-escaped


def test_text_with_nul_and_control_characters_is_saved_to_a_utf8_file_and_read_back(
    tmp_path: Path,
) -> None:
    control = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    odd = "\x00" + control + "\u2028\u2029\ufeff\U0010ffff"
    repo = load_repository([_line("type", name="Note", fields={"text": "text"}, description=odd)])
    repo.add_contacts([{"id": odd, "name": odd, "attributes": {odd: [odd]}}])
    repo.add_interactions([{"id": odd, "type": "Note", "contact_id": odd, "timestamp": NOW,
                            "properties": {"text": odd}}])
    repo.save_segment({"name": "Odd", "members": [odd], "description": odd})
    repo.save_segment({"name": "Draft", "query": odd, "status": "draft"})
    path = tmp_path / "odd.jsonl"
    replace_atomically(path, "".join(dump_repository(repo)))
    again = load_repository(path)
    assert list(again.contacts()) == list(repo.contacts())
    assert list(again.interactions()) == list(repo.interactions())
    assert list(again.segments()) == list(repo.segments())
    assert again.types() == repo.types()


def test_record_line_leaves_defaults_out() -> None:
    (contact,) = [line.record for line in load_jsonl([_contact("c1")]).contacts]
    assert record_line("contact", contact) == '{"kind":"contact","id":"c1"}'
