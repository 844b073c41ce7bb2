"""``field = "text"`` and ``field in [texts]`` answered from the index of
casefolded text values (``engine.text_index``): the same codes as deciding
the restriction value by value, whatever the spellings and kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, InteractionType, evaluate, parse
from segmentkit.engine.compare import compile_restriction
from segmentkit.engine.text_index import equal_text_codes
from segmentkit.language.ast import InteractionCondition

NOW = datetime(2026, 3, 1, tzinfo=UTC)
# Spellings that casefold alike (and some that do not).
_TEXTS = st.sampled_from(["DK", "dk", "Dk", "SE", "ß", "SS", "ss", "straße", "STRASSE", "", " dk"])


def _repository(values: list[object]) -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(InteractionType(
        name="Seen", fields={"country": "text", "amount": "number", "tags": "list"}))
    repo.add_contacts([{"id": f"c{n}"} for n in range(len(values))])
    repo.add_interactions([
        {"id": f"r{n}", "type": "Seen", "contact_id": f"c{n}",
         "timestamp": NOW - timedelta(hours=n + 1), "properties": properties}
        for n, properties in enumerate(
            {"country": value} if isinstance(value, str) else
            {"tags": value} if isinstance(value, list) else
            {"amount": value} if value is not None else {}
            for value in values
        )
    ])
    return repo


@given(
    values=st.lists(_TEXTS | st.integers(0, 3) | st.lists(_TEXTS, max_size=2) | st.none(),
                    max_size=10),
    literals=st.lists(_TEXTS, min_size=1, max_size=3),
    field=st.sampled_from(["country", "amount", "tags"]),
    shape=st.sampled_from(["=", "in"]),
)
def test_the_index_gives_the_codes_the_restriction_passes(
    values: list[object], literals: list[str], field: str, shape: str
) -> None:
    quoted = [f'"{text}"' for text in literals]
    where = f"{field} = {quoted[0]}" if shape == "=" else f"{field} in [{', '.join(quoted)}]"
    query = parse(f"Seen where {where}")
    assert isinstance(query, InteractionCondition) and query.where is not None
    repo = _repository(values)
    log = repo.snapshot().log("Seen")
    holds = compile_restriction(query.where, tz=UTC)
    dictionary = log.dictionaries.get(field)
    expected = set() if dictionary is None else {
        code for code in range(1, len(dictionary)) if holds({field: dictionary[code]}) is True
    }
    if dictionary is not None:
        assert equal_text_codes(log, field, query.where) == expected
    # And through a whole evaluation, against each record decided alone.
    expected_members = {
        record.contact_id for record in log.records if holds(record.properties) is True
    }
    assert evaluate(f"Seen where {where}", repo, now=NOW) == expected_members


def test_other_shapes_are_left_to_the_restriction() -> None:
    repo = _repository(["DK"])
    log = repo.snapshot().log("Seen")
    for where in ('country != "dk"', 'country = 1', 'country in [1, 2]',
                  '(not country = "dk")', '(country = "dk" and country = "DK")'):
        query = parse(f"Seen where {where}")
        assert isinstance(query, InteractionCondition) and query.where is not None
        assert equal_text_codes(log, "country", query.where) is None, where


def test_text_is_equal_when_its_casefolded_forms_are() -> None:
    # "ß" casefolds to "ss" (lower() would leave it): LANGUAGE.md compares casefolded.
    repo = _repository(["straße", "STRASSE", "Strasse", "ß", "SS", 3, ["ss"]])
    snapshot = repo.snapshot()
    assert evaluate('Seen where country = "STRASSE"', snapshot, now=NOW) == {"c0", "c1", "c2"}
    assert evaluate('Seen where country in ["ss", "x"]', snapshot, now=NOW) == {"c3", "c4"}
