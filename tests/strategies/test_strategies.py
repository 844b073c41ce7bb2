"""segmentkit.strategies: valid records and queries, registration, shrinking."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from segmentkit import (
    Contact,
    InMemoryRepository,
    Interaction,
    InteractionType,
    Query,
    Segment,
    evaluate,
)
from segmentkit.engine.windows import resolve_timezone
from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import (
    And,
    Comparison,
    InteractionCondition,
    ListLiteral,
    Node,
    Not,
    Or,
    ProfileCondition,
    SegmentReference,
)
from segmentkit.language.check import check_structure
from segmentkit.language.format import format
from segmentkit.language.names import check_names
from segmentkit.language.parse import parse
from segmentkit.models.records import CONTACT_FIELDS
from segmentkit.models.values import value_kind
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.strategies import (
    contacts,
    interaction_types,
    interactions,
    nows,
    queries,
    query_texts,
    repositories,
    segments,
    timezones,
)
from segmentkit.strategies._texts import spellings

# Generating a repository builds a whole repository: keep the counts modest.
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# No explain phase: on a found repository it costs four times the shrinking.
SHRINK = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate, Phase.shrink],
)
# For find() used only to show that some example exists: no shrinking.
EXISTS = settings(SHRINK, phases=[Phase.generate])
# For statistics over a fixed sample: the same examples every run, nothing rejected.
SAMPLE = settings(EXISTS, suppress_health_check=list(HealthCheck))

# The literal kinds a comparison may use against a field of each kind.
LITERAL_KINDS = {
    "text": {"string"},
    "number": {"number"},
    "boolean": {"boolean"},
    "date": {"date", "datetime", "ago"},
    "datetime": {"date", "datetime", "ago"},
    "list": {"string", "number"},
}
# Operators that fit each field kind (LANGUAGE.md "Comparisons").
ANY_KIND = {"=", "!=", "in", "not in", "is null", "is not null"}
OPERATORS = {
    "text": ANY_KIND | {"<", "<=", ">", ">=", "contains", "starts with", "ends with", "like",
             "not like"},
    "number": ANY_KIND | {"<", "<=", ">", ">="},
    "date": ANY_KIND | {"<", "<=", ">", ">="},
    "datetime": ANY_KIND | {"<", "<=", ">", ">="},
    "boolean": ANY_KIND,
    "list": ANY_KIND | {"contains"},
}


def connective_depth(query: Node) -> int:
    """Nesting of and/or/not (an atom is 1)."""
    if isinstance(query, And | Or):
        return 1 + max(connective_depth(operand) for operand in query.operands)
    if isinstance(query, Not):
        return 1 + connective_depth(query.operand)
    return 1


def comparisons_of(node: Node) -> Iterator[Comparison]:
    for part in node.walk():
        if isinstance(part, Comparison):
            yield part


def assert_fits(comparison: Comparison, kinds: set[str]) -> None:
    """The comparison is type-correct for a field holding one of ``kinds``."""
    value = comparison.value
    literal_kinds: set[str]
    if value is None:
        literal_kinds = set()
    elif isinstance(value, ListLiteral):
        literal_kinds = {item.kind for item in value.items}
        assert len(literal_kinds) <= 1, comparison
    else:
        literal_kinds = {value.kind}
    assert any(
        comparison.operator in OPERATORS[kind] and literal_kinds <= LITERAL_KINDS[kind]
        for kind in kinds
    ), comparison


def profile_kinds(repo: InMemoryRepository) -> dict[str, set[str]]:
    """For each profile path, the kinds its values have in the repository."""
    kinds: dict[str, set[str]] = {field: {"text"} for field in CONTACT_FIELDS}
    kinds["nickname"] = {"text"}  # the attribute no generated contact has
    for contact in repo.contacts():
        for key, value in contact.attributes.items():
            # A key that only ever holds null is compared as text.
            kinds.setdefault(key, set()).add(value_kind(value) or "text")
    return kinds


def assert_valid_for(query: Query, repo: InMemoryRepository) -> None:
    snapshot = repo.snapshot()
    check_structure(query)
    check_names(query, types=snapshot.types, segments=snapshot.segments)
    paths = profile_kinds(repo)
    for node in query.walk():
        if isinstance(node, InteractionCondition):
            schema = snapshot.types[node.type]
            if node.via is not None:
                assert node.via in schema.contact_references
            if node.where is not None:
                for comparison in comparisons_of(node.where):
                    assert_fits(comparison, {schema.fields[comparison.field]})
        elif isinstance(node, ProfileCondition):
            assert node.comparison.field in paths, node
            assert_fits(node.comparison, paths[node.comparison.field])
        elif isinstance(node, SegmentReference):
            assert repo.get_segment(node.name) is not None


# --- records ---------------------------------------------------------------------------


@FEW
@given(st.lists(contacts(), unique_by=lambda c: c.id, max_size=5))
def test_drawn_contacts_are_accepted_and_round_trip_through_json(people: list[Contact]) -> None:
    repo = InMemoryRepository()
    assert repo.add_contacts(people) == len(people)
    for person in people:
        assert Contact.model_validate_json(person.model_dump_json()) == person


@FEW
@given(st.data())
def test_drawn_interactions_are_accepted_for_their_contacts(data: st.DataObject) -> None:
    repo = InMemoryRepository()
    people = data.draw(st.lists(contacts(), min_size=1, max_size=4, unique_by=lambda c: c.id))
    repo.add_contacts(people)
    custom = data.draw(
        st.lists(
            interaction_types().filter(lambda t: t.name not in repo.types()),
            max_size=1,
        )
    )
    for interaction_type in custom:
        repo.register_type(interaction_type)
    ids = [person.id for person in people]
    records = data.draw(
        st.lists(
            interactions(ids, types=[*repo.types().values()]),
            max_size=6,
            unique_by=lambda i: i.id,
        )
    )
    assert repo.add_interactions(records) == len(records)
    for record in records:
        assert record.contact_id in ids
        schema = repo.types()[record.type]
        for field in schema.contact_references:
            assert record.properties.get(field) in [*ids, None]
        assert Interaction.model_validate_json(record.model_dump_json()) == record


def test_interactions_refuse_an_empty_or_string_id_list() -> None:
    with pytest.raises(InvalidArgumentError):
        interactions([])
    with pytest.raises(InvalidArgumentError):
        interactions("c1")
    with pytest.raises(InvalidArgumentError):
        interactions(["c1"], types=[])


@FEW
@given(segments())
def test_drawn_segments_can_be_saved_where_their_members_exist(segment: Segment) -> None:
    repo = InMemoryRepository()
    repo.add_contacts(
        Contact(id=i) for i in ("c1", "c2", "C1", "straße", "STRASSE", "ab", "c3", "c4")
    )
    repo.save_segment(segment)
    assert repo.get_segment(segment.name) == segment


# --- repositories --------------------------------------------------------------------------


@FEW
@given(st.data())
def test_repositories_respect_their_bounds_and_every_segment_evaluates(
    data: st.DataObject,
) -> None:
    repo = data.draw(repositories(min_contacts=1, max_contacts=4, max_interactions=5))
    people = list(repo.contacts())
    assert 1 <= len(people) <= 4
    assert len(list(repo.interactions())) <= 5
    saved = list(repo.segments())
    assert len(saved) <= 3
    now = data.draw(nows(repo))
    for segment in saved:
        if segment.query is not None:
            assert_valid_for(parse(segment.query), repo)
        members = repo.members(segment.name, now=now, tz=data.draw(timezones()))
        assert members <= {person.id for person in people}


def test_repositories_refuse_bad_bounds() -> None:
    with pytest.raises(InvalidArgumentError):
        repositories(min_contacts=3, max_contacts=2)
    with pytest.raises(InvalidArgumentError):
        repositories(max_interactions=-1)
    with pytest.raises(InvalidArgumentError):
        repositories(max_segments=99)


def test_generated_repositories_include_canceled_records() -> None:
    found = find(
        repositories(min_contacts=1),
        lambda repo: any(record.canceled for record in repo.interactions()),
        settings=EXISTS,
    )
    assert any(record.canceled for record in found.interactions())


def test_generated_repositories_include_custom_types_and_both_kinds_of_segment() -> None:
    def rich(repo: InMemoryRepository) -> bool:
        saved = list(repo.segments())
        return (
            len(repo.types()) > len(BUILTIN_TYPES)
            and any(segment.is_static for segment in saved)
            and any(not segment.is_static for segment in saved)
        )

    assert rich(find(repositories(), rich, settings=EXISTS))


# --- queries ---------------------------------------------------------------------------------


@FEW
@given(st.data())
def test_queries_are_valid_for_their_repository_and_round_trip(data: st.DataObject) -> None:
    repo = data.draw(repositories())
    query = data.draw(queries(repo))
    assert_valid_for(query, repo)
    assert parse(format(query)) == query
    assert Query.model_validate_json(query.model_dump_json()) == query
    assert connective_depth(query) <= 3


@FEW
@given(st.data())
def test_queries_evaluate_without_error_at_any_now_and_time_zone(data: st.DataObject) -> None:
    # Windows are never inverted, whatever now and tz (LANGUAGE.md "Windows").
    repo = data.draw(repositories())
    query = data.draw(queries(repo))
    members = evaluate(query, repo, now=data.draw(nows(repo)), tz=data.draw(timezones()))
    assert members <= {contact.id for contact in repo.contacts()}


@FEW
@given(st.data())
def test_max_depth_bounds_the_nesting(data: st.DataObject) -> None:
    repo = data.draw(repositories(max_segments=0))
    depth = data.draw(st.integers(min_value=1, max_value=4))
    assert connective_depth(data.draw(queries(repo, max_depth=depth))) <= depth


def test_queries_refuse_a_depth_below_one() -> None:
    with pytest.raises(InvalidArgumentError):
        queries(InMemoryRepository(), max_depth=0)
    with pytest.raises(InvalidArgumentError):
        query_texts(InMemoryRepository(), max_depth=True)


@FEW
@given(st.data())
def test_query_texts_parse_to_valid_queries(data: st.DataObject) -> None:
    repo = data.draw(repositories())
    text = data.draw(query_texts(repo))
    assert_valid_for(parse(text), repo)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_spelling_parses_to_the_query_it_spells(data: st.DataObject) -> None:
    repo = data.draw(st.sampled_from(REPOSITORIES))
    query = data.draw(queries(repo))
    text = data.draw(spellings(query))
    assert parse(text) == query, text


def _sample_repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(
        InteractionType(
            name="day",  # a keyword: written in backticks
            fields={"tags": "list", "amount": "number", "buyerId": "text", "paid": "boolean"},
            contact_references=frozenset({"buyerId"}),
        )
    )
    repo.add_contacts(
        [
            Contact(id="c1", attributes={"country": "DK", "last": "x", "age": 1}),
            Contact(id="C1", attributes={"country": 1.0, "tags": ["a"], "vip": None}),
        ]
    )
    repo.save_segment({"name": "segment", "members": ["c1"]})
    return repo


REPOSITORIES = (InMemoryRepository(), _sample_repository())


# --- interesting values -----------------------------------------------------------------------


def test_queries_select_proper_non_empty_subsets() -> None:
    # The value pools collide: some generated query keeps some contacts and not others.
    @st.composite
    def cases(draw: st.DrawFn) -> tuple[InMemoryRepository, Query, datetime, str]:
        repo = draw(repositories(min_contacts=2))
        return repo, draw(queries(repo, max_depth=1)), draw(nows(repo)), draw(timezones())

    def proper_subset(case: tuple[InMemoryRepository, Query, datetime, str]) -> bool:
        repo, query, now, tz = case
        members = evaluate(query, repo, now=now, tz=tz)
        return isinstance(query, InteractionCondition) and 0 < len(members) < len(
            list(repo.contacts())
        )

    assert proper_subset(find(cases(), proper_subset, settings=EXISTS))


def split_fractions(depth: int, only: type[Query] | None = None) -> Counter[str]:
    """How a fixed sample of queries on small repositories splits the contacts.

    Derandomized: the same sample on every run, so the bounds below are not flaky.
    """
    outcomes: Counter[str] = Counter()

    @settings(SAMPLE, max_examples=100)
    @given(st.data())
    def sample(data: st.DataObject) -> None:
        repo = data.draw(
            repositories(min_contacts=2, max_contacts=4, max_interactions=8, max_segments=0)
        )
        drawn = queries(repo, max_depth=depth)
        if only is not None:
            drawn = drawn.filter(lambda query: isinstance(query, only))
        query = data.draw(drawn)
        members = evaluate(query, repo, now=data.draw(nows(repo)), tz=data.draw(timezones()))
        everyone = len(list(repo.contacts()))
        outcomes["empty" if not members else "all" if len(members) == everyone else "proper"] += 1

    sample()
    return outcomes


def test_many_queries_select_a_proper_subset_of_their_repositorys_contacts() -> None:
    # Literals, counts and windows are aimed at what the repository holds.
    # This sample: 0.25 of whole queries, 0.27 of single interaction
    # conditions (drawn from the fixed pools alone: 0.05 and 0.02; over
    # 1,200 random draws: 0.24 and 0.32). The bounds lie well below.
    queries_split = split_fractions(depth=3)
    assert queries_split["proper"] >= 0.10 * queries_split.total(), queries_split
    conditions_split = split_fractions(depth=1, only=InteractionCondition)
    assert conditions_split["proper"] >= 0.15 * conditions_split.total(), conditions_split


def test_timezones_and_nows_are_usable_for_evaluation() -> None:
    @st.composite
    def cases(draw: st.DrawFn) -> tuple[datetime, str]:
        return draw(nows(draw(repositories()))), draw(timezones())

    now, tz = find(cases(), lambda case: case[1] != "UTC", settings=EXISTS)
    assert now.utcoffset() is not None
    resolve_timezone(tz)


# --- shrinking -----------------------------------------------------------------------------------


def test_a_failing_query_shrinks_to_one_clause() -> None:
    repo = _sample_repository()
    found = find(
        queries(repo),
        lambda q: any(
            isinstance(n, InteractionCondition) and n.window is not None for n in q.walk()
        ),
        settings=SHRINK,
    )
    assert isinstance(found, InteractionCondition)
    assert (found.via, found.where, found.count) == (None, None, None)


def test_a_failing_profile_query_shrinks_to_one_comparison() -> None:
    repo = _sample_repository()
    found = find(
        queries(repo),
        lambda q: any(isinstance(n, ProfileCondition) for n in q.walk()),
        settings=SHRINK,
    )
    assert isinstance(found, ProfileCondition)


def test_a_failing_repository_shrinks_to_one_interaction() -> None:
    found = find(repositories(), lambda r: len(list(r.interactions())) >= 1, settings=SHRINK)
    assert len(list(found.interactions())) == 1
    assert len(list(found.contacts())) == 1
    assert list(found.segments()) == []


@pytest.mark.parametrize("word", ["contact", "not", "segment"])
def test_a_failing_query_text_shrinks_to_canonical_text(word: str) -> None:
    repo = _sample_repository()
    found = find(query_texts(repo), lambda text: word in text, settings=SHRINK)
    assert found == format(parse(found))


# --- registration ------------------------------------------------------------------------------

FROM_TYPE = """
import sys
from hypothesis import given, settings, strategies as st
{first}
from segmentkit import Contact, InMemoryRepository, Interaction, InteractionType, Query, Segment
for model in (Contact, Interaction, InteractionType, Segment, InMemoryRepository, Query):
    @settings(max_examples=3, database=None)
    @given(st.from_type(model))
    def check(value):
        assert isinstance(value, model), value
    check()
print("ok")
"""


@pytest.mark.slow
@pytest.mark.parametrize("first", ["", "import segmentkit.strategies"])
def test_from_type_works_through_the_entry_point(first: str) -> None:
    # A fresh interpreter: only the entry point can have registered the models,
    # also when importing segmentkit.strategies is what first imports Hypothesis.
    script = FROM_TYPE.format(first=first)
    if first:
        script = first + "\n" + script.replace(first, "")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow
def test_importing_segmentkit_does_not_import_hypothesis_or_the_data_extras() -> None:
    # Nor does adding plain records: pyarrow is imported only for Arrow data.
    script = (
        "import sys, segmentkit; repo = segmentkit.InMemoryRepository(); "
        "repo.add_contacts([{'id': 'c1'}]); repo.add_interactions([]); "
        "print(json.dumps(sorted(set(sys.modules) & EXTRAS)))"
    )
    extras = "{'hypothesis', 'pyarrow', 'pandas', 'polars', 'numpy'}"
    result = subprocess.run(
        [sys.executable, "-c", f"import json; EXTRAS = {extras}; " + script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
