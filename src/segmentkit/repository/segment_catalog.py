"""The saved segments and their lifecycle, as one immutable value.

A ``SegmentCatalog`` never changes: saving a segment, putting it live or
stopping it returns a new catalog, or raises and leaves the old one as it
was. So the repository swaps one reference per change, a snapshot holds the
catalog it was taken with, and a transaction's savepoint is that reference.

The rules (API.md, "Segment lifecycle"): only a live segment has members;
a live segment's query is checked (syntax, names, cycles) and may refer
only to live segments; a draft may hold anything, checked when it goes
live; a segment that a live segment refers to cannot stop being live.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from segmentkit.errors import (
    InvalidArgumentError,
    RecordError,
    SegmentCycleError,
    SegmentStatusError,
)
from segmentkit.language.ast import Query
from segmentkit.language.names import check_names, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.repository.segment_graph import cycle_through
from segmentkit.storage.validation import did_you_mean

__all__ = ["SegmentCatalog", "status_words"]


def status_words(name: str, status: str) -> str:
    """``segment 'X' is a draft`` / ``... is stopped``, for messages."""
    return f"segment {name!r} is " + ("a draft" if status == "draft" else status)


@dataclass(frozen=True, slots=True)
class SegmentCatalog:
    """Saved segments by name (in the order first saved), with what evaluation needs.

    ``parsed`` and ``references`` hold the parsed query and the segments it
    names, for the live dynamic segments only: the graph in which cycles
    are looked for is the graph of what can be evaluated.
    """

    segments: Mapping[str, Segment] = field(default_factory=lambda: MappingProxyType({}))
    parsed: Mapping[str, Query] = field(default_factory=lambda: MappingProxyType({}))
    references: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def restored(cls, segments: Iterable[Segment]) -> SegmentCatalog:
        """A catalog of segments that passed these checks when they were saved
        (read back from a database): parsed again, not checked again."""
        by_name: dict[str, Segment] = {}
        parsed: dict[str, Query] = {}
        references: dict[str, tuple[str, ...]] = {}
        for segment in segments:
            by_name[segment.name] = segment
            if segment.status == "live" and segment.query is not None:
                parsed[segment.name] = query = parse(segment.query)
                references[segment.name] = tuple(referenced_segments(query))
        return cls(
            MappingProxyType(by_name), MappingProxyType(parsed), MappingProxyType(references)
        )

    def get(self, name: object) -> Segment | None:
        return self.segments.get(name) if isinstance(name, str) else None

    def saved(
        self,
        segment: Segment,
        *,
        types: Mapping[str, InteractionType],
        contacts: Container[str],
        attributes: Mapping[str, FieldKind] | None = None,
    ) -> SegmentCatalog:
        """The catalog with ``segment`` created or replaced by name."""
        if segment.members is not None:
            unknown = list(dict.fromkeys(m for m in segment.members if m not in contacts))
            if unknown:
                shown = ", ".join(repr(m) for m in unknown[:5])
                more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
                raise RecordError(
                    f"the segment lists contacts that do not exist: {shown}{more}",
                    record_id=segment.name,
                )
        if segment.status == "live":
            return self._with_live(segment, types, attributes)
        self._refuse_while_referenced(segment.name, segment.status)
        return self._with(segment, None, ())

    def went_live(
        self,
        name: str,
        *,
        types: Mapping[str, InteractionType],
        attributes: Mapping[str, FieldKind] | None = None,
    ) -> tuple[SegmentCatalog, Segment]:
        """The catalog with segment ``name`` live, after the checks a live segment passes."""
        segment = self._existing(name)
        if segment.status == "live":
            return self, segment
        live = segment.model_copy(update={"status": "live"})
        return self._with_live(live, types, attributes), live

    def stopped(self, name: str) -> tuple[SegmentCatalog, Segment]:
        """The catalog with live segment ``name`` stopped."""
        segment = self._existing(name)
        if segment.status == "stopped":
            return self, segment
        if segment.status == "draft":
            raise SegmentStatusError(
                f"{status_words(name, 'draft')}: only a live segment can be stopped",
                segment=name,
                status=segment.status,
                argument="name",
            )
        self._refuse_while_referenced(name, "stopped")
        stopped = segment.model_copy(update={"status": "stopped"})
        return self._with(stopped, None, ()), stopped

    def live_referrers(self, name: str) -> list[str]:
        """The live segments whose queries name segment ``name`` (not itself)."""
        return [
            referrer
            for referrer, names in self.references.items()
            if referrer != name and name in names
        ]

    # -- internals -------------------------------------------------------------------

    def _existing(self, name: object) -> Segment:
        segment = self.get(name)
        if segment is None:
            raise InvalidArgumentError(
                f"no segment named {name!r} is saved"
                + (did_you_mean(name, self.segments) if isinstance(name, str) else ""),
                argument="name",
            )
        return segment

    def _with_live(
        self,
        segment: Segment,
        types: Mapping[str, InteractionType],
        attributes: Mapping[str, FieldKind] | None = None,
    ) -> SegmentCatalog:
        if segment.query is None:
            return self._with(segment, None, ())
        text = segment.query
        parsed = parse(text)
        # The segment itself is known to the check so that a reference to
        # itself is reported as the cycle it is, not as an unknown name.
        known = {**self.segments, segment.name: segment}
        check_names(parsed, types=types, segments=known, text=text, attributes=attributes)
        references = tuple(referenced_segments(parsed))
        for name in references:
            status = self.segments[name].status if name != segment.name else "live"
            if status != "live":
                raise SegmentStatusError(
                    f"segment {segment.name!r} refers to {name!r}, but {status_words(name, status)}"
                    f"; a live segment may refer only to live segments: put {name!r} live first",
                    segment=name,
                    status=status,
                )
        cycle = cycle_through(segment.name, references, self.references)
        if cycle is not None:
            raise SegmentCycleError(cycle)
        return self._with(segment, parsed, references)

    def _refuse_while_referenced(self, name: str, new_status: str) -> None:
        referrers = self.live_referrers(name)
        if referrers:
            shown = ", ".join(repr(r) for r in referrers)
            action = f"stop {name!r}" if new_status == "stopped" else f"make {name!r} a draft"
            several = len(referrers) > 1
            raise SegmentStatusError(
                f"cannot {action}: the live segment{'s' if several else ''} {shown} "
                f"refer{'' if several else 's'} to it; stop or change "
                f"{'them' if several else 'it'} first",
                segment=name,
                status=self.segments[name].status,
                referrers=referrers,
                argument="name",
            )

    def _with(
        self, segment: Segment, parsed: Query | None, references: tuple[str, ...]
    ) -> SegmentCatalog:
        name = segment.name
        segments = {**self.segments, name: segment}
        parsed_by_name = {k: v for k, v in self.parsed.items() if k != name}
        references_by_name = {k: v for k, v in self.references.items() if k != name}
        if parsed is not None:
            parsed_by_name[name] = parsed
            references_by_name[name] = references
        return SegmentCatalog(
            MappingProxyType(segments),
            MappingProxyType(parsed_by_name),
            MappingProxyType(references_by_name),
        )
