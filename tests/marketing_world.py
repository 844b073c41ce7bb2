"""A small marketing world for the tests of ``segmentkit.marketing``: the example of
WORKFLOWS.md's API section, on five contacts with some e-mail history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from segmentkit import InMemoryRepository
from segmentkit.marketing import (
    InteractionGroup,
    InteractionTemplate,
    Marketing,
    MarketingSetup,
    NumberSeries,
    Salesperson,
)

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
CONTACTS = ("C1", "C2", "C3", "C4", "C5")
# C1 opened 3 times, C2 once, C3 clicked, C4 and C5 did nothing.
HISTORY = (
    ("e1", "EmailOpened", "C1", 1),
    ("e2", "EmailOpened", "C1", 2),
    ("e3", "EmailOpened", "C1", 3),
    ("e4", "EmailOpened", "C2", 5),
    ("e5", "EmailClicked", "C3", 5),
)


def history_record(record_id: str, type_name: str, contact: str, days_ago: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"messageId": "m1"}
    if type_name == "EmailClicked":
        properties["linkUrl"] = "https://contoso.com/pricing"
    return {
        "id": record_id,
        "type": type_name,
        "contact_id": contact,
        "timestamp": NOW - timedelta(days=days_ago),
        "properties": properties,
    }


def world(*, segment_series: bool = True, interaction_series: bool = False) -> Marketing:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": contact} for contact in CONTACTS])
    repo.add_interactions([history_record(*row) for row in HISTORY])
    m = Marketing(repo)
    m.add_salesperson(Salesperson(code="JO", name="Jim Olive"))
    m.add_salesperson(Salesperson(code="AB", name="Annette Hill"))
    m.add_interaction_group(InteractionGroup(code="LETTER", description="Letters"))
    m.add_interaction_group(InteractionGroup(code="PHONE", description="Phone calls"))
    m.add_template(
        InteractionTemplate(
            code="ABSTRACT", description="Abstract of article", group="LETTER",
            unit_cost=Decimal("2.50"), unit_duration=10, information_flow="outbound",
            initiated_by="us", correspondence_type="email",
        )
    )
    m.add_template(
        InteractionTemplate(
            code="PHONECALL", description="Phone call", group="PHONE",
            unit_cost=Decimal("0.75"), unit_duration=Decimal("4.5"),
            information_flow="outbound", initiated_by="us",
        )
    )
    m.add_number_series(
        NumberSeries(code="SEG", starting_number="SM00001", increment=1, ending_number="SM99999")
    )
    m.add_number_series(NumberSeries(code="INT", starting_number="IL000010", increment=10))
    m.set_setup(
        MarketingSetup(
            segment_series="SEG" if segment_series else None,
            interaction_series="INT" if interaction_series else None,
        )
    )
    return m


def frozen_state(m: Marketing) -> str:
    """``m.state()`` as one text, so that two states compare by every detail."""
    return json.dumps(m.state(), sort_keys=True)
