"""Ids as bound parameters, in chunks well under every engine's limit on
the length of an IN list (``SqlRepository`` asks which ids exist, and
cancels records, by id)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlglot import exp

__all__ = ["id_chunks", "one_of"]

_CHUNK = 1000


def id_chunks(ids: Iterable[str]) -> Iterator[dict[str, str]]:
    """The distinct ``ids`` as named parameters, at most a chunk at a time."""
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), _CHUNK):
        yield {f"p{i}": value for i, value in enumerate(wanted[start : start + _CHUNK])}


def one_of(column: str, params: dict[str, str]) -> exp.Expr:
    """``column IN (the parameters)``."""
    return exp.column(column, quoted=True).isin(*(exp.Placeholder(this=name) for name in params))
