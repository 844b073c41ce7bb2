"""The marketing tables in JSON Lines: one line per record, like everything else.

Kinds: ``salesperson``, ``interaction_group``, ``interaction_template``,
``number_series``, ``marketing`` (the setup and the entry counter, at most
one line), ``segment_header`` (an open segment with its lines and criteria
history), ``postponed_interaction`` and ``logged_segment``. The
interactions themselves are ``interaction`` lines, and each template's
interaction type a ``type`` line.

Loading checks what a file could get wrong that ``Marketing`` would not
let happen: duplicate codes, a setup naming a missing series, records
naming contacts, salespeople, groups or interactions that do not exist.
Each refusal names the line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from segmentkit.errors import RecordError
from segmentkit.marketing import (
    TEMPLATE_FIELDS,
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    MarketingSetup,
    MarketingState,
    NumberSeries,
    PostponedInteraction,
    Salesperson,
    SegmentHeader,
)
from segmentkit.marketing.state import EXTENSION_NAME
from segmentkit.models.records import InteractionType
from segmentkit.repository import InMemoryRepository

if TYPE_CHECKING:
    from segmentkit.io.jsonl import Line

__all__ = ["MARKETING_KINDS", "MarketingLine", "load_marketing", "marketing_records"]


class MarketingLine(BaseModel):
    """The ``marketing`` line: the setup and the last counter entry number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    setup: MarketingSetup = MarketingSetup()
    last_entry_no: int = 0


# kind -> (model, the MarketingState field its records go to, their key)
_TABLES: dict[str, tuple[type[BaseModel], str, str]] = {
    "salesperson": (Salesperson, "salespeople", "code"),
    "interaction_group": (InteractionGroup, "interaction_groups", "code"),
    "interaction_template": (InteractionTemplate, "templates", "code"),
    "number_series": (NumberSeries, "number_series", "code"),
    "segment_header": (SegmentHeader, "segments", "number"),
    "postponed_interaction": (PostponedInteraction, "postponed", "id"),
    "logged_segment": (LoggedSegment, "logged_segments", "entry_no"),
}
MARKETING_KINDS: dict[str, type[BaseModel]] = {
    **{kind: model for kind, (model, _, _) in _TABLES.items()},
    "marketing": MarketingLine,
}
_KIND_OF = {model: kind for kind, model in MARKETING_KINDS.items()}


def marketing_records(repo: InMemoryRepository) -> Iterator[tuple[str, BaseModel]]:
    """``(kind, record)`` for every marketing record of the repository, tables in order."""
    state = repo.extension_state(EXTENSION_NAME)
    if not isinstance(state, MarketingState):
        return
    yield "marketing", MarketingLine(setup=state.setup, last_entry_no=state.last_entry_no)
    for kind, (_, field, _) in _TABLES.items():
        for record in getattr(state, field):
            yield kind, record


def load_marketing(
    lines: list[Line[Any]],
    repo: InMemoryRepository,
    error: Callable[[int, str], RecordError],
) -> None:
    """Check the marketing lines of a file against each other and the repository, then keep them."""
    if not lines:
        return
    tables: dict[str, list[Any]] = {field: [] for _, field, _ in _TABLES.values()}
    line_of: dict[int, int] = {}
    header: Line[Any] | None = None
    seen: dict[tuple[str, object], int] = {}
    for line in lines:
        kind = _KIND_OF[type(line.record)]
        line_of[id(line.record)] = line.number
        if kind == "marketing":
            if header is not None:
                first = header.number
                raise error(line.number, f'a second "marketing" line (the first is {first})')
            header = line
            continue
        _, field, key_name = _TABLES[kind]
        key = getattr(line.record, key_name)
        first = seen.setdefault((kind, key), line.number)
        if first != line.number:
            raise error(line.number, f"{kind} {key!r} is already on line {first}")
        tables[field].append(line.record)
    counters = header.record if header is not None else MarketingLine()
    for role in ("segment_series", "interaction_series"):
        code = getattr(counters.setup, role)
        if code is not None and not any(s.code == code for s in tables["number_series"]):
            where = header.number if header is not None else lines[0].number
            raise error(where, f"the setup's {role} {code!r} is not a number series of the file")
    state = MarketingState.model_validate(
        {**tables, "setup": counters.setup, "last_entry_no": counters.last_entry_no}
    )
    for record, reason in _dangling(state, repo):
        raise error(line_of[id(record)], reason)
    for template in state.templates:
        try:
            repo.register_type(
                InteractionType(name=template.code, fields=TEMPLATE_FIELDS,
                                description=template.description)
            )
        except RecordError:
            raise error(
                line_of[id(template)],
                f"interaction type {template.code!r} has other fields than a template's",
            ) from None
    repo.set_extension_state(EXTENSION_NAME, state)


def _dangling(state: MarketingState, repo: InMemoryRepository) -> Iterator[tuple[Any, str]]:
    """Records that name something the file does not hold."""
    recorded: set[str] = set()
    if state.postponed or state.logged_segments:
        for view in repo.snapshot().logs.values():
            recorded.update(view.ids[: view.length])
    for template in state.templates:
        if template.group is not None and state.group(template.group) is None:
            yield template, f"template {template.code!r} names no known group {template.group!r}"
    for segment in state.segments:
        if segment.salesperson is not None and state.salesperson(segment.salesperson) is None:
            yield segment, f"segment {segment.number!r} names no known salesperson"
        for line in segment.lines:
            if repo.get_contact(line.contact_id) is None:
                yield segment, f"segment {segment.number!r} has a line for unknown contact " \
                    f"{line.contact_id!r}"
    for entry in state.postponed:
        if repo.get_contact(entry.contact_id) is None:
            yield entry, f"postponed interaction {entry.id!r} names unknown contact " \
                f"{entry.contact_id!r}"
        if entry.salesperson is not None and state.salesperson(entry.salesperson) is None:
            yield entry, f"postponed interaction {entry.id!r} names no known salesperson"
        if entry.id in recorded:
            yield entry, f"postponed interaction {entry.id!r} is also a recorded interaction"
    for logged in state.logged_segments:
        missing = [i for i in logged.interaction_ids if i not in recorded]
        if missing:
            yield logged, f"logged segment {logged.entry_no} names unknown interactions " \
                f"{missing[:3]!r}"
