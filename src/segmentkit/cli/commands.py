"""The commands that check, evaluate and manage segments: ``demo``, ``check``,
``query``, ``segments``, ``go-live`` and ``stop``; and ``schema``, which prints
the JSON Schemas of what they read."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from segmentkit.cli.database import open_database
from segmentkit.cli.inputs import repository, when
from segmentkit.cli.progress import load_progress
from segmentkit.engine.evaluate import evaluate
from segmentkit.io.json_schema import json_schema
from segmentkit.io.jsonl import load_repository, read_jsonl_text, record_line
from segmentkit.language.format import format
from segmentkit.language.names import check_names, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import Segment
from segmentkit.sample.demo import run_demo
from segmentkit.storage.files import read_text, replace_atomically

__all__ = ["check", "demo", "query", "schema", "segments", "set_status"]


def demo(out: TextIO) -> int:
    run_demo(out)
    return 0


def check(text: str, args: argparse.Namespace, out: TextIO) -> int:
    query = parse(text)
    repo = repository(args)
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


def query(text: str, args: argparse.Namespace, out: TextIO) -> int:
    now, zone = when(args)
    if args.db is not None:
        with open_database(args.db) as database:
            members = evaluate(text, database, now=now, tz=zone)
    else:
        members = evaluate(text, repository(args), now=now, tz=zone)
    if args.count:
        out.write(f"{len(members)}\n")
        return 0
    out.write("".join(f"{member}\n" for member in sorted(members)))
    noun = "contact" if len(members) == 1 else "contacts"
    print(f"{len(members)} {noun}", file=sys.stderr)
    return 0


def segments(args: argparse.Namespace, out: TextIO) -> int:
    now, zone = when(args)
    repo = repository(args)
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


def set_status(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.data)
    text = read_text(path)
    with load_progress(path.name, "B") as progress:
        records = read_jsonl_text(text, name=str(path), progress=progress)
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


def schema(args: argparse.Namespace, out: TextIO) -> int:
    out.write(json.dumps(json_schema(args.name), indent=2, ensure_ascii=False) + "\n")
    return 0
