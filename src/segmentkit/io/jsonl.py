"""Read contacts, interactions, segments and interaction types from JSON Lines.

One record per line, tagged with ``kind`` (the interaction is wrapped here only)::

    {"kind": "contact", "id": "C001", "attributes": {"signup": {"$date": "2026-01-05"}}}
    {"kind": "interaction", "id": "I1", "type": "EmailOpened", "contact_id": "C001",
     "timestamp": "2026-10-30T09:00:00Z", "properties": {"messageId": "m1"}}
    {"kind": "segment", "name": "Engaged", "query": "EmailOpened in last 30 days"}
    {"kind": "type", "name": "PhoneCall", "fields": {"outcome": "text"}}
    {"kind": "attributes", "attributes": {"country": "text", "signup": "date"}}

The marketing tables (``segmentkit.marketing``) have kinds of their own,
described in ``segmentkit.io.marketing_lines``.

Blank lines and lines whose first non-blank character is ``#`` are skipped,
so a data file can carry comments. Every other line must be one JSON object.
Date values inside ``attributes``/``properties`` use the encoding of
``segmentkit.models.values`` (``{"$date": ...}``); an ISO string for a declared date
or datetime field of an interaction type is converted by the repository.

Every refusal is a ``RecordError`` whose message starts with the file name
and the 1-based line number, the one thing a person fixing a data file needs.
``dump_repository`` writes the same format back out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from segmentkit.errors import (
    InvalidArgumentError,
    RecordError,
    SegmentCycleError,
    SegmentKitError,
)
from segmentkit.io.marketing_lines import MARKETING_KINDS, load_marketing, marketing_records
from segmentkit.io.progress import Progress, counted_file, counted_lines, counted_text
from segmentkit.language.names import referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.text import SavableStr, describe_problem
from segmentkit.models.values import FieldKind
from segmentkit.repository import InMemoryRepository
from segmentkit.storage.builtin_types import BUILTIN_TYPE_NAMES

__all__ = [
    "Line",
    "Records",
    "dump_repository",
    "load_jsonl",
    "load_repository",
    "read_jsonl_text",
    "record_line",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_PLURAL = {"type": "types", "contact": "contacts", "interaction": "interactions",
           "segment": "segments", "attributes": "attributes",
           **dict.fromkeys(MARKETING_KINDS, "marketing")}
class AttributeDeclaration(BaseModel):
    """The ``attributes`` line: declared kinds of contact attributes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attributes: dict[SavableStr, FieldKind]


_KINDS: dict[str, type[BaseModel]] = {
    "type": InteractionType,
    "attributes": AttributeDeclaration,
    "contact": Contact,
    "interaction": Interaction,
    "segment": Segment,
    **MARKETING_KINDS,
}


@dataclass(frozen=True, slots=True)
class Line(Generic[ModelT]):
    """A validated record and the 1-based line it came from."""

    number: int
    record: ModelT


@dataclass(slots=True)
class Records:
    """The records of one JSON Lines source, grouped by kind, in file order."""

    source: str
    types: list[Line[InteractionType]] = field(default_factory=list)
    contacts: list[Line[Contact]] = field(default_factory=list)
    interactions: list[Line[Interaction]] = field(default_factory=list)
    segments: list[Line[Segment]] = field(default_factory=list)
    attributes: list[Line[AttributeDeclaration]] = field(default_factory=list)
    marketing: list[Line[BaseModel]] = field(default_factory=list)

    def error(self, number: int, reason: str, *, record_id: str | None = None) -> RecordError:
        """A RecordError that names this source and line ``number``."""
        return line_error(self.source, number, reason, record_id=record_id)


def line_error(
    source: str, number: int, reason: str, *, record_id: str | None = None
) -> RecordError:
    """A RecordError whose message leads with ``source, line N:``."""
    return RecordError(reason, source=source, line=number, record_id=record_id)


