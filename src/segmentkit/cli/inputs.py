"""What the commands read: the query text, the data, and instants from options."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

from segmentkit.cli.progress import load_progress
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import InvalidArgumentError, SegmentKitError
from segmentkit.io.jsonl import load_repository
from segmentkit.io.parquet import load_parquet
from segmentkit.repository import InMemoryRepository
from segmentkit.repository.snapshot_files import MANIFEST
from segmentkit.sample.data import SAMPLE_NOW, load_sample

__all__ = ["describe_error", "parse_instant", "parse_now", "query_text", "repository", "when"]


def parse_now(text: str | None, zone: tzinfo, *, default: datetime | None = None) -> datetime:
    """The ``--now`` instant: ISO 8601 (date or date and time); naive values are in ``zone``.

    Without a text: ``default``, or the current time.
    """
    if text is None:
        return default if default is not None else datetime.now(UTC)
    return parse_instant(text, zone, option="now")


def parse_instant(text: str, zone: tzinfo, *, option: str, end_of_day: bool = False) -> datetime:
    """An instant given as ISO 8601 in option ``--option``; a naive one is in
    ``zone``. A bare date is its midnight, or with ``end_of_day`` the last
    microsecond of that day (``--to 2026-06-30`` covers all of June 30th, as
    ``between ... and 2026-06-30`` does in a query)."""
    stripped = text.strip()
    try:
        instant = datetime.fromisoformat(stripped)
    except ValueError:
        raise InvalidArgumentError(
            f"--{option} {text!r} is not an ISO 8601 date or time, e.g. 2026-11-01T09:00:00Z",
            argument=option,
        ) from None
    if end_of_day and _is_bare_date(stripped):
        instant = datetime.combine(instant.date() + timedelta(days=1), time()) - timedelta(
            microseconds=1
        )
    if instant.tzinfo is None:
        # A wall time in a DST gap or fold takes zoneinfo's fold=0 offset,
        # as naive DATETIME literals do in queries.
        instant = instant.replace(tzinfo=zone)
    return instant


def _is_bare_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def query_text(argument: str) -> str:
    """The query argument, or stdin's text for ``-``."""
    if argument != "-":
        return argument
    try:
        return sys.stdin.read()
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(f"the query on stdin is not text: {error}") from None


def repository(args: argparse.Namespace) -> InMemoryRepository:
    """The data of ``--sample`` or ``--data PATH`` (an empty repository without either).

    A directory with a ``manifest.json`` is a saved snapshot; another
    directory or a ``.parquet`` file (contacts) is read by ``load_parquet``;
    anything else is a JSON Lines file. A long read of a JSON Lines or
    Parquet file shows a progress bar on a terminal (``cli/progress.py``).
    """
    if args.sample:
        return load_sample()
    if args.data is not None:
        path = Path(args.data)
        if (path / MANIFEST).is_file():
            return InMemoryRepository.open(path)
        if path.is_dir() or path.suffix.lower() == ".parquet":
            with load_progress(path.name, "rows") as progress:
                return load_parquet(path, progress=progress)
        with load_progress(path.name, "B") as progress:
            return load_repository(args.data, progress=progress)
    return InMemoryRepository()


def when(args: argparse.Namespace) -> tuple[datetime, tzinfo]:
    """``--now`` and ``--tz``."""
    zone = resolve_timezone(args.tz)
    # The sample is a log as it stood at SAMPLE_NOW: that is its natural "now".
    return parse_now(args.now, zone, default=SAMPLE_NOW if args.sample else None), zone


def describe_error(error: SegmentKitError | OSError) -> str:
    """An expected failure in words: a file that cannot be read names the file."""
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot read {error.filename}: {error.strerror or error}"
    return str(error)
