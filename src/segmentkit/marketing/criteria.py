"""A segment's lines under criteria actions: add, reduce, refine, single lines, go back.

Lines are worked on as a dict ``contact id -> template``; each step records
the lines it added and removed (``CriteriaAction``), so *Go back* restores
exactly what the step changed, personalised templates included.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from segmentkit.marketing.records import CriteriaAction, SegmentHeader, SegmentLine

__all__ = ["Lines", "apply_step", "header_with", "lines_of", "undo_step"]

Lines = dict[str, str | None]


def lines_of(header: SegmentHeader) -> Lines:
    return {line.contact_id: line.template for line in header.lines}


def _line(contact_id: str, template: str | None) -> SegmentLine:
    # Both parts come from checked records: no need to validate again.
    return SegmentLine.model_construct(contact_id=contact_id, template=template)


def apply_step(
    lines: Lines,
    step: CriteriaAction,
    *,
    members: Collection[str] = (),
    default_template: str | None = None,
) -> CriteriaAction:
    """Apply ``step`` to ``lines`` (changed in place); returns the step with what it changed.

    ``members`` is the query's result for add / reduce / refine. A single-line
    step uses its contact, a follow-up the lines it was made with.
    """
    kind = step.action
    if kind in ("add line", "remove line"):
        assert step.contact_id is not None  # single-line steps name their contact
        members = (step.contact_id,)
    added: list[SegmentLine] = []
    removed: list[SegmentLine] = []
    if kind in ("add", "add line"):
        added = [_line(c, default_template) for c in sorted(members) if c not in lines]
    elif kind == "follow-up":
        added = [line for line in step.added if line.contact_id not in lines]
    elif kind in ("reduce", "remove line"):
        removed = [_line(c, lines[c]) for c in sorted(members) if c in lines]
    else:  # refine
        wanted = members if isinstance(members, (set, frozenset, dict)) else set(members)
        removed = [_line(c, t) for c, t in sorted(lines.items()) if c not in wanted]
    for line in added:
        lines[line.contact_id] = line.template
    for line in removed:
        del lines[line.contact_id]
    return step.model_copy(update={"added": tuple(added), "removed": tuple(removed)})


def undo_step(lines: Lines, step: CriteriaAction) -> None:
    """Undo ``step`` on ``lines`` (in place): its added lines go, its removed ones come back."""
    for line in step.added:
        lines.pop(line.contact_id, None)
    for line in step.removed:
        lines[line.contact_id] = line.template


def header_with(
    header: SegmentHeader, lines: Lines, history: Iterable[CriteriaAction]
) -> SegmentHeader:
    """The header with these lines (sorted by contact id) and this history."""
    ordered = tuple(_line(c, lines[c]) for c in sorted(lines))
    return header.model_copy(update={"lines": ordered, "history": tuple(history)})
