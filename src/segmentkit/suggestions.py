"""Close names for "did you mean ...?" — one rule for queries and records alike."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["close_names", "nearest_names"]


def close_names(word: str, known: Iterable[str]) -> list[str]:
    """The known names a misspelled ``word`` most likely meant, best first.

    Compared casefolded, so ``emailopened`` finds ``EmailOpened`` (shown as
    spelled). When only the case is wrong that name is the one suggestion;
    otherwise up to three close names within 0.1 of the best match, so
    ``EmailOpend`` does not also suggest ``EmailClicked``.
    """
    by_folded: dict[str, str] = {}
    for name in sorted(known):
        by_folded.setdefault(name.casefold(), name)
    folded = word.casefold()
    if folded in by_folded:
        return [by_folded[folded]]
    matches = difflib.get_close_matches(folded, list(by_folded), n=3, cutoff=0.6)
    if not matches:
        return []
    best = difflib.SequenceMatcher(None, folded, matches[0]).ratio()
    return [
        by_folded[match]
        for match in matches
        if difflib.SequenceMatcher(None, folded, match).ratio() >= best - 0.1
    ]


def nearest_names(word: str, known: Iterable[str], most: int = 3) -> list[str]:
    """The ``most`` known names nearest to ``word``, however far, best first: what
    to offer when ``close_names`` finds none but some name must be offered."""
    folded = word.casefold()
    return sorted(
        sorted(known),
        key=lambda name: -difflib.SequenceMatcher(None, folded, name.casefold()).ratio(),
    )[:most]
