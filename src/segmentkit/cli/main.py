"""``segmentkit``'s entry point: parse the arguments, run the command, turn
every expected failure into a message and an exit status."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from typing import TextIO

from segmentkit.cli import analysis, commands, format_files
from segmentkit.cli.inputs import describe_error, query_text
from segmentkit.cli.options import build_parser
from segmentkit.errors import SegmentKitError

__all__ = ["main"]

# Commands that take a QUERY get its text (``-`` read from stdin) first.
_WITH_QUERY: dict[str, Callable[[str, argparse.Namespace, TextIO], int]] = {
    "check": commands.check,
    "query": commands.query,
    "explain": analysis.explain,
    "history": analysis.history,
}
_WITHOUT_QUERY: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "demo": lambda args, out: commands.demo(out),
    "segments": commands.segments,
    "go-live": commands.set_status,
    "stop": commands.set_status,
    "format": format_files.format_files,
    "schema": commands.schema,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse's own exit: usage error (2), --help/--version (0)
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        return _run(args, sys.stdout)
    except KeyboardInterrupt:
        return 130  # the shell's status for Ctrl-C, without a traceback
    except BrokenPipeError:
        # The reader went away (``segmentkit query ... | head``): not an error
        # worth a traceback. Point stdout at devnull so the final flush is quiet.
        _silence_stdout()
        return 1
    except (SegmentKitError, OSError) as error:
        print(f"segmentkit: error: {describe_error(error)}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # a stdout without a file descriptor (tests) needs no silencing


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command in _WITH_QUERY:
        return _WITH_QUERY[args.command](query_text(args.query), args, out)
    return _WITHOUT_QUERY[args.command](args, out)