def load_jsonl(
    source: str | os.PathLike[str] | Iterable[str | bytes],
    *, name: str | None = None, progress: Progress | None = None,
) -> Records:
    """Read and validate every record of a JSON Lines file (a path) or of lines.

    A ``str`` is always a path; for a document already in memory use
    ``read_jsonl_text``, or pass its lines.

    ``name`` is what error messages call the source (default: the path, or
    ``"<lines>"``). Raises ``RecordError`` naming the line of the first bad
    record; ``OSError`` when the file cannot be read.

    ``progress(done, total)`` (``segmentkit.io.progress``) is told the bytes
    read so far; ``total`` is the file's size, None for lines.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            handle = path.open("rb")
        except ValueError as error:  # e.g. a NUL byte in the path: no file can have it
            raise InvalidArgumentError(f"cannot open {str(path)!r}: {error}") from None
        with handle:
            return _read(counted_file(handle, progress), name or str(path))
    if not isinstance(source, Iterable):
        raise InvalidArgumentError(
            f"expected a path or lines of text, not {type(source).__name__}", argument="source"
        )
    return _read(counted_lines(source, progress), name or "<lines>")


def read_jsonl_text(
    text: str, *, name: str = "<text>", progress: Progress | None = None
) -> Records:
    """Read records from the whole text of a JSON Lines document (``progress``
    as for ``load_jsonl``, in bytes of the text in UTF-8)."""
    # Only "\n" ends a line, as when reading a file: str.splitlines() would also
    # split at U+2028 and friends, which JSON allows raw inside strings.
    return _read(counted_text(text.split("\n"), progress), name)


def _read(lines: Iterable[str | bytes], source: str) -> Records:
    records = Records(source)
    for number, raw in enumerate(lines, start=1):
        text = _decode(raw, source, number)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        kind, record = _record(stripped, source, number)
        getattr(records, _PLURAL[kind]).append(Line(number, record))
    return records


def _decode(raw: object, source: str, number: int) -> str:
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, (bytes, bytearray)):
        raise line_error(source, number, f"expected a line of text, not {type(raw).__name__}")
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        raise line_error(source, number, f"not UTF-8 text ({error.reason})") from None


def _record(text: str, source: str, number: int) -> tuple[str, BaseModel]:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise line_error(source, number, "the JSON is nested too deeply") from None
    except ValueError as error:
        # json.JSONDecodeError and the int-size limit are both ValueErrors.
        raise line_error(source, number, f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise line_error(source, number, "expected one JSON object {...} on the line")
    kind = data.pop("kind", None)
    if kind is None:
        raise line_error(
            source, number, 'the record has no "kind" (one of: ' + ", ".join(_KINDS) + ")"
        )
    model = _KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise line_error(
            source, number, f'unknown "kind" {kind!r}: use one of ' + ", ".join(_KINDS)
        )
    try:
        record = model.model_validate(data)
    except ValidationError as error:
        found = data.get("id", data.get("name"))
        record_id = found if isinstance(found, str) else None
        which = f"this {kind}" if record_id is None else f"{kind} {record_id!r}"
        raise line_error(
            source, number, f"{which} is not valid: {_explain(error)}", record_id=record_id
        ) from None
    except RecursionError:
        raise line_error(source, number, "the record is nested too deeply") from None
    return kind, record


def _refuse_constant(word: str) -> Any:
    # json accepts NaN and Infinity by default; JSON proper (and segmentkit) does not.
    raise ValueError(f"{word} is not a JSON number")


def _explain(error: ValidationError) -> str:
    """Pydantic's errors in one line: ``field: message; field: message``."""
    return "; ".join(map(describe_problem, error.errors(include_url=False)))


def load_repository(
    source: str | os.PathLike[str] | Iterable[str | bytes] | Records,
    *, name: str | None = None, progress: Progress | None = None,
) -> InMemoryRepository:
    """A new repository holding every record of a JSON Lines source.

    Types are registered first, the contact attribute kinds declared (an
    ``attributes`` line), then all contacts are added in one batch,
    then all interactions, then the segments (those a segment refers to are
    saved before it, whatever the file order), then the marketing tables
    (``segmentkit.io.marketing_lines``). Any refusal raises
    ``RecordError`` naming the line, and the half-built repository is dropped:
    nothing half-loaded is ever queried.

    ``progress`` follows the reading (see ``load_jsonl``; ``Records`` are
    read already, so it is not called): it reaches its total before the
    records are added, which takes about a fifth of the whole load.
    """
    records = (source if isinstance(source, Records)
               else load_jsonl(source, name=name, progress=progress))
    repo = InMemoryRepository()
    for type_line in records.types:
        _apply(records, "type", type_line, partial(repo.register_type, type_line.record))
    for declaration in records.attributes:
        declare = partial(repo.declare_attributes, declaration.record.attributes)
        _apply(records, "attributes", declaration, declare)
    _add_batch(records, "contact", records.contacts, repo.add_contacts)
    _add_batch(records, "interaction", records.interactions, repo.add_interactions)
    _refuse_duplicate_segments(records)
    for segment_line in _dependency_order(records):
        _apply(records, "segment", segment_line, partial(repo.save_segment, segment_line.record))
    load_marketing(records.marketing, repo, records.error)
    return repo


