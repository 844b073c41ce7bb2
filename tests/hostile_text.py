"""Text a hostile user would store, for the tests of what the library refuses and saves.

A lone surrogate (half of a UTF-16 character pair, which no file can hold)
must be refused wherever text is stored; everything else - NUL, every
control character, line and paragraph separators, a byte order mark,
noncharacters, the last code point, JSON look-alikes - must be stored and
saved as it is.
"""

from __future__ import annotations

import unicodedata
from typing import Any, get_args

from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from segmentkit.models.text import describe_problem

# Unicode's Cc category: U+0000-U+001F and U+007F-U+009F.
CONTROL_CHARACTERS = "".join(
    chr(code) for code in range(0x100) if unicodedata.category(chr(code)) == "Cc"
)
AWKWARD_TEXTS = (
    "\x00",
    CONTROL_CHARACTERS,
    "\r\n",
    "\u2028\u2029\x85",
    "\ufeffbom",
    "\ufffe\uffff",
    "\U0010ffff",
    "\\ud800",  # the escape written out: six ordinary characters
    '"}\n{"kind": "contact", "id": "x"}',
)
LONE = "x\ud800y"

lone_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
savable_texts = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(AWKWARD_TEXTS),
)
unsavable_texts = st.builds(
    lambda before, lone, after: before + lone + after, savable_texts, lone_surrogates, savable_texts
)
# Two in three savable: a refusal tests the door, an acceptance the round trip.
hostile_texts = st.one_of(savable_texts, savable_texts, unsavable_texts)


def holds_surrogate(data: object) -> bool:
    """True when ``data`` (text, or dicts, lists and tuples of it) holds a lone surrogate."""
    if isinstance(data, str):
        return any(0xD800 <= ord(char) <= 0xDFFF for char in data)
    if isinstance(data, dict):
        return any(holds_surrogate(key) or holds_surrogate(value) for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return any(map(holds_surrogate, data))
    return False


def _mentions_str(annotation: object) -> bool:
    return annotation is str or any(map(_mentions_str, get_args(annotation)))


def text_fields(model: type[BaseModel]) -> set[str]:
    """The fields of ``model`` that hold text: alone, as dict keys or in collections."""
    return {name for name, field in model.model_fields.items() if _mentions_str(field.annotation)}


def assert_refused(model: type[BaseModel], data: dict[str, Any], field: str) -> None:
    """``model`` refuses ``data`` for a lone surrogate in ``field``, and says so in our words."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        (problem,) = error.errors(include_url=False)
        assert problem["loc"][0] == field
        assert "half of a character pair (a lone surrogate, U+D800)" in describe_problem(problem)
    else:
        raise AssertionError(f"{model.__name__} accepted a lone surrogate in {field}")
