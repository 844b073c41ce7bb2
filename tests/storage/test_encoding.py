"""``ValueDictionary``: adding text in one pass equals adding it value by value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segmentkit.storage.encoding import ValueDictionary

texts = st.one_of(st.none(), st.text(max_size=3))


@given(before=st.lists(texts, max_size=6), new=st.lists(texts, max_size=6, unique=True))
def test_text_added_at_once_gets_the_codes_one_by_one_would(
    before: list[str | None], new: list[str | None]
) -> None:
    at_once, one_by_one = ValueDictionary(), ValueDictionary()
    for dictionary in (at_once, one_by_one):
        for value in before:
            dictionary.code(value)
    fresh = [value for value in new if value not in at_once.codes]
    at_once.add_text(fresh)
    for value in fresh:
        one_by_one.code(value)
    assert at_once.values == one_by_one.values
    assert at_once.codes == one_by_one.codes
    assert [at_once.code(value) for value in before + new] == [
        one_by_one.code(value) for value in before + new
    ]
