"""The marketing tables saved and loaded with the repository (JSON Lines)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marketing_world import NOW, frozen_state, world
from segmentkit import RecordError, evaluate
from segmentkit.io.jsonl import dump_repository, load_repository
from segmentkit.marketing import Marketing


def busy() -> Marketing:
    """A marketing world with something in every table."""
    m = world(interaction_series=True)
    m.create_interaction("ABSTRACT", contact_id="C1", salesperson="JO", at=NOW)
    m.create_interaction("PHONECALL", contact_id="C2", at=NOW, evaluation="positive",
                         postpone=True)
    number = m.create_segment(description="Spring", template="ABSTRACT", salesperson="JO").number
    m.add_contacts(number, "EmailOpened in last 30 days", now=NOW)
    m.set_line_template(number, "C2", "PHONECALL")
    m.log_segment(number, at=NOW, follow_up=True)
    m.cancel_logged_segment(1)
    m.add_line("SM00002", "C5")
    return m


def reloaded(m: Marketing) -> Marketing:
    return Marketing(load_repository(list(dump_repository(m.repo))))


def test_every_table_comes_back_equal() -> None:
    m = busy()
    again = reloaded(m)
    assert frozen_state(again) == frozen_state(m)
    assert again.segment("SM00002") == m.segment("SM00002")
    assert again.postponed() == m.postponed()
    assert again.logged_segments() == m.logged_segments()


def test_work_goes_on_where_it_stopped() -> None:
    m = busy()
    again = reloaded(m)
    for service in (m, again):
        service.resume("IL000020")
        service.create_interaction("ABSTRACT", contact_id="C3", at=NOW + timedelta(hours=1))
        service.log_segment("SM00002", at=NOW + timedelta(days=1), follow_up=True)
    assert frozen_state(again) == frozen_state(m)
    later = NOW + timedelta(days=2)
    query = 'PHONECALL where evaluation = "positive"'
    assert evaluate(query, again.repo, now=later) == evaluate(query, m.repo, now=later) == {"C2"}


def test_a_repository_without_marketing_writes_no_marketing_lines() -> None:
    m = world()
    fresh = load_repository(
        [line for line in dump_repository(m.repo) if '"kind":"contact"' in line]
    )
    assert not any('"kind":"marketing"' in line for line in dump_repository(fresh))
    assert Marketing(fresh).state()["templates"] == []


def lines_of(m: Marketing) -> list[str]:
    return [line.rstrip("\n") for line in dump_repository(m.repo)]


def edited(lines: list[str], kind: str, change: dict[str, object]) -> list[str]:
    out = []
    for line in lines:
        data = json.loads(line)
        if data["kind"] == kind:
            data.update(change)
            line = json.dumps(data)
        out.append(line)
    return out


BROKEN = {
    "a second marketing line": lambda lines: [*lines, '{"kind": "marketing"}'],
    "a duplicate salesperson": lambda lines: [*lines, '{"kind": "salesperson", "code": "JO"}'],
    "a setup naming no series": lambda lines: edited(
        lines, "marketing", {"setup": {"segment_series": "NOPE"}}
    ),
    "a line for an unknown contact": lambda lines: edited(
        lines, "segment_header", {"lines": [{"contact_id": "C99"}]}
    ),
    "a template of an unknown group": lambda lines: [
        *lines, '{"kind": "interaction_template", "code": "FAX", "group": "NOPE"}'
    ],
    "a logged segment of unknown interactions": lambda lines: edited(
        lines, "logged_segment", {"interaction_ids": ["nope"]}
    ),
    "a postponed entry for an unknown contact": lambda lines: edited(
        lines, "postponed_interaction", {"contact_id": "C99"}
    ),
    "a template whose type has other fields": lambda lines: [
        '{"kind": "type", "name": "FAX", "fields": {"x": "text"}}',
        *lines,
        '{"kind": "interaction_template", "code": "FAX"}',
    ],
    "an invalid record": lambda lines: [*lines, '{"kind": "number_series", "code": "X"}'],
}


BLAMED = {
    "a second marketing line": "marketing",
    "a duplicate salesperson": "salesperson",
    "a setup naming no series": "marketing",
    "a line for an unknown contact": "segment_header",
    "a template of an unknown group": "interaction_template",
    "a logged segment of unknown interactions": "logged_segment",
    "a postponed entry for an unknown contact": "postponed_interaction",
    "a template whose type has other fields": "interaction_template",
    "an invalid record": "number_series",
}


@pytest.mark.parametrize("case", BROKEN, ids=BROKEN.keys())
def test_a_broken_marketing_line_is_refused_with_its_line_number(case: str) -> None:
    lines = BROKEN[case](lines_of(busy()))
    with pytest.raises(RecordError) as caught:
        load_repository(lines)
    assert caught.value.line is not None
    assert json.loads(lines[caught.value.line - 1])["kind"] == BLAMED[case]
