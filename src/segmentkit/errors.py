"""Every error segmentkit raises on purpose.

Each error keeps its facts as attributes (line, column, names, suggestions)
and builds its message from them, in words a marketer understands. Nothing
else in the package defines an exception class.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DataFileError",
    "DuplicateRecordError",
    "InvalidArgumentError",
    "MarketingError",
    "NumberSeriesError",
    "QuerySyntaxError",
    "QueryValidationError",
    "RecordError",
    "SegmentCycleError",
    "SegmentKitError",
    "SegmentStatusError",
    "SnapshotError",
    "UnknownRecordError",
    "caret_excerpt",
]


class SegmentKitError(Exception):
    """The base of every error the library raises on purpose."""


def caret_excerpt(text: str, line: int, column: int) -> str:
    """The query line at ``line`` with a caret under ``column`` (both 1-based).

    Very long lines are cut around the column so that a 1 MB query does not
    produce a 1 MB message.
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].replace("\t", " ").rstrip("\r")
    col = max(1, min(column, len(source) + 1))
    width = 100
    start = 0
    if len(source) > width:
        start = max(0, min(col - 1 - width // 2, len(source) - width))
        source = source[start : start + width]
        prefix = "..." if start > 0 else ""
        source = prefix + source
        col = col - start + len(prefix)
    return f"  {source}\n  {' ' * (col - 1)}^"


def _where(line: int | None, column: int | None) -> str:
    if line is None or column is None:
        return ""
    return f" (line {line}, column {column})"


class QuerySyntaxError(SegmentKitError, ValueError):
    """A query that does not follow the grammar.

    ``line`` and ``column`` are 1-based; ``text`` is the whole query;
    ``expected`` lists, in plain words, what could have come at that point;
    ``hint`` is a suggested fix for a common mistake, when one is recognised.
    """

    def __init__(
        self,
        problem: str,
        *,
        text: str,
        line: int,
        column: int,
        expected: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.text = text
        self.line = line
        self.column = column
        self.expected = tuple(expected)
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.problem}{_where(self.line, self.column)}"]
        excerpt = caret_excerpt(self.text, self.line, self.column)
        if excerpt:
            parts.append(excerpt)
        if self.expected:
            parts.append("Expected " + _one_of(self.expected) + ".")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


def _one_of(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return "one of: " + ", ".join(words)


class QueryValidationError(SegmentKitError, ValueError):
    """A query that parses but cannot be evaluated as written.

    Unknown type, field, ``via`` or segment; inverted ranges; negative counts;
    ``null`` outside ``is null``; lists of mixed kinds. ``word`` is the
    offending word, ``line``/``column`` its 1-based position when the query
    text is known, ``suggestions`` the closest known names.
    """

    def __init__(
        self,
        problem: str,
        *,
        word: str | None = None,
        suggestions: Sequence[str] = (),
        text: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.word = word
        self.suggestions = list(suggestions)
        self.text = text
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.problem}{_where(self.line, self.column)}"]
        if self.text is not None and self.line is not None and self.column is not None:
            excerpt = caret_excerpt(self.text, self.line, self.column)
            if excerpt:
                parts.append(excerpt)
        if self.suggestions:
            # In lower case, as LANGUAGE.md writes it ("did you mean EmailOpened?").
            parts.append("did you mean " + " or ".join(self.suggestions) + "?")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)

    def with_position(self, text: str, line: int, column: int) -> QueryValidationError:
        """The same error, placed at a position in ``text``."""
        return QueryValidationError(
            self.problem,
            word=self.word,
            suggestions=self.suggestions,
            text=text,
            line=line,
            column=column,
            hint=self.hint,
        )


class RecordError(SegmentKitError, ValueError):
    """A record refused by ``add_contacts``, ``add_interactions``, ``save_segment``
    or a data file loader.

    ``position`` is the record's 0-based index in the batch (None for a
    single record), ``record_id`` its id when it has one, ``reason`` what is
    wrong with it; for a record read from a file, ``source`` names the file and
    ``line`` is its 1-based line number.
    """

    def __init__(
        self,
        reason: str,
        *,
        position: int | None = None,
        record_id: str | None = None,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.reason = reason
        self.position = position
        self.record_id = record_id
        self.source = source
        self.line = line
        super().__init__(f"{self._where()}{reason}")

    def _where(self) -> str:
        # A file position is what a user can go to, so it leads when known.
        if self.line is not None:
            return f"{self.source}, line {self.line}: " if self.source else f"line {self.line}: "
        if self.source is not None:
            return f"{self.source}: "
        if self.position is not None:
            where = f"record {self.position} of the batch"
            if self.record_id is not None:
                where += f" (id {self.record_id!r})"
            return where + ": "
        if self.record_id is not None:
            return f"record {self.record_id!r}: "
        return ""


class SegmentCycleError(SegmentKitError, ValueError):
    """Segments that refer to each other in a circle.

    ``cycle`` lists the segment names along the circle, the first name
    repeated at the end: ``["A", "B", "A"]``.
    """

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        super().__init__(
            "These segments refer to each other in a circle: " + " -> ".join(self.cycle)
        )


class InvalidArgumentError(SegmentKitError, ValueError):
    """A bad argument to an API call that is not a query or a record:
    a naive ``now``, an unknown time zone, a segment name that is not saved."""

    def __init__(self, problem: str, *, argument: str | None = None) -> None:
        self.problem = problem
        self.argument = argument
        super().__init__(problem)


class DataFileError(SegmentKitError, ValueError):
    """A data file or directory that cannot be read as what it should be:
    not Parquet, damaged, or missing a part. ``path`` names it and
    ``problem`` says what is wrong; nothing was loaded from it."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class SnapshotError(DataFileError):
    """A directory that is not a readable segmentkit snapshot: not one at
    all, written by another format version, or damaged (a file missing or
    changed since it was saved). Nothing was loaded from it."""


class SegmentStatusError(InvalidArgumentError):
    """A segment used in a way its lifecycle status does not allow.

    ``segment`` is its name and ``status`` its status: a draft or stopped
    segment has no members, and a live segment may refer only to live ones.
    ``referrers`` names the live segments that refer to ``segment`` when
    that is what stops the change (stopping it, or saving it as a draft).
    """

    def __init__(
        self,
        problem: str,
        *,
        segment: str,
        status: str,
        referrers: Sequence[str] = (),
        argument: str | None = None,
    ) -> None:
        self.segment = segment
        self.status = status
        self.referrers = list(referrers)
        super().__init__(problem, argument=argument)


class MarketingError(SegmentKitError, ValueError):
    """A marketing action (``segmentkit.marketing``) that cannot be done as asked.

    ``problem`` says what is wrong and ``hint`` what to do about it, when
    there is something to do. Nothing was changed.
    """

    def __init__(self, problem: str, *, hint: str | None = None) -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(problem if hint is None else f"{problem}. {hint}")


class UnknownRecordError(MarketingError):
    """A code or number that names no record: ``kind`` ("template",
    "salesperson", "contact", ...), ``key`` the code given, ``suggestions`` the
    closest known codes."""

    def __init__(
        self,
        kind: str,
        key: object,
        *,
        suggestions: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        self.kind = kind
        self.key = key
        self.suggestions = list(suggestions)
        problem = f"There is no {kind} {key!r}"
        if self.suggestions:
            problem += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(problem, hint=hint)


class DuplicateRecordError(MarketingError):
    """A record whose code is taken: ``kind`` and ``key`` name it."""

    def __init__(self, kind: str, key: str, *, hint: str | None = None) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"There is already a {kind} {key!r}", hint=hint)


class NumberSeriesError(MarketingError):
    """A number series that cannot give the next number: ``series`` is its
    code, ``last_used`` the last number it gave, ``ending_number`` its end."""

    def __init__(
        self,
        problem: str,
        *,
        series: str,
        last_used: str | None = None,
        ending_number: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.series = series
        self.last_used = last_used
        self.ending_number = ending_number
        super().__init__(problem, hint=hint)
