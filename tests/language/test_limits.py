"""The size limit of a query (API.md "Limits", LANGUAGE.md "Size")."""

from __future__ import annotations

import pytest

import segmentkit.settings
from segmentkit import InvalidArgumentError, QueryValidationError, parse
from segmentkit.language.ast import And


def chain(length: int) -> str:
    """``all and all and ...`` of about ``length`` characters (short tokens: the slowest)."""
    return " and ".join(["all"] * max(1, (length + 5) // 8))


def test_the_default_limit_is_documented_and_at_least_100000() -> None:
    assert segmentkit.settings.max_query_length >= 100_000


def test_a_megabyte_query_is_refused_naming_the_limit() -> None:
    text = chain(1_000_000)
    with pytest.raises(QueryValidationError) as refused:
        parse(text)
    message = str(refused.value)
    assert "max_query_length" in message
    assert f"{segmentkit.settings.max_query_length:,}" in message


def test_a_query_at_the_limit_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    text = chain(50_000)
    monkeypatch.setattr(segmentkit.settings, "max_query_length", len(text))
    assert isinstance(parse(text), And)
    monkeypatch.setattr(segmentkit.settings, "max_query_length", len(text) - 1)
    with pytest.raises(QueryValidationError, match="limit"):
        parse(text)


def test_a_lowered_limit_applies_to_texts_parsed_before(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "EmailOpened in last 7 days"
    parse(text)  # now in the parse cache
    monkeypatch.setattr(segmentkit.settings, "max_query_length", 10)
    with pytest.raises(QueryValidationError):
        parse(text)


def test_the_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    text = chain(150_000)
    monkeypatch.setattr(segmentkit.settings, "max_query_length", 200_000)
    assert len(parse(text).operands) == len(text.split(" and "))  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [0, -1, "100000", None, 1.5, True])
def test_a_nonsense_limit_is_an_argument_error(
    monkeypatch: pytest.MonkeyPatch, bad: object
) -> None:
    monkeypatch.setattr(segmentkit.settings, "max_query_length", bad)
    with pytest.raises(InvalidArgumentError, match="max_query_length"):
        parse("all")
