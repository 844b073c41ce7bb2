"""The ``segmentkit`` command.

``demo``, ``check QUERY``, ``query QUERY``, ``segments``, ``go-live NAME``,
``stop NAME``, ``explain QUERY --contact ID``, ``history QUERY --from
--to [--plot FILE.png]``, ``format FILE... [--check]`` and ``schema NAME``;
``--sample`` stands for the bundled sample data wherever ``--data FILE`` goes.

Output meant for pipes (canonical text, member ids, changes) goes to stdout;
counts, notes and errors go to stderr. Every expected failure (a bad query,
a bad data file, a missing file, a bad ``--now``) prints its message and
exits 1; a usage mistake exits 2, as argparse does. No traceback for any of
them.
"""

from segmentkit.cli.inputs import parse_now
from segmentkit.cli.main import main
from segmentkit.cli.options import build_parser

__all__ = ["build_parser", "main", "parse_now"]
