"""The ``segmentkit`` command: ``demo``, ``check QUERY``, ``query QUERY --data FILE``.

``--sample`` stands for the bundled sample data wherever ``--data FILE`` goes.

Output meant for pipes (canonical text, member ids) goes to stdout; counts,
notes and errors go to stderr. Every expected failure (a bad query, a bad
data file, a missing file, a bad ``--now``) prints its message and exits 1;
a usage mistake exits 2, as argparse does. No traceback for any of them.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import TextIO

from segmentkit import __version__
from segmentkit.engine.evaluate import evaluate
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import InvalidArgumentError, SegmentKitError
from segmentkit.io.jsonl import load_repository
from segmentkit.language.check import check_names, referenced_segments
from segmentkit.language.format import format
from segmentkit.language.parse import parse
from segmentkit.models.records import Segment
from segmentkit.repository import InMemoryRepository
from segmentkit.sample.data import SAMPLE_NOW, load_sample
from segmentkit.sample.demo import run_demo

__all__ = ["build_parser", "main", "parse_now"]

_QUERY_HELP = 'the segment query, e.g. "EmailOpened in last 30 days"; "-" reads it from stdin'


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segmentkit",
        description="Say who in plain text: check and evaluate segment queries.",
    )
    parser.add_argument("--version", action="version", version=f"segmentkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "demo", help="evaluate example queries on the bundled sample data",
        description="Evaluate one example query per feature on the bundled sample data.",
    )

    check = commands.add_parser(
        "check", help="check a query and print its canonical form",
        description="Parse a query, check its names against the built-in interaction types "
        "(and the types and segments of --data FILE), and print its canonical form.",
    )
    check.add_argument("query", metavar="QUERY", help=_QUERY_HELP)
    _add_data_options(
        check, required=False,
        data_help="a JSON Lines data file whose types and segments the names are checked "
        "against; without it (or --sample), segment names are not checked",
    )

    query = commands.add_parser(
        "query", help="print the ids of the contacts a query selects",
        description="Evaluate a query against the records of a JSON Lines file and print "
        "the member ids, sorted, one per line (the count goes to stderr).",
    )
    query.add_argument("query", metavar="QUERY", help=_QUERY_HELP)
    _add_data_options(query, required=True, data_help="a JSON Lines data file")
    query.add_argument(
        "--now", metavar="ISO",
        help="the instant to evaluate at, e.g. 2026-11-01T09:00:00Z (default: the current "
        "time, or the sample's own instant with --sample); without an offset it is read in --tz",
    )
    query.add_argument(
        "--tz", metavar="NAME", default="UTC",
        help="time zone for dates, calendar arithmetic and a --now without offset "
        "(default: UTC), e.g. Europe/Copenhagen",
    )
    query.add_argument(
        "--count", action="store_true", help="print only the number of members, on stdout"
    )
    return parser


def _add_data_options(
    command: argparse.ArgumentParser, *, required: bool, data_help: str
) -> None:
    source = command.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", metavar="FILE", help=data_help)
    source.add_argument(
        "--sample", action="store_true",
        help="use the bundled sample data (as `segmentkit demo` does) instead of a file",
    )


def parse_now(text: str | None, zone: tzinfo, *, default: datetime | None = None) -> datetime:
    """The ``--now`` instant: ISO 8601 (date or date and time); naive values are in ``zone``.

    Without a text: ``default``, or the current time.
    """
    if text is None:
        return default if default is not None else datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgumentError(
            f"--now {text!r} is not an ISO 8601 date or time, e.g. 2026-11-01T09:00:00Z",
            argument="now",
        ) from None
    if instant.tzinfo is None:
        # A wall time in a DST gap or fold takes zoneinfo's fold=0 offset,
        # as naive DATETIME literals do in queries.
        instant = instant.replace(tzinfo=zone)
    return instant


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse's own exit: usage error (2), --help/--version (0)
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        if args.command == "demo":
            return _demo(sys.stdout)
        text = _query_text(args.query)
        if args.command == "check":
            return _check(text, args, sys.stdout)
        return _query(text, args, sys.stdout)
    except KeyboardInterrupt:
        return 130  # the shell's status for Ctrl-C, without a traceback
    except BrokenPipeError:
        # The reader went away (``segmentkit query ... | head``): not an error
        # worth a traceback. Point stdout at devnull so the final flush is quiet.
        _silence_stdout()
        return 1
    except (SegmentKitError, OSError) as error:
        print(f"segmentkit: error: {_describe(error)}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # a stdout without a file descriptor (tests) needs no silencing


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot read {error.filename}: {error.strerror or error}"
    return str(error)


def _query_text(argument: str) -> str:
    if argument != "-":
        return argument
    try:
        return sys.stdin.read()
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(f"the query on stdin is not text: {error}") from None


def _demo(out: TextIO) -> int:
    run_demo(out)
    return 0


def _repository(args: argparse.Namespace) -> InMemoryRepository:
    if args.sample:
        return load_sample()
    if args.data is not None:
        return load_repository(args.data)
    return InMemoryRepository()


def _check(text: str, args: argparse.Namespace, out: TextIO) -> int:
    query = parse(text)
    repo = _repository(args)
    segments: Mapping[str, Segment] = {segment.name: segment for segment in repo.segments()}
    unchecked: list[str] = []
    if args.data is None and not args.sample:
        # An empty repository knows no segments: accept any name rather than
        # refuse every query that uses one, and say so.
        unchecked = referenced_segments(query)
        segments = {name: Segment(name=name, members=[]) for name in unchecked}
    check_names(query, types=repo.types(), segments=segments, text=text)
    out.write(format(query) + "\n")
    if unchecked:
        print(
            "segmentkit: note: segment names not checked (" + ", ".join(unchecked)
            + "); pass --data FILE to check them",
            file=sys.stderr,
        )
    return 0


def _query(text: str, args: argparse.Namespace, out: TextIO) -> int:
    zone = resolve_timezone(args.tz)
    # The sample is a log as it stood at SAMPLE_NOW: that is its natural "now".
    now = parse_now(args.now, zone, default=SAMPLE_NOW if args.sample else None)
    repo = _repository(args)
    members = evaluate(text, repo, now=now, tz=zone)
    if args.count:
        out.write(f"{len(members)}\n")
        return 0
    out.write("".join(f"{member}\n" for member in sorted(members)))
    noun = "contact" if len(members) == 1 else "contacts"
    print(f"{len(members)} {noun}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
