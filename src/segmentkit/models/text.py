"""Text the library can save: the one check for lone surrogates, and how a refusal reads.

A Python ``str`` may hold half of a UTF-16 character pair (U+D800-U+DFFF,
a "lone surrogate"; in a ``str`` a whole pair is one character, so every
surrogate stands alone). UTF-8 cannot encode one, so neither JSON nor any
file can hold it: a record holding one could be stored but never saved
(``model_dump_json`` and ``dump_repository`` would fail far from the
cause). So every text is refused at the door, as the query parser refuses
one in a literal:

- a text with a constraint (an id, a key, a name, a code) is refused by
  pydantic itself, which reads it as UTF-8 for the constraint (error
  ``string_unicode``);
- any other text is a ``SavableStr`` (checked by ``savable_text``), and a
  text value of an attribute or property is checked by ``validate_value``;
- the storage fast paths, which bypass pydantic, call ``surrogate_problem``.

``describe_problem`` words both of pydantic's refusals alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = ["SURROGATE", "SavableStr", "describe_problem", "savable_text", "surrogate_problem"]

SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_problem(text: str) -> str | None:
    """Why ``text`` cannot be saved (it holds a lone surrogate), or None when it can."""
    # A str knows whether it is ASCII (O(1)): the common case costs no scan.
    if text.isascii():
        return None
    found = SURROGATE.search(text)
    if found is None:
        return None
    return (
        f"the text holds half of a character pair (a lone surrogate, "
        f"U+{ord(found.group()):04X}), which cannot be saved"
    )


def savable_text(text: str) -> str:
    """``text`` itself; a pydantic error when it holds a lone surrogate."""
    if text.isascii():  # the common case, without a second call
        return text
    problem = surrogate_problem(text)
    if problem is not None:
        raise PydanticCustomError("lone_surrogate", problem)
    return text


# Text without other constraints (names, emails, descriptions, queries).
SavableStr = Annotated[str, AfterValidator(savable_text)]


def describe_problem(problem: ErrorDetails, loc: Sequence[int | str] | None = None) -> str:
    """One of pydantic's problems as ``field.path: message`` (the message alone at the top).

    ``loc`` replaces the problem's own path (a batch's position left out).
    A lone surrogate pydantic met reading a constrained text reads as
    ``savable_text`` words it. (Pydantic writes a key holding one in the
    path with U+FFFD in its place, so the message itself can be saved.)
    """
    where = ".".join(str(step) for step in (problem["loc"] if loc is None else loc))
    message = str(problem["msg"])
    value = problem.get("input")
    if problem["type"] == "string_unicode" and isinstance(value, str):
        message = surrogate_problem(value) or message
    return f"{where}: {message}" if where else message
