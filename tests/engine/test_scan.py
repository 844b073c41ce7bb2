"""A window's records that pass a restriction (``engine.scan``), whichever
way they are picked: codes that fit a byte are translated in one pass, wider
ones looked up; canceled records never pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segmentkit import InMemoryRepository, InteractionType, evaluate, parse
from segmentkit.engine.compare import compile_restriction
from segmentkit.language.ast import InteractionCondition

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("distinct", [3, 255, 256, 257, 700])
def test_records_pass_alike_whatever_the_number_of_values(distinct: int) -> None:
    repo = InMemoryRepository()
    repo.register_type(InteractionType(name="Seen", fields={"page": "text", "n": "number"}))
    repo.add_contacts([{"id": f"c{n}"} for n in range(50)])
    records = [
        {"id": f"r{i}", "type": "Seen", "contact_id": f"c{(i * 7) % 50}",
         "timestamp": NOW - timedelta(minutes=i + 1),
         "properties": {"page": f"p{(i * 13) % distinct}", "n": i % 9}}
        for i in range(max(2 * distinct, 400))
    ]
    repo.add_interactions(records)
    repo.cancel_interactions([f"r{i}" for i in range(0, len(records), 11)])
    snapshot = repo.snapshot()
    log = snapshot.log("Seen")
    for text in ('Seen where (not page = "p1")', 'Seen where page ends with "7"',
                 'Seen where (page > "p5" or n = 3) in last 3 days', 'Seen where n >= 4'):
        parsed = parse(text)
        assert isinstance(parsed, InteractionCondition) and parsed.where is not None
        holds = compile_restriction(parsed.where, tz=UTC)
        start = None if "last" not in text else NOW - timedelta(days=3)
        expected = {
            record.contact_id for record in log.records
            if not record.canceled and holds(record.properties) is True
            and (start is None or record.timestamp >= start)
        }
        assert evaluate(text, snapshot, now=NOW) == expected, text
