"""Number series: SM00001 -> SM00002, prefix and padding kept, increments, ending numbers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from marketing_world import frozen_state, world
from segmentkit.errors import NumberSeriesError, SegmentKitError
from segmentkit.marketing import NumberSeries
from segmentkit.marketing.number_series import next_number


def series(**fields: object) -> NumberSeries:
    return NumberSeries.model_validate({"code": "S", "starting_number": "SM00001", **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "SM00001"),  # the first number is the starting number
        ({"last_used": "SM00001"}, "SM00002"),
        ({"last_used": "SM00009"}, "SM00010"),
        ({"last_used": "SM09999"}, "SM10000"),
        ({"last_used": "SM99999"}, "SM100000"),  # grows past its padding, as IncStr does
        ({"last_used": "SM00001", "increment": 10}, "SM00011"),
        ({"starting_number": "1", "last_used": "9"}, "10"),
        ({"starting_number": "A-001-X", "last_used": "A-007-X"}, "A-008-X"),
        ({"starting_number": "2026-0001", "last_used": "2026-0041"}, "2026-0042"),
        ({"starting_number": "INV1B", "last_used": "INV1B"}, "INV2B"),
    ],
)
def test_the_next_number_keeps_prefix_suffix_and_padding(
    fields: dict[str, object], expected: str
) -> None:
    assert next_number(series(**fields)) == expected


def test_the_ending_number_is_the_last_one_given() -> None:
    assert next_number(series(last_used="SM00004", ending_number="SM00005")) == "SM00005"
    with pytest.raises(NumberSeriesError, match=r"SM00006.*SM00005") as caught:
        next_number(series(last_used="SM00005", ending_number="SM00005"))
    assert (caught.value.series, caught.value.last_used, caught.value.ending_number) == (
        "S", "SM00005", "SM00005"
    )
    with pytest.raises(NumberSeriesError):  # an increment that jumps over the end
        next_number(series(last_used="SM00001", ending_number="SM00005", increment=5))


@pytest.mark.parametrize(
    "fields",
    [
        {"starting_number": "SM"},  # no digits to count up
        {"starting_number": ""},
        {"increment": 0},
        {"increment": -1},
        {"ending_number": "XX00009"},  # another form
        {"ending_number": "SM00000"},  # before the start
        {"last_used": "SM0000A"},
        {"last_used": "SM00009", "ending_number": "SM00005"},
    ],
)
def test_a_series_that_cannot_count_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        series(**fields)


def test_a_series_used_by_the_marketing_service_moves_on_only_when_a_number_is_taken() -> None:
    m = world()
    first = m.create_segment(description="one")
    second = m.create_segment(description="two")
    assert (first.number, second.number) == ("SM00001", "SM00002")
    assert m.number_series("SEG").last_used == "SM00002"  # type: ignore[union-attr]


def test_running_past_the_end_consumes_no_number_and_changes_nothing() -> None:
    m = world(segment_series=False)
    m.add_number_series(NumberSeries(code="TINY", starting_number="T1", ending_number="T2"))
    m.set_setup({"segment_series": "TINY"})
    m.create_segment()
    m.create_segment()
    before = frozen_state(m)
    with pytest.raises(NumberSeriesError, match="TINY") as caught:
        m.create_segment()
    assert isinstance(caught.value, SegmentKitError)
    assert frozen_state(m) == before
    assert m.number_series("TINY").last_used == "T2"  # type: ignore[union-attr]
