"""The command line's grammar: every command and its options (argparse)."""

from __future__ import annotations

import argparse

from segmentkit import __version__

__all__ = ["build_parser"]

_QUERY_HELP = 'the segment query, e.g. "EmailOpened in last 30 days"; "-" reads it from stdin'
_DATA_HELP = (
    "the data: a JSON Lines file, a snapshot directory (repo.save), a Parquet file of "
    "contacts, or a directory holding contacts.parquet and interactions.parquet (docs/data.md)"
)


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
    source = _add_data_options(query, required=True, data_help=_DATA_HELP)
    source.add_argument(
        "--db", metavar="URL",
        help="evaluate in a database that segmentkit.sql.SqlRepository keeps: duckdb:PATH "
        "(opened read-only) or postgresql://USER@HOST:PORT/DATABASE (needs the sql extra)",
    )
    _add_time_options(query)
    query.add_argument(
        "--count", action="store_true", help="print only the number of members, on stdout"
    )

    segments = commands.add_parser(
        "segments", help="list the saved segments with their status and member count",
        description="List the saved segments of a data file: name, status (draft, live, "
        "stopped), the number of members at --now (live segments only) and the definition.",
    )
    _add_data_options(segments, required=True, data_help=_DATA_HELP)
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

    explain = commands.add_parser(
        "explain", help="why a contact is or is not in a query's members",
        description="Print the query as a tree, one line a clause: what it asks, what the "
        "contact's records and values give (records that counted, counts, window bounds), "
        "and whether the contact is in.",
    )
    explain.add_argument("query", metavar="QUERY", help=_QUERY_HELP)
    explain.add_argument("--contact", metavar="ID", required=True, help="the contact's id")
    _add_data_options(explain, required=True, data_help=_DATA_HELP)
    _add_time_options(explain)

    history = commands.add_parser(
        "history", help="when contacts enter and leave a query's members",
        description="Print every change of membership between --from and --to, exactly to "
        "the microsecond: instant, enters or leaves, contact id, tab-separated (the sizes "
        "go to stderr). --plot draws the segment size over time as a step chart.",
    )
    history.add_argument("query", metavar="QUERY", help=_QUERY_HELP)
    _add_data_options(history, required=True, data_help=_DATA_HELP)
    history.add_argument(
        "--from", dest="start", metavar="ISO", required=True,
        help="the start (excluded), a date (its midnight) or a date and time; "
        "without an offset it is read in --tz",
    )
    history.add_argument(
        "--to", dest="end", metavar="ISO", required=True,
        help="the end (included), a date (to the end of that day) or a date and time",
    )
    history.add_argument(
        "--sizes", action="store_true",
        help="print the member count after each change (instant, count) instead of the changes",
    )
    history.add_argument(
        "--plot", metavar="FILE.png",
        help="draw the member count over time as a step chart into FILE.png "
        "(needs the plot extra: pip install 'segmentkit[plot]')",
    )
    _add_zone_option(history)

    format_ = commands.add_parser(
        "format", help="rewrite files of queries into canonical text",
        description="Rewrite each FILE (one query a line; lines starting with # are comments "
        "and stay, as do comments after a query) into canonical text. Every file is read and "
        "checked first: if one holds a line that is not a valid query, no file is rewritten.",
    )
    format_.add_argument("files", metavar="FILE", nargs="+", help="a file of queries")
    format_.add_argument(
        "--check", action="store_true",
        help="rewrite nothing; list the files that are not canonical and exit 1 if any is",
    )

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of records or of query ASTs",
        description="Print the JSON Schema (draft 2020-12) of one kind of JSON that segmentkit "
        "reads: contact, interaction, segment (records as model_dump_json writes them) or "
        "query (a query AST as Query.model_dump_json writes it).",
    )
    schema.add_argument("name", metavar="NAME", help="contact, interaction, segment or query")
    return parser


def _add_time_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--now", metavar="ISO",
        help="the instant to evaluate at, e.g. 2026-11-01T09:00:00Z (default: the current "
        "time, or the sample's own instant with --sample); without an offset it is read in --tz",
    )
    _add_zone_option(command)


def _add_zone_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--tz", metavar="NAME", default="UTC",
        help="time zone for dates, calendar arithmetic and instants without offset "
        "(default: UTC), e.g. Europe/Copenhagen",
    )


def _add_data_options(
    command: argparse.ArgumentParser, *, required: bool, data_help: str
) -> argparse._MutuallyExclusiveGroup:
    source = command.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", metavar="FILE", help=data_help)
    source.add_argument(
        "--sample", action="store_true",
        help="use the bundled sample data (as `segmentkit demo` does) instead of a file",
    )
    return source
