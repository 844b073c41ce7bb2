"""Creating interactions from templates; postponing, resuming and deleting them
(WORKFLOWS.md, behaviour 1 and 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketing_world import NOW, frozen_state, world
from segmentkit import Interaction, InteractionType, evaluate
from segmentkit.errors import (
    DuplicateRecordError,
    InvalidArgumentError,
    MarketingError,
    UnknownRecordError,
)
from segmentkit.marketing import TEMPLATE_FIELDS, InteractionTemplate, PostponedInteraction


def test_a_template_registers_an_interaction_type_of_its_name() -> None:
    m = world()
    registered = m.repo.types()["ABSTRACT"]
    assert registered == InteractionType(
        name="ABSTRACT", fields=TEMPLATE_FIELDS, description="Abstract of article"
    )
    assert set(TEMPLATE_FIELDS) >= {
        "template", "group", "salesperson", "cost", "duration", "description", "evaluation",
        "information_flow", "initiated_by", "attempt_failed", "segment_no", "logged_segment_no",
    }
    assert [t.code for t in m.templates()] == ["ABSTRACT", "PHONECALL"]


def test_an_interaction_takes_cost_and_duration_from_its_template() -> None:
    m = world()
    created = m.create_interaction("ABSTRACT", contact_id="C1", salesperson="JO", at=NOW)
    assert created == Interaction(
        id="1",
        type="ABSTRACT",
        contact_id="C1",
        timestamp=NOW,
        properties={
            "template": "ABSTRACT", "group": "LETTER", "salesperson": "JO", "cost": 2.5,
            "duration": 10.0, "description": "Abstract of article",
            "information_flow": "outbound", "initiated_by": "us",
            "correspondence_type": "email", "attempt_failed": False,
        },
    )
    assert created.properties["cost"] == Decimal("2.50")
    assert m.repo.get_interaction("1") == created
    assert evaluate("ABSTRACT", m.repo, now=NOW) == {"C1"}


def test_given_values_win_over_the_template() -> None:
    m = world()
    created = m.create_interaction(
        "PHONECALL", contact_id="C2", at=NOW, description="Called about the offer",
        cost=Decimal("3.10"), duration=12, evaluation="Very Positive", attempt_failed=True,
    )
    assert created.properties["description"] == "Called about the offer"
    assert created.properties["cost"] == 3.1
    assert created.properties["duration"] == 12.0
    assert created.properties["evaluation"] == "very positive"
    assert created.properties["attempt_failed"] is True
    assert "salesperson" not in created.properties  # none given: absent, so "is null"
    assert evaluate("PHONECALL where salesperson is null", m.repo, now=NOW) == {"C2"}


def test_entry_numbers_count_up_in_order_of_creation() -> None:
    m = world()
    ids = [m.create_interaction("ABSTRACT", contact_id=c, at=NOW).id for c in ("C1", "C2", "C3")]
    assert ids == ["1", "2", "3"]


def test_entry_numbers_come_from_the_interaction_series_when_one_is_set_up() -> None:
    m = world(interaction_series=True)
    ids = [m.create_interaction("ABSTRACT", contact_id=c, at=NOW).id for c in ("C1", "C2")]
    assert ids == ["IL000010", "IL000020"]
    assert m.number_series("INT").last_used == "IL000020"  # type: ignore[union-attr]


def test_a_number_already_used_by_another_interaction_is_skipped() -> None:
    m = world()
    m.repo.add_interactions(
        [{"id": "1", "type": "EmailOpened", "contact_id": "C5", "timestamp": NOW,
          "properties": {"messageId": "m2"}}]
    )
    assert m.create_interaction("ABSTRACT", contact_id="C1", at=NOW).id == "2"


def test_an_interaction_created_from_another_copies_contact_template_and_salesperson() -> None:
    m = world()
    first = m.create_interaction("PHONECALL", contact_id="C3", salesperson="AB", at=NOW)
    later = NOW + timedelta(days=1)
    again = m.create_interaction(from_entry=first.id, at=later, evaluation="positive")
    assert (again.type, again.contact_id, again.properties["salesperson"]) == (
        "PHONECALL", "C3", "AB"
    )
    assert again.timestamp == later
    other = m.create_interaction("ABSTRACT", from_entry=first.id, salesperson="JO", at=later)
    assert (other.type, other.contact_id, other.properties["salesperson"]) == (
        "ABSTRACT", "C3", "JO"
    )
    query = 'PHONECALL where evaluation = "positive" at least 1 time in last 30 days'
    assert evaluate(query, m.repo, now=later) == {"C3"}


def test_a_template_query_counts_the_interactions() -> None:
    m = world()
    for day in (1, 2):
        m.create_interaction("PHONECALL", contact_id="C4", at=NOW - timedelta(days=day),
                             evaluation="positive")
    m.create_interaction("PHONECALL", contact_id="C5", at=NOW, evaluation="negative")
    query = 'PHONECALL where evaluation = "positive" at least 2 times in last 30 days'
    assert evaluate(query, m.repo, now=NOW) == {"C4"}


# -- postponed (behaviour 2) ----------------------------------------------------------


def test_a_postponed_interaction_is_kept_and_counts_in_no_query() -> None:
    m = world()
    postponed = m.create_interaction(
        "PHONECALL", contact_id="C4", salesperson="JO", at=NOW, evaluation="neutral",
        postpone=True,
    )
    assert isinstance(postponed, PostponedInteraction)
    assert (postponed.id, postponed.template, postponed.contact_id) == ("1", "PHONECALL", "C4")
    assert (postponed.cost, postponed.duration, postponed.evaluation) == (
        Decimal("0.75"), Decimal("4.5"), "neutral"
    )
    assert m.postponed() == [postponed]
    assert evaluate("PHONECALL", m.repo, now=NOW + timedelta(days=1)) == set()
    assert m.repo.get_interaction("1") is None


def test_resuming_records_it_with_the_time_given_or_the_one_entered() -> None:
    m = world()
    entered = m.create_interaction("PHONECALL", contact_id="C4", at=NOW, postpone=True)
    undated = m.create_interaction("ABSTRACT", contact_id="C5", postpone=True)
    assert undated.at is None
    first = m.resume(entered.id)
    later = NOW + timedelta(hours=3)
    second = m.resume(undated.id, at=later)
    assert (first.id, first.timestamp, first.type) == ("1", NOW, "PHONECALL")
    assert (second.id, second.timestamp, second.type) == ("2", later, "ABSTRACT")
    assert m.postponed() == []
    assert evaluate("PHONECALL or ABSTRACT", m.repo, now=later) == {"C4", "C5"}
    assert m.create_interaction("ABSTRACT", contact_id="C1", at=NOW).id == "3"


def test_deleting_a_postponed_interaction_keeps_its_number_used() -> None:
    m = world()
    postponed = m.create_interaction("PHONECALL", contact_id="C4", at=NOW, postpone=True)
    assert m.delete_postponed(postponed.id) == postponed
    assert m.postponed() == []
    assert m.create_interaction("ABSTRACT", contact_id="C1", at=NOW).id == "2"


def test_resuming_or_deleting_what_is_not_postponed_is_an_error_that_changes_nothing() -> None:
    m = world()
    recorded = m.create_interaction("ABSTRACT", contact_id="C1", at=NOW)
    postponed = m.create_interaction("ABSTRACT", contact_id="C2", postpone=True)
    before = frozen_state(m)
    with pytest.raises(MarketingError, match="recorded already"):
        m.resume(recorded.id)
    with pytest.raises(MarketingError, match="not postponed"):
        m.delete_postponed("nope")
    with pytest.raises(MarketingError, match="no time"):
        m.resume(postponed.id)  # postponed without a time, resumed without one
    assert frozen_state(m) == before


# -- misuse --------------------------------------------------------------------------

MISUSES = {
    "unknown template": (dict(template="ABSTRCT", contact_id="C1", at=NOW), UnknownRecordError),
    "unknown contact": (dict(template="ABSTRACT", contact_id="C9", at=NOW), UnknownRecordError),
    "unknown salesperson": (
        dict(template="ABSTRACT", contact_id="C1", salesperson="XX", at=NOW), UnknownRecordError
    ),
    "no template": (dict(contact_id="C1", at=NOW), MarketingError),
    "no contact": (dict(template="ABSTRACT", at=NOW), MarketingError),
    "no time": (dict(template="ABSTRACT", contact_id="C1"), InvalidArgumentError),
    "naive time": (
        dict(template="ABSTRACT", contact_id="C1", at=datetime(2026, 4, 1)), InvalidArgumentError
    ),
    "bad evaluation": (
        dict(template="ABSTRACT", contact_id="C1", at=NOW, evaluation="great"),
        InvalidArgumentError,
    ),
    "negative cost": (
        dict(template="ABSTRACT", contact_id="C1", at=NOW, cost=-1), InvalidArgumentError
    ),
    "unknown entry": (dict(from_entry="nope", at=NOW), UnknownRecordError),
}


@pytest.mark.parametrize(("arguments", "error"), MISUSES.values(), ids=MISUSES.keys())
def test_a_misused_creation_raises_and_changes_nothing(
    arguments: dict[str, object], error: type[Exception]
) -> None:
    m = world()
    before = frozen_state(m)
    with pytest.raises(error):
        m.create_interaction(**arguments)  # type: ignore[call-overload]
    if "at" in arguments:  # a postponed interaction may wait for its time
        with pytest.raises(error):
            m.create_interaction(**arguments, postpone=True)  # type: ignore[call-overload]
    assert frozen_state(m) == before


def test_an_unknown_template_suggests_the_close_one() -> None:
    with pytest.raises(UnknownRecordError, match="did you mean 'ABSTRACT'") as caught:
        world().create_interaction("ABSTRCT", contact_id="C1", at=NOW)
    assert (caught.value.kind, caught.value.key) == ("interaction template", "ABSTRCT")
    assert caught.value.suggestions == ["ABSTRACT"]


def test_setup_records_are_refused_twice_and_when_they_name_what_is_not_there() -> None:
    m = world()
    before = frozen_state(m)
    with pytest.raises(DuplicateRecordError, match="salesperson 'JO'"):
        m.add_salesperson({"code": "JO"})
    with pytest.raises(DuplicateRecordError):
        m.add_interaction_group({"code": "LETTER"})
    with pytest.raises(DuplicateRecordError):
        m.add_template(InteractionTemplate(code="ABSTRACT"))
    with pytest.raises(DuplicateRecordError, match="interaction type 'EmailOpened'"):
        m.add_template(InteractionTemplate(code="EmailOpened"))  # a built-in type's name
    with pytest.raises(DuplicateRecordError):
        m.add_number_series({"code": "SEG", "starting_number": "X1"})
    with pytest.raises(UnknownRecordError, match="interaction group"):
        m.add_template(InteractionTemplate(code="MEETING", group="MEET"))
    with pytest.raises(UnknownRecordError, match="number series"):
        m.set_setup({"segment_series": "NOPE"})
    with pytest.raises(InvalidArgumentError, match="salesperson"):
        m.add_salesperson({"code": ""})
    with pytest.raises(InvalidArgumentError):
        m.add_salesperson("JO")  # type: ignore[arg-type]
    assert frozen_state(m) == before
    assert "MEETING" not in m.repo.types()


def test_a_removed_template_keeps_its_interactions_counting() -> None:
    m = world()
    m.create_interaction("PHONECALL", contact_id="C1", at=NOW)
    removed = m.remove_template("PHONECALL")
    assert removed.code == "PHONECALL"
    assert [t.code for t in m.templates()] == ["ABSTRACT"]
    assert evaluate("PHONECALL", m.repo, now=NOW) == {"C1"}
    with pytest.raises(UnknownRecordError):
        m.create_interaction("PHONECALL", contact_id="C1", at=NOW)


def test_marketing_needs_a_repository() -> None:
    from segmentkit.marketing import Marketing

    with pytest.raises(InvalidArgumentError):
        Marketing("repo")  # type: ignore[arg-type]


def test_times_keep_their_zone() -> None:
    m = world()
    local = datetime(2026, 4, 1, 14, 0, tzinfo=UTC).astimezone()
    assert m.create_interaction("ABSTRACT", contact_id="C1", at=local).timestamp == local
