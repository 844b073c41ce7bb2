"""Copy an in-memory repository into a SqlRepository, record for record."""

from __future__ import annotations

from segmentkit import InMemoryRepository, Segment
from segmentkit.language.names import referenced_segments
from segmentkit.language.parse import parse
from segmentkit.sql import SqlRepository
from segmentkit.storage.builtin_types import BUILTIN_TYPE_NAMES


def copy_into(repo: InMemoryRepository, target: SqlRepository) -> SqlRepository:
    """Everything ``repo`` holds, written through ``target``'s public API."""
    for interaction_type in repo.types().values():
        if interaction_type.name not in BUILTIN_TYPE_NAMES:
            target.register_type(interaction_type)
    if repo.attributes():
        target.declare_attributes(dict(repo.attributes()))
    target.add_contacts(list(repo.contacts()))
    target.add_interactions(list(repo.interactions()))
    _copy_segments(list(repo.segments()), target)
    return target


def _copy_segments(segments: list[Segment], target: SqlRepository) -> None:
    # Live segments may refer only to segments saved (and live) before them:
    # save everything else first, then the live ones, dependencies first.
    live = {s.name: s for s in segments if s.status == "live" and s.query is not None}
    for segment in segments:
        if segment.name not in live:
            target.save_segment(segment)
    done: set[str] = set()

    def save(name: str) -> None:
        if name in done or name not in live:
            return
        done.add(name)
        for dependency in referenced_segments(parse(live[name].query or "")):
            save(dependency)
        target.save_segment(live[name])

    for name in live:
        save(name)
