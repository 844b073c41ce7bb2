"""Interaction log entries: their numbers, and the repository interactions they become."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from segmentkit.marketing.number_series import next_number
from segmentkit.marketing.records import InteractionTemplate, PostponedInteraction
from segmentkit.marketing.state import MarketingState
from segmentkit.models.records import Interaction
from segmentkit.models.values import Value

__all__ = ["entry_from_template", "interaction_of", "take_entry_ids"]


def take_entry_ids(
    state: MarketingState, count: int, taken: Callable[[str], bool]
) -> tuple[list[str], MarketingState]:
    """``count`` new entry numbers, and the state that has used them.

    From the interaction number series when the setup names one, else the
    counter ``1``, ``2``, ... Numbers already taken (by an interaction the
    repository got from elsewhere, or a postponed entry) are skipped, as a
    used number is never given twice. ``NumberSeriesError`` past the end.
    """
    ids: list[str] = []
    code = state.setup.interaction_series
    if code is None:
        number = state.last_entry_no
        while len(ids) < count:
            number += 1
            if not taken(str(number)):
                ids.append(str(number))
        return ids, state.model_copy(update={"last_entry_no": number})
    series = state.series(code)
    assert series is not None  # the state checks that its setup names series it has
    while len(ids) < count:
        text = next_number(series)
        series = series.model_copy(update={"last_used": text})
        if not taken(text):
            ids.append(text)
    return ids, state.with_series(series)


def entry_from_template(
    entry_id: str,
    template: InteractionTemplate,
    *,
    contact_id: str,
    at: datetime | None,
    salesperson: str | None = None,
    description: str | None = None,
    cost: Decimal | None = None,
    duration: Decimal | None = None,
    evaluation: str | None = None,
    attempt_failed: bool = False,
) -> PostponedInteraction:
    """An entry with what was given, the rest from the template (cost, duration, ...)."""
    return PostponedInteraction.model_validate(
        {
            "id": entry_id,
            "template": template.code,
            "contact_id": contact_id,
            "at": at,
            "salesperson": salesperson,
            "group": template.group,
            "description": description if description is not None else template.description,
            "cost": cost if cost is not None else template.unit_cost,
            "duration": duration if duration is not None else template.unit_duration,
            "evaluation": evaluation,
            "attempt_failed": attempt_failed,
            "information_flow": template.information_flow,
            "initiated_by": template.initiated_by,
            "correspondence_type": template.correspondence_type,
        }
    )


def interaction_of(
    entry: PostponedInteraction,
    at: datetime,
    *,
    segment_no: str | None = None,
    logged_segment_no: int | None = None,
) -> Interaction:
    """The repository interaction an entry becomes: its type is the template code.

    Properties that do not apply (no salesperson, no segment) are left out,
    so ``is null`` finds them; ``cost`` and ``duration`` are numbers.
    """
    properties: dict[str, Any] = {
        "template": entry.template,
        "group": entry.group,
        "salesperson": entry.salesperson,
        "cost": float(entry.cost),
        "duration": float(entry.duration),
        "description": entry.description,
        "evaluation": entry.evaluation,
        "information_flow": entry.information_flow,
        "initiated_by": entry.initiated_by,
        "correspondence_type": entry.correspondence_type,
        "attempt_failed": entry.attempt_failed,
        "segment_no": segment_no,
        "logged_segment_no": logged_segment_no,
    }
    present: dict[str, Value] = {k: v for k, v in properties.items() if v is not None}
    return Interaction(
        id=entry.id,
        type=entry.template,
        contact_id=entry.contact_id,
        timestamp=at,
        properties=present,
    )
