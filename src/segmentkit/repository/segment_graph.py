"""Reference cycles among saved segments, found before anything is saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["cycle_through"]


def cycle_through(
    name: str, references: Sequence[str], saved: Mapping[str, Sequence[str]]
) -> list[str] | None:
    """The circle ``name -> ... -> name`` that giving ``name`` these references would close.

    ``saved`` maps each saved segment to the segments its query names; they
    form no circle, so any new one passes through ``name``. Iterative
    depth-first search: long chains must not hit Python's recursion limit.
    """
    path = [name]
    pending = [iter(references)]
    visited: set[str] = set()
    while pending:
        following = next(pending[-1], None)
        if following is None:
            pending.pop()
            path.pop()
            continue
        if following == name:
            return [*path, name]
        if following in visited:
            continue
        visited.add(following)
        path.append(following)
        pending.append(iter(saved.get(following, ())))
    return None