def _add_batch(
    records: Records,
    noun: str,
    lines: list[Line[ModelT]],
    add: Callable[[list[ModelT]], int],
) -> None:
    try:
        add([line.record for line in lines])
    except RecordError as error:
        if error.position is None or not 0 <= error.position < len(lines):
            # Not one record's fault (no position): say so without a line.
            raise RecordError(
                str(error), source=records.source, record_id=error.record_id
            ) from None
        number = lines[error.position].number
        raise records.error(number, _reason(noun, error), record_id=error.record_id) from None


def _apply(
    records: Records, noun: str, line: Line[Any], action: Callable[[], object]
) -> None:
    try:
        action()
    except RecordError as error:
        raise records.error(line.number, _reason(noun, error), record_id=error.record_id) from None
    except SegmentKitError as error:
        # A segment whose query does not parse or check: still a bad record
        # of this file, so the line number leads; the caret excerpt follows.
        name = getattr(line.record, "name", None)
        raise records.error(line.number, f"{noun} {name!r}: {error}", record_id=name) from None


def _reason(noun: str, error: RecordError) -> str:
    if error.record_id is None:
        return error.reason
    return f"{noun} {error.record_id!r}: {error.reason}"


def _refuse_duplicate_segments(records: Records) -> None:
    # save_segment replaces by name; in one file a second definition is far
    # more likely a copy-paste slip than an intended replacement.
    first_line: dict[str, int] = {}
    for line in records.segments:
        name = line.record.name
        if name in first_line:
            raise records.error(
                line.number,
                f"segment {name!r} is already defined on line {first_line[name]}",
                record_id=name,
            )
        first_line[name] = line.number


def _dependency_order(records: Records) -> list[Line[Segment]]:
    """Segments ordered so that each comes after the segments its query names.

    Saving checks a query's segment names, so a file may list ``Engaged``
    after ``EngagedDanes`` that uses it. A circle of references among the
    file's segments is refused here, naming the circle; unknown names are
    left to ``save_segment`` to report.
    """
    lines = records.segments
    by_name = {line.record.name: line for line in lines}
    ordered: list[Line[Segment]] = []
    placed: set[str] = set()
    for line in lines:
        # Iterative depth-first walk: a long chain of references must not
        # exhaust Python's recursion limit.
        stack: list[tuple[Line[Segment], list[str]]] = [(line, _references(line.record))]
        visiting = {line.record.name}
        while stack:
            current, pending = stack[-1]
            if pending:
                name = pending.pop()
                dependency = by_name.get(name)
                if dependency is None or name in placed:
                    continue
                if name in visiting:
                    # Still on the stack: the file's segments refer to each other
                    # in a circle. Saving would only report an unknown name.
                    names = [entry.record.name for entry, _ in stack]
                    cycle = [*names[names.index(name):], name]
                    raise records.error(
                        current.number, str(SegmentCycleError(cycle)),
                        record_id=current.record.name,
                    )
                visiting.add(name)
                stack.append((dependency, _references(dependency.record)))
                continue
            stack.pop()
            if current.record.name not in placed:
                placed.add(current.record.name)
                ordered.append(current)
    return ordered


def _references(segment: Segment) -> list[str]:
    if segment.query is None:
        return []
    try:
        return list(reversed(referenced_segments(parse(segment.query))))
    except SegmentKitError:
        return []  # save_segment reports the broken query with its caret


def record_line(kind: str, record: BaseModel) -> str:
    """One record as a line of JSON Lines (without the newline), ``kind`` first.

    Defaults are left out and text is kept as UTF-8 rather than escaped, so
    files stay small and readable; ``load_jsonl`` reads the line back equal.
    """
    data = {"kind": kind, **record.model_dump(mode="json", exclude_defaults=True)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def dump_repository(repo: InMemoryRepository) -> Iterator[str]:
    """A repository as JSON Lines that ``load_repository`` reads back equal.

    Registered types that are not built in come first, then contacts,
    interactions (oldest first), segments and the marketing tables. Lines
    end with a newline.
    """
    for interaction_type in repo.types().values():
        if interaction_type.name not in BUILTIN_TYPE_NAMES:
            yield record_line("type", interaction_type) + "\n"
    declared = repo.attributes()
    if declared:
        yield record_line("attributes", AttributeDeclaration(attributes=dict(declared))) + "\n"
    for contact in repo.contacts():
        yield record_line("contact", contact) + "\n"
    for interaction in sorted(repo.interactions(), key=lambda r: (r.timestamp, r.id)):
        yield record_line("interaction", interaction) + "\n"
    for segment in repo.segments():
        yield record_line("segment", segment) + "\n"
    for kind, record in marketing_records(repo):
        yield record_line(kind, record) + "\n"
