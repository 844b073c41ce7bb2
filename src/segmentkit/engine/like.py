"""SQL's LIKE without backtracking (LANGUAGE.md, "Patterns").

``%`` is any run of characters (none included), ``_`` exactly one, and a
backslash makes the next ``%``, ``_`` or backslash literal. Both sides are
casefolded first. No regular expression ever sees a user's pattern:

- a pattern without ``_`` is its literal pieces between ``%``: the first
  must start the text, the last end it, and the ones between are found
  leftmost, in order, with ``str.find`` (linear in CPython). Leftmost is
  right: taking a later occurrence of a piece never leaves more room for the
  pieces after it;
- a pattern with ``_`` runs as a bit-parallel automaton (shift-and): bit
  ``j`` of a Python int is "the first ``j`` symbols matched", one shift and
  two masks per character of the text, so a 10,000-character pattern against
  a 10,000-character text is 10,000 big-int steps, not a search tree.
"""

from __future__ import annotations

from collections.abc import Callable

from segmentkit.language.like_pattern import LikePattern, read_like_pattern

__all__ = ["compile_like"]


def compile_like(pattern: str) -> Callable[[str], bool]:
    """A test of one text against ``pattern`` (both casefolded); the pattern's
    escapes must be valid (the checker refuses the others)."""
    read = read_like_pattern(pattern.casefold())
    if None in read.symbols:
        return _automaton(read)
    return _pieces(read)


def _pieces(read: LikePattern) -> Callable[[str], bool]:
    # The literal pieces between the %s: pieces[0] before the first, pieces[-1]
    # after the last (either may be empty).
    pieces: list[str] = []
    current: list[str] = []
    for position, loop in enumerate(read.loops):
        if loop:
            pieces.append("".join(current))
            current = []
        if position < len(read.symbols):
            current.append(read.symbols[position] or "")
    pieces.append("".join(current))
    if len(pieces) == 1:
        exact = pieces[0]
        return lambda text: text.casefold() == exact
    first, middle, last = pieces[0], pieces[1:-1], pieces[-1]

    def test(text: str) -> bool:
        folded = text.casefold()
        end = len(folded) - len(last)
        if end < len(first) or not folded.startswith(first) or not folded.endswith(last):
            return False
        at = len(first)
        for piece in middle:
            found = folded.find(piece, at, end)
            if found < 0:
                return False
            at = found + len(piece)
        return True

    return test


def _automaton(read: LikePattern) -> Callable[[str], bool]:
    size = len(read.symbols)
    any_char = 0
    by_char: dict[str, int] = {}
    for position, symbol in enumerate(read.symbols):
        bit = 1 << position
        if symbol is None:
            any_char |= bit
        else:
            by_char[symbol] = by_char.get(symbol, 0) | bit
    loops = sum(1 << position for position, loop in enumerate(read.loops) if loop)
    accept = 1 << size
    get = by_char.get

    def test(text: str) -> bool:
        active = 1
        for char in text.casefold():
            active = ((active & (get(char, 0) | any_char)) << 1) | (active & loops)
            if not active:
                return False
        return bool(active & accept)

    return test
