"""The commands that look into a query: ``explain`` (why a contact is or is
not a member) and ``history`` (when contacts enter and leave)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from segmentkit.analysis.explain import explain as explain_query
from segmentkit.analysis.history import changes, count_steps
from segmentkit.cli.inputs import parse_instant, repository, when
from segmentkit.cli.plot import draw_sizes, require_matplotlib
from segmentkit.engine.evaluate import evaluate
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import InvalidArgumentError
from segmentkit.language.format import format
from segmentkit.language.parse import parse

__all__ = ["explain", "history"]


def explain(text: str, args: argparse.Namespace, out: TextIO) -> int:
    now, zone = when(args)
    repo = repository(args)
    explanation = explain_query(text, repo, args.contact, now=now, tz=zone)
    out.write(f"{explanation}\n")
    verdict = "is a member" if explanation.member else "is not a member"
    print(f"{args.contact} {verdict} at {now.isoformat()}", file=sys.stderr)
    return 0


def history(text: str, args: argparse.Namespace, out: TextIO) -> int:
    zone = resolve_timezone(args.tz)
    start = parse_instant(args.start, zone, option="from")
    end = parse_instant(args.end, zone, option="to", end_of_day=True)
    if end < start:
        raise InvalidArgumentError(
            f"--to ({end.isoformat()}) is before --from ({start.isoformat()})", argument="to"
        )
    if args.plot is not None:
        require_matplotlib()  # before the work, so a missing extra costs nothing
    repo = repository(args)
    found = changes(text, repo, start=start, end=end, tz=zone)
    first = len(evaluate(text, repo, now=start, tz=zone))
    steps = count_steps(first, found)
    if args.sizes:
        out.write(f"{start.isoformat()}\t{first}\n")
        out.write("".join(f"{at.isoformat()}\t{count}\n" for at, count in steps))
    else:
        out.write("".join(
            f"{change.at.isoformat()}\t{'enters' if change.entered else 'leaves'}\t"
            f"{change.contact_id}\n"
            for change in found
        ))
    last = steps[-1][1] if steps else first
    noun = "change" if len(found) == 1 else "changes"
    members = "member" if first == 1 else "members"
    print(f"{len(found)} {noun}; {first} {members} at {start.isoformat()}, "
          f"{last} at {end.isoformat()}", file=sys.stderr)
    if args.plot is not None:
        title = format(parse(text))
        draw_sizes(args.plot, title=title, start=start, end=end, first=first, steps=steps)
        print(f"segmentkit: wrote {args.plot}", file=sys.stderr)
    return 0
