"""A progress bar on stderr while ``--data`` loads, drawn by tqdm (the
``progress`` extra: ``pip install 'segmentkit[progress]'``).

The bar appears only when stderr is a terminal, tqdm is installed and the
load is still running after ``DELAY_SECONDS``; it is cleared when the load
ends, so what the command prints afterwards reads as without it. Otherwise
(a pipe, a file, a log, or no tqdm) nothing is written and the loader gets
no callback at all. tqdm is imported here only, and only for a terminal.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TextIO

from segmentkit.io.progress import Progress

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["DELAY_SECONDS", "load_progress"]

# A load that ends sooner shows nothing: no flicker for small files.
DELAY_SECONDS = 1.0
# The size for a terminal that reports none (a pty nobody sized, as under
# some containers): tqdm draws nothing in a terminal of 0 rows.
FALLBACK_SIZE = (80, 24)


@contextmanager
def load_progress(label: str, unit: str) -> Iterator[Progress | None]:
    """A ``progress(done, total)`` callback that draws a bar named ``label``
    counting ``unit`` ("B" for bytes, "rows"), closed on leaving; None when
    no bar can be shown."""
    stream = sys.stderr
    if not _is_terminal(stream):
        yield None
        return
    try:
        from tqdm import tqdm
    except ImportError:  # the progress extra is not installed: stay quiet
        yield None
        return
    bar = _Bar(tqdm, stream, label, unit)
    try:
        yield bar.advance
    finally:
        bar.close()


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False


def _fixed_size(stream: TextIO) -> tuple[int, int] | None:
    """None to let tqdm follow the terminal's size as it changes; a fixed
    size when the terminal says it has no columns or rows."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no file descriptor
        return None
    return None if size.columns > 0 and size.lines > 0 else FALLBACK_SIZE


class _Bar:
    """A tqdm bar made at the first call, when the loader gives the total."""

    def __init__(self, maker: type[tqdm[NoReturn]], stream: TextIO, label: str, unit: str) -> None:
        self._maker = maker
        self._stream = stream
        self._label = label
        self._unit = unit
        self._bar: tqdm[NoReturn] | None = None

    def advance(self, done: int, total: int | None) -> None:
        bar = self._bar
        if bar is None:
            size = _fixed_size(self._stream)
            columns, rows = size or (None, None)
            bar = self._bar = self._maker(
                total=total, desc=self._label, unit=self._unit, unit_scale=True,
                file=self._stream, delay=DELAY_SECONDS, leave=False,
                ncols=columns, nrows=rows, dynamic_ncols=size is None,
            )
        elif bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
