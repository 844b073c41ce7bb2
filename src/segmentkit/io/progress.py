"""How a loader says how far it has got: a callback, so that the library
knows nothing of progress bars (the command line draws one with tqdm).

A loader given ``progress`` calls ``progress(done, total)``: first with
``done`` 0 before it reads anything, then as it goes, and last with the
final count once everything is read. ``total`` is what ``done`` will reach,
or None when the loader cannot know it in advance (lines from an iterator,
a pipe). The unit is the loader's: bytes for JSON Lines, rows for Parquet.
A callback that raises stops the load, as any error does.

The helpers below count the lines of JSON Lines sources; without a
callback each returns its lines untouched, so a load without one reads
exactly as before.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, TypeAlias, TypeVar

__all__ = ["Progress", "counted_file", "counted_lines", "counted_text"]

Progress: TypeAlias = Callable[[int, int | None], None]

T = TypeVar("T")

# Bytes read between two calls: a few hundred calls for a 16 MB file, so the
# callback costs nothing next to parsing, and a bar still moves smoothly.
REPORT_EVERY = 1 << 16


def counted_file(handle: BinaryIO, progress: Progress | None) -> Iterable[bytes]:
    """The lines of a file opened in binary mode; ``total`` is its size
    (None for a pipe or another file that is not a regular one)."""
    if progress is None:
        return handle
    status = os.fstat(handle.fileno())
    total = status.st_size if stat.S_ISREG(status.st_mode) else None
    return _reporting(((line, len(line)) for line in handle), progress, total)


def counted_lines(
    lines: Iterable[str | bytes], progress: Progress | None
) -> Iterable[str | bytes]:
    """Lines from any iterable, counted in bytes (UTF-8 for text); no total."""
    if progress is None:
        return lines
    return _reporting(((line, _size(line)) for line in lines), progress, None)


def counted_text(lines: list[str], progress: Progress | None) -> Iterable[str]:
    """The lines of a text split at ``"\\n"``; ``total`` is the text's size in UTF-8."""
    if progress is None:
        return lines
    # The split took the "\n" off every line but the last: count them back.
    total = sum(map(_size, lines)) + len(lines) - 1
    last = len(lines) - 1
    sized = ((line, _size(line) + (number != last)) for number, line in enumerate(lines))
    return _reporting(sized, progress, total)


def _size(line: object) -> int:
    if isinstance(line, (bytes, bytearray)):
        return len(line)
    if isinstance(line, str):
        # isascii() is a flag lookup: most lines need no encoding to be measured.
        return len(line) if line.isascii() else len(line.encode("utf-8", "surrogatepass"))
    return 0  # not a line: the reader refuses it, naming its number


def _reporting(
    sized: Iterable[tuple[T, int]], progress: Progress, total: int | None
) -> Iterator[T]:
    progress(0, total)
    done = reported = 0
    for line, size in sized:
        done += size
        if done - reported >= REPORT_EVERY:
            progress(done, total)
            reported = done
        yield line
    progress(done, total)
