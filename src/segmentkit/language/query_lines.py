"""Files of queries, one a line, in canonical text (``segmentkit format``).

A file of queries holds one query on each line; a line that starts with ``#``
is a comment, and blank lines separate groups. Formatting rewrites each query
into its canonical text (``format.format``) and keeps everything a reader
wrote for other readers:

- a comment line stays where it is, stripped of surrounding white space;
- a comment after a query stays after it, two spaces from the query;
- blank lines stay (white space on them goes), but the file ends with one
  line break and no blank lines;
- ``\\r\\n`` line endings stay ``\\r\\n`` when the first line ends so.

A line that is not a valid query fails the whole text: nothing is formatted.
"""

from __future__ import annotations

from segmentkit.errors import QuerySyntaxError, QueryValidationError
from segmentkit.language.format import format
from segmentkit.language.parse import comments, parse

__all__ = ["format_query_lines"]


def format_query_lines(text: str) -> str:
    """The canonical text of a file of queries (one query a line, ``#`` comments).

    Raises the query's own ``QuerySyntaxError`` or ``QueryValidationError``
    for the first line that is not a valid query, placed at its line and
    column in ``text`` (so the message shows that line with a caret).
    """
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") and "\n" in text else "\n"
    formatted: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            formatted.append(stripped)
            continue
        formatted.append(_format_line(line, number, text))
    while formatted and not formatted[-1]:
        formatted.pop()
    return "".join(line + newline for line in formatted)


def _format_line(line: str, number: int, text: str) -> str:
    try:
        canonical = format(parse(line))
        trailing = comments(line)
    except QuerySyntaxError as error:
        raise QuerySyntaxError(
            error.problem,
            text=text,
            line=number,
            column=error.column,
            expected=error.expected,
            hint=error.hint,
        ) from None
    except QueryValidationError as error:
        raise error.with_position(text, number, error.column or 1) from None
    if trailing:
        return f"{canonical}  {trailing[-1].rstrip()}"
    return canonical
