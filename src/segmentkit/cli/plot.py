"""``history --plot``: the member count over time as a step chart (a PNG).

matplotlib is the optional extra ``plot``; it is imported here only, when a
chart is asked for, so that neither ``segmentkit`` nor the rest of the
command line needs it.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from segmentkit.errors import InvalidArgumentError

__all__ = ["draw_sizes", "require_matplotlib"]

_INSTALL = "pip install 'segmentkit[plot]'"
_TITLE_WIDTH = 90
_TITLE_LINES = 3


def require_matplotlib() -> None:
    """Raise a clear error, with the command that installs it, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InvalidArgumentError(
            f"--plot needs matplotlib, which is not installed; install the plot extra: {_INSTALL}",
            argument="plot",
        ) from None


def draw_sizes(
    path: str,
    *,
    title: str,
    start: datetime,
    end: datetime,
    first: int,
    steps: list[tuple[datetime, int]],
) -> None:
    """Write a step chart of the count: ``first`` from ``start``, each
    ``(at, count)`` from ``at`` on, to ``end``; times shown in ``start``'s zone."""
    require_matplotlib()
    # The figure API draws without pyplot's global state or a display.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    # matplotlib's stubs take arrays; its date converter takes datetimes.
    instants: Any = [start, *(at for at, _ in steps), end]
    counts = [first, *(count for _, count in steps)]
    counts.append(counts[-1])
    zone = start.tzinfo
    figure = Figure(figsize=(10, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.step(instants, counts, where="post", color="#1f5f99", linewidth=1.6)
    axes.fill_between(instants, counts, step="post", color="#1f5f99", alpha=0.12)
    locator = AutoDateLocator(tz=zone)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = ConciseDateFormatter(locator, tz=zone)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlim(start, end)  # type: ignore[arg-type]
    axes.set_ylim(bottom=0, top=max(counts) * 1.08 + 1)
    axes.set_ylabel("members")
    axes.set_xlabel(f"time ({zone})")
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    lines = textwrap.wrap(" ".join(title.split()), _TITLE_WIDTH) or [""]
    if len(lines) > _TITLE_LINES:
        lines = [*lines[: _TITLE_LINES - 1], lines[_TITLE_LINES - 1][: _TITLE_WIDTH - 1] + "…"]
    axes.set_title("\n".join(lines), fontsize=11, loc="left")
    try:
        figure.savefig(Path(path))
    except OSError as error:
        raise InvalidArgumentError(
            f"cannot write {path}: {error.strerror or error}", argument="plot"
        ) from None
