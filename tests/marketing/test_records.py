"""The marketing records: frozen, validated, JSON round trips; the state lives in the repository."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from hostile_text import LONE, assert_refused, text_fields
from marketing_world import NOW, world
from segmentkit.errors import InvalidArgumentError
from segmentkit.marketing import (
    CriteriaAction,
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    Marketing,
    MarketingSetup,
    MarketingState,
    NumberSeries,
    PostponedInteraction,
    Salesperson,
    SegmentHeader,
    SegmentLine,
)

RECORDS: list[BaseModel] = [
    Salesperson(code="JO", name="Jim Olive"),
    InteractionGroup(code="LETTER", description="Letters"),
    InteractionTemplate(code="ABSTRACT", group="LETTER", unit_cost=Decimal("2.50"),
                        unit_duration=Decimal("7.5"), correspondence_type="hard_copy"),
    NumberSeries(code="SEG", starting_number="SM00001", ending_number="SM99999",
                 last_used="SM00041", increment=5),
    MarketingSetup(segment_series="SEG"),
    SegmentHeader(
        number="SM00001", description="Spring", template="ABSTRACT", date=date(2026, 4, 1),
        lines=(SegmentLine(contact_id="C2", template="X"), SegmentLine(contact_id="C1")),
        history=(CriteriaAction(action="add", query="all",
                                added=(SegmentLine(contact_id="C1"),)),),
    ),
    LoggedSegment(entry_no=1, segment_no="SM00001", interactions=2, created_at=NOW,
                  interaction_ids=("1", "2"), follow_up="SM00002"),
    PostponedInteraction(id="7", template="ABSTRACT", contact_id="C1", cost=Decimal("0.10"),
                         evaluation="Very_Negative"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_records_round_trip_through_json_and_are_frozen(record: BaseModel) -> None:
    assert type(record).model_validate_json(record.model_dump_json()) == record
    field = next(iter(type(record).model_fields))
    with pytest.raises(ValidationError):
        setattr(record, field, "changed")


def test_options_are_read_as_marketers_write_them() -> None:
    template = RECORDS[2]
    assert isinstance(template, InteractionTemplate)
    assert template.correspondence_type == "hard copy"
    postponed = RECORDS[-1]
    assert isinstance(postponed, PostponedInteraction)
    assert postponed.evaluation == "very negative"
    with pytest.raises(ValidationError):
        PostponedInteraction(id="1", template="A", contact_id="C1", evaluation="great")


def test_lines_are_sorted_by_contact_and_unique() -> None:
    header = RECORDS[5]
    assert isinstance(header, SegmentHeader)
    assert [line.contact_id for line in header.lines] == ["C1", "C2"]
    assert header.criteria == ("add: all",)
    with pytest.raises(ValidationError, match="two lines"):
        SegmentHeader(number="S", lines=(SegmentLine(contact_id="C1"),) * 2)


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "Phone Call"},  # a template's code names a type: an identifier
        {"code": "A", "unit_cost": -1},
        {"code": "A", "unit_cost": "NaN"},
        {"code": "A", "information_flow": "sideways"},
    ],
)
def test_templates_that_cannot_be_used_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        InteractionTemplate.model_validate(fields)


def test_codes_cannot_be_blank_or_padded() -> None:
    for code in ("", " ", " JO", "JO "):
        with pytest.raises(ValidationError):
            Salesperson(code=code)


def test_the_state_checks_its_keys_and_setup() -> None:
    with pytest.raises(ValidationError, match="appears twice"):
        MarketingState(salespeople=(Salesperson(code="JO"), Salesperson(code="JO")))
    with pytest.raises(ValidationError, match="not a number series"):
        MarketingState(setup=MarketingSetup(segment_series="SEG"))


def test_two_services_over_one_repository_share_everything() -> None:
    m = world()
    other = Marketing(m.repo)
    created = m.create_segment(description="shared")
    assert other.segment(created.number) == created
    other.add_line(created.number, "C1")
    assert [line.contact_id for line in m.segment(created.number).lines] == ["C1"]  # type: ignore[union-attr]


def test_actions_return_new_records_and_leave_the_old_ones_alone() -> None:
    m = world()
    first = m.create_segment(template="ABSTRACT")
    second = m.add_line(first.number, "C1")
    assert first.lines == () and len(second.lines) == 1
    assert m.create_interaction("ABSTRACT", contact_id="C1", at=datetime(2026, 1, 1, tzinfo=UTC))


# --- text that could not be saved ---------------------------------------------------

TEXT_BASES: dict[type[BaseModel], dict[str, object]] = {
    Salesperson: {"code": "JO"},
    InteractionGroup: {"code": "LETTER"},
    InteractionTemplate: {"code": "ABSTRACT"},
    NumberSeries: {"code": "SEG", "starting_number": "SM00001"},
    MarketingSetup: {},
    SegmentLine: {"contact_id": "C1"},
    CriteriaAction: {"action": "add"},
    SegmentHeader: {"number": "SM00001"},
    LoggedSegment: {"entry_no": 1, "segment_no": "SM00001", "interactions": 0, "created_at": NOW},
    PostponedInteraction: {"id": "7", "template": "ABSTRACT", "contact_id": "C1"},
}
TEXT_CASES = [
    (model, field)
    for model in TEXT_BASES
    for field in sorted(text_fields(model))
]


@pytest.mark.parametrize(
    ("model", "field"), TEXT_CASES, ids=lambda case: getattr(case, "__name__", case)
)
def test_a_lone_surrogate_is_refused_in_every_text_field(
    model: type[BaseModel], field: str
) -> None:
    value = (LONE,) if field == "interaction_ids" else LONE
    assert_refused(model, {**TEXT_BASES[model], field: value}, field)


def test_every_marketing_record_with_text_is_covered() -> None:
    records = {type(record) for record in RECORDS} | {SegmentLine, CriteriaAction}
    assert {model for model in records if text_fields(model)} == set(TEXT_BASES)
    # A slip in text_fields would cover nothing: the ones known to hold text are found.
    assert {"code", "name"} <= text_fields(Salesperson)
    assert {"interaction_ids", "description"} <= text_fields(LoggedSegment)


def test_a_marketing_action_refuses_a_lone_surrogate_and_changes_nothing() -> None:
    m = world()
    before = m.state()
    with pytest.raises(InvalidArgumentError, match=r"name: .*half of a character pair"):
        m.add_salesperson({"code": "ZZ", "name": LONE})
    with pytest.raises(InvalidArgumentError, match=r"description: .*half of a character pair"):
        m.create_interaction("ABSTRACT", contact_id="C1", at=NOW, description=LONE)
    with pytest.raises(InvalidArgumentError, match=r"description: .*half of a character pair"):
        m.create_segment(description=LONE)
    assert m.state() == before
