"""Build a ``store.Snapshot`` straight from models, for evaluator tests.

This keeps the evaluator's tests independent of the repository module: the
snapshot is laid out exactly as ``store`` documents (contacts interned to
positions, one ``InteractionLog`` per type). Records are validated by the
models only; tests own the consistency of what they build.

The JSON Lines format is the one ``segmentkit.io.jsonl`` reads: one object a line
tagged with ``kind`` ("type", "contact", "interaction", "segment"); blank lines
and ``#`` comment lines are skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.storage.store import InteractionLog, Snapshot, to_microseconds


def build_snapshot(
    contacts: Iterable[Contact],
    interactions: Iterable[Interaction] = (),
    types: Iterable[InteractionType] = (),
    segments: Iterable[Segment] = (),
) -> Snapshot:
    contact_list = list(contacts)
    ids = [contact.id for contact in contact_list]
    positions = {contact_id: index for index, contact_id in enumerate(ids)}
    type_map = {itype.name: itype for itype in types}
    by_type: dict[str, list[Interaction]] = defaultdict(list)
    for record in interactions:
        by_type[record.type].append(record)
    logs = {}
    for name, records in by_type.items():
        references = tuple(sorted(type_map[name].contact_references))
        log = InteractionLog(references)
        log.add(
            (
                to_microseconds(record.timestamp),
                positions[record.contact_id],
                record,
                tuple(_reference_position(record, field, positions) for field in references),
            )
            for record in records
        )
        logs[name] = log.view()
    return Snapshot(
        contacts=tuple(contact_list),
        contact_ids=tuple(ids),
        positions=positions,
        logs=logs,
        types=type_map,
        segments={segment.name: segment for segment in segments},
    )


def _reference_position(record: Interaction, field: str, positions: dict[str, int]) -> int:
    value = record.properties.get(field)
    return positions.get(value, -1) if isinstance(value, str) else -1


def read_dataset(path: Path) -> dict[str, list[Any]]:
    """The records of a kind-tagged JSON Lines file, grouped by kind."""
    kinds: dict[str, Any] = {
        "type": InteractionType,
        "contact": Contact,
        "interaction": Interaction,
        "segment": Segment,
    }
    grouped: dict[str, list[Any]] = {kind: [] for kind in kinds}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        data = json.loads(line)
        kind = data.pop("kind")
        grouped[kind].append(kinds[kind].model_validate(data))
    return grouped


def snapshot_from_file(path: Path) -> Snapshot:
    records = read_dataset(path)
    return build_snapshot(
        records["contact"], records["interaction"], records["type"], records["segment"]
    )
