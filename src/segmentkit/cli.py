"""The ``segmentkit`` command: ``demo``, ``check QUERY``, ``query QUERY --data FILE``,
``segments --data FILE``, ``go-live NAME --data FILE`` and ``stop NAME --data FILE``.

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
from pathlib import Path
from typing import TextIO

from segmentkit import __version__
from segmentkit.engine.evaluate import evaluate
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import InvalidArgumentError, SegmentKitError
from segmentkit.io.files import replace_atomically
from segmentkit.io.jsonl import load_repository, read_jsonl_text, record_line
from segmentkit.language.format import format
from segmentkit.language.names import check_names, referenced_segments
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
    _add_time_options(query)
    query.add_argument(
        "--count", action="store_true", help="print only the number of members, on stdout"
    )

    segments = commands.add_parser(
        "segments", help="list the saved segments with their status and member count",
        description="List the saved segments of a data file: name, status (draft, live, "
        "stopped), the number of members at --now (live segments only) and the definition.",
    )
    _add_data_options(segments, required=True, data_help="a JSON Lines data file")
    _add_time_options(segments)

    for name, verb in (("go-live", "put a segment live"), ("stop", "stop a live segment")):
        status = commands.add_parser(
            name, help=f"{verb} in a data file",
            description=f"{verb[0].upper()}{verb[1:]} in a JSON Lines data file, after the "
            "checks the library makes, and write the file back: only that segment's line "
            "changes, and the file is replaced at once (a crash leaves the old one).",
        )
        status.add_argument("name", metavar="NAME", help="the segment's name")
        status.add_argument("--data", metavar="FILE", required=True, help="the data file")
    return parser


def _add_time_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--now", metavar="ISO",
        help="the instant to evaluate at, e.g. 2026-11-01T09:00:00Z (default: the current "
        "time, or the sample's own instant with --sample); without an offset it is read in --tz",
    )
    command.add_argument(
        "--tz", metavar="NAME", default="UTC",
        help="time zone for dates, calendar arithmetic and a --now without offset "
        "(default: UTC), e.g. Europe/Copenhagen",
    )


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
        if args.command == "segments":
            return _segments(args, sys.stdout)
        if args.command in ("go-live", "stop"):
            return _set_status(args, sys.stdout)
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
    check_names(
        query, types=repo.types(), segments=segments, text=text, attributes=repo.attributes()
    )
    out.write(format(query) + "\n")
    if unchecked:
        print(
            "segmentkit: note: segment names not checked (" + ", ".join(unchecked)
            + "); pass --data FILE to check them",
            file=sys.stderr,
        )
    return 0


def _when(args: argparse.Namespace) -> tuple[datetime, tzinfo]:
    zone = resolve_timezone(args.tz)
    # The sample is a log as it stood at SAMPLE_NOW: that is its natural "now".
    return parse_now(args.now, zone, default=SAMPLE_NOW if args.sample else None), zone


def _query(text: str, args: argparse.Namespace, out: TextIO) -> int:
    now, zone = _when(args)
    repo = _repository(args)
    members = evaluate(text, repo, now=now, tz=zone)
    if args.count:
        out.write(f"{len(members)}\n")
        return 0
    out.write("".join(f"{member}\n" for member in sorted(members)))
    noun = "contact" if len(members) == 1 else "contacts"
    print(f"{len(members)} {noun}", file=sys.stderr)
    return 0


def _segments(args: argparse.Namespace, out: TextIO) -> int:
    now, zone = _when(args)
    repo = _repository(args)
    rows = []
    for segment in repo.segments():
        members = "-"
        if segment.status == "live":
            members = str(len(repo.members(segment.name, now=now, tz=zone)))
        definition = segment.query if segment.query is not None else (
            f"static: {len(segment.members or ())} listed"
        )
        rows.append((segment.name, segment.status, members, " ".join(definition.split())))
    if not rows:
        print("segmentkit: no saved segments", file=sys.stderr)
        return 0
    name_width = max(len(row[0]) for row in rows)
    count_width = max(len("members"), *(len(row[2]) for row in rows))
    out.write(f"{'name':<{name_width}}  status   {'members':>{count_width}}  definition\n")
    for name, status, members, definition in rows:
        out.write(f"{name:<{name_width}}  {status:<7}  {members:>{count_width}}  {definition}\n")
    return 0


def _set_status(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.data)
    try:
        # Bytes, not read_text: universal newlines would turn \r\n into \n.
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(f"{path} is not UTF-8 text: {error.reason}") from None
    records = read_jsonl_text(text, name=str(path))
    repo = load_repository(records)
    change = repo.go_live if args.command == "go-live" else repo.stop
    segment = change(args.name)
    # Only the segment's own line changes: comments, order and every other
    # record of the file stay as they were written.
    (number,) = (line.number for line in records.segments if line.record.name == segment.name)
    lines = text.split("\n")
    ending = "\r" if lines[number - 1].endswith("\r") else ""
    lines[number - 1] = record_line("segment", segment) + ending
    replace_atomically(path, "\n".join(lines))
    out.write(f"{segment.name}: {segment.status}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
