"""``segmentkit format FILE... [--check]``: files of queries in canonical text.

Every file is read and formatted in memory before the first is written, so a
file that cannot be read, is not UTF-8, or holds a line that is not a valid
query stops the command with nothing rewritten. Each rewritten file is
replaced at once (``replace_atomically``); only a failure while writing (a
full disk, say) can leave some files rewritten and others not.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from segmentkit.cli.inputs import describe_error
from segmentkit.errors import SegmentKitError
from segmentkit.language.query_lines import format_query_lines
from segmentkit.storage.files import read_text, replace_atomically

__all__ = ["format_files"]


def format_files(args: argparse.Namespace, out: TextIO) -> int:
    """Exit status: 0 when done (or, with ``--check``, when every file is
    canonical), 1 when a file is refused or, with ``--check``, not canonical."""
    names = list(dict.fromkeys(args.files))  # a file named twice is formatted once
    changed: dict[str, str] = {}
    failed = False
    for name in names:
        try:
            text = read_text(name)
            canonical = format_query_lines(text)
        except OSError as error:
            print(f"segmentkit: error: {describe_error(error)}", file=sys.stderr)
            failed = True
            continue
        except SegmentKitError as error:
            # Every file's errors, not just the first: fix them all in one go.
            print(f"segmentkit: error: {name}: {describe_error(error)}", file=sys.stderr)
            failed = True
            continue
        if canonical != text:
            changed[name] = canonical
    if failed:
        print("segmentkit: no file was rewritten", file=sys.stderr)
        return 1
    verb = "would reformat" if args.check else "reformatted"
    for name, canonical in changed.items():
        if not args.check:
            replace_atomically(name, canonical)
        out.write(f"{verb} {name}\n")
    unchanged = len(names) - len(changed)
    done = "would be reformatted" if args.check else "reformatted"
    print(f"{len(changed)} {_files(len(changed))} {done}, {unchanged} "
          f"{_files(unchanged)} already canonical", file=sys.stderr)
    return 1 if args.check and changed else 0


def _files(count: int) -> str:
    return "file" if count == 1 else "files"
