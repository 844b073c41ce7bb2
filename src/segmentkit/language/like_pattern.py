"""The syntax of ``like`` patterns (LANGUAGE.md, "Patterns"): ``%``, ``_`` and escapes.

``%`` is any run of characters, ``_`` exactly one, and a backslash makes the
next ``%``, ``_`` or backslash literal; a backslash before anything else, or
at the end, is an error. This module reads a pattern into symbols; the
engine (``engine.like``) matches them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LikePattern", "like_problem", "read_like_pattern"]

_ESCAPABLE = frozenset("%_\\")


@dataclass(frozen=True, slots=True)
class LikePattern:
    """``symbols[j]`` is a character, or None for ``_``; ``loops[j]`` says a ``%``
    stands before symbol ``j`` (``loops[len(symbols)]``: one ends the pattern)."""

    symbols: tuple[str | None, ...]
    loops: tuple[bool, ...]


def like_problem(pattern: str) -> tuple[str, int] | None:
    """What is wrong with a pattern's escapes and where (offset of the backslash), or None."""
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            following = pattern[index + 1 : index + 2]
            if not following or following not in _ESCAPABLE:
                shown = "at the end" if not following else f"before {following}"
                return (
                    "A backslash in a like pattern makes only %, _ or a backslash literal; "
                    f"this one stands {shown}",
                    index,
                )
            index += 2
            continue
        index += 1
    return None


def read_like_pattern(pattern: str) -> LikePattern:
    """The symbols of a pattern whose escapes are valid (see ``like_problem``)."""
    symbols: list[str | None] = []
    loops = [False]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%":
            loops[-1] = True
        else:
            if char == "\\":
                index += 1
                symbols.append(pattern[index])
            else:
                symbols.append(None if char == "_" else char)
            loops.append(False)
        index += 1
    return LikePattern(tuple(symbols), tuple(loops))
