"""Algebraic and metamorphic laws of evaluation, and round trips, as properties.

Each law relates two evaluations of the engine (no reference needed): set
algebra (De Morgan, idempotence, commutativity, associativity, double
negation, difference), counts (``at least n+1`` within ``at least n``;
``exactly k`` for k = 0..K partitions all contacts), windows (a wider window
selects more with ``at least``; moving ``now`` forward adds nothing from the
past to an absolute ``before`` window), and repository growth (an unrelated
contact changes no one else's membership, and joins no positive query).
Repositories and queries come from the public strategies.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, evaluate
from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InPeriods,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    SegmentReference,
    Since,
)
from segmentkit.language.format import format as format_query
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.strategies import (
    contacts,
    interaction_types,
    interactions,
    nows,
    queries,
    query_texts,
    repositories,
    segments,
)

TIMEZONES: tuple[tzinfo, ...] = (UTC, ZoneInfo("Europe/Copenhagen"), ZoneInfo("America/New_York"))
UNITS = ("minute", "hour", "day", "week", "month", "year")
REPOSITORIES = repositories(max_contacts=4, max_interactions=8, max_segments=1)


@st.composite
def situations(draw: st.DrawFn) -> tuple[InMemoryRepository, datetime, tzinfo]:
    """A repository, a `now` (often on one of its timestamps) and a time zone."""
    repo = draw(REPOSITORIES, label="repository")
    return repo, draw(nows(repo), label="now"), draw(st.sampled_from(TIMEZONES), label="tz")


def conditions(repo: InMemoryRepository) -> st.SearchStrategy[InteractionCondition]:
    """Interaction conditions valid for ``repo``, with whatever clauses they drew."""
    atoms = queries(repo, max_depth=1)
    return atoms.filter(lambda query: isinstance(query, InteractionCondition))  # type: ignore[return-value]


def everyone(repo: InMemoryRepository) -> frozenset[str]:
    return frozenset(contact.id for contact in repo.contacts())


# --- set algebra --------------------------------------------------------------------------


@given(situations(), st.data())
def test_evaluation_is_set_algebra(situation: tuple[InMemoryRepository, datetime, tzinfo],
                                   data: st.DataObject) -> None:
    repo, now, tz = situation
    a, b = (data.draw(queries(repo, max_depth=2), label=name) for name in "AB")

    def members(query: Query) -> frozenset[str]:
        return evaluate(query, repo, now=now, tz=tz)

    assert members(a & b) == members(a) & members(b)
    assert members(a | b) == members(a) | members(b)
    assert members(~a) == everyone(repo) - members(a)
    assert members(AllContacts()) == everyone(repo)
    assert members(a) <= everyone(repo)


@given(situations(), st.data())
def test_de_morgan(situation: tuple[InMemoryRepository, datetime, tzinfo],
                   data: st.DataObject) -> None:
    repo, now, tz = situation
    a, b = (data.draw(queries(repo, max_depth=2), label=name) for name in "AB")
    assert evaluate(~(a & b), repo, now=now, tz=tz) == evaluate(~a | ~b, repo, now=now, tz=tz)
    assert evaluate(~(a | b), repo, now=now, tz=tz) == evaluate(~a & ~b, repo, now=now, tz=tz)


@given(situations(), st.data())
def test_and_or_are_idempotent_and_commutative(
    situation: tuple[InMemoryRepository, datetime, tzinfo], data: st.DataObject
) -> None:
    repo, now, tz = situation
    a, b = (data.draw(queries(repo, max_depth=2), label=name) for name in "AB")
    alone = evaluate(a, repo, now=now, tz=tz)
    assert evaluate(a & a, repo, now=now, tz=tz) == alone
    assert evaluate(a | a, repo, now=now, tz=tz) == alone
    assert evaluate(a & b, repo, now=now, tz=tz) == evaluate(b & a, repo, now=now, tz=tz)
    assert evaluate(a | b, repo, now=now, tz=tz) == evaluate(b | a, repo, now=now, tz=tz)


@given(situations(), st.data())
def test_and_or_are_associative(situation: tuple[InMemoryRepository, datetime, tzinfo],
                                data: st.DataObject) -> None:
    repo, now, tz = situation
    a, b, c = (data.draw(queries(repo, max_depth=2), label=name) for name in "ABC")
    # The AST flattens same-kind chains, so both groupings are one query...
    assert (a & b) & c == a & (b & c)
    assert (a | b) | c == a | (b | c)
    # ...and grouping through a double negation (which does not flatten) agrees.
    left = evaluate(And(operands=(Not(operand=Not(operand=a & b)), c)), repo, now=now, tz=tz)
    right = evaluate(And(operands=(a, Not(operand=Not(operand=b & c)))), repo, now=now, tz=tz)
    assert left == right
    left = evaluate(Or(operands=(Not(operand=Not(operand=a | b)), c)), repo, now=now, tz=tz)
    right = evaluate(Or(operands=(a, Not(operand=Not(operand=b | c)))), repo, now=now, tz=tz)
    assert left == right


@given(situations(), st.data())
def test_double_negation_and_difference(situation: tuple[InMemoryRepository, datetime, tzinfo],
                                        data: st.DataObject) -> None:
    repo, now, tz = situation
    a, b = (data.draw(queries(repo, max_depth=2), label=name) for name in "AB")
    assert evaluate(~~a, repo, now=now, tz=tz) == evaluate(a, repo, now=now, tz=tz)
    assert a - b == a & ~b
    assert evaluate(a - b, repo, now=now, tz=tz) == evaluate(a, repo, now=now, tz=tz) - evaluate(
        b, repo, now=now, tz=tz
    )


# --- counts ---------------------------------------------------------------------------------


@given(situations(), st.data(), st.integers(min_value=0, max_value=4))
def test_at_least_n_plus_one_is_within_at_least_n(
    situation: tuple[InMemoryRepository, datetime, tzinfo], data: st.DataObject, n: int
) -> None:
    repo, now, tz = situation
    condition = data.draw(conditions(repo), label="condition")
    more = condition.model_copy(update={"count": Count(operator="at least", value=n + 1)})
    fewer = condition.model_copy(update={"count": Count(operator="at least", value=n)})
    assert evaluate(more, repo, now=now, tz=tz) <= evaluate(fewer, repo, now=now, tz=tz)


@given(situations(), st.data())
def test_exactly_k_partitions_all_contacts(
    situation: tuple[InMemoryRepository, datetime, tzinfo], data: st.DataObject
) -> None:
    repo, now, tz = situation
    condition = data.draw(conditions(repo), label="condition")
    if isinstance(condition.window, InPeriods):
        # Per period each contact has one count, but across periods several:
        # "exactly 0 times in 1 of last 2 weeks" and "exactly 1 time in 1 of
        # last 2 weeks" may both hold. The partition is a law of one window.
        condition = condition.model_copy(update={"window": None})
    # A having comparison that fails leaves a contact out of every part.
    condition = condition.model_copy(update={"having": None})
    # No contact can have more records than the repository has.
    most = len(list(repo.interactions()))
    parts = [
        evaluate(condition.model_copy(update={"count": Count(operator="exactly", value=k)}),
                 repo, now=now, tz=tz)
        for k in range(most + 1)
    ]
    assert sum(len(part) for part in parts) == len(everyone(repo))
    assert frozenset().union(*parts) == everyone(repo)


# --- windows ---------------------------------------------------------------------------------


@given(
    situations(),
    st.data(),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(UNITS),
)
def test_a_wider_window_selects_at_least_as_many(
    situation: tuple[InMemoryRepository, datetime, tzinfo],
    data: st.DataObject,
    n: int,
    amount: int,
    extra: int,
    unit: str,
) -> None:
    repo, now, tz = situation
    condition = data.draw(conditions(repo), label="condition")
    # Without having: an aggregate such as "distinct(x) < 1" can fail on
    # more records, so the law holds for counts alone.
    at_least = condition.model_copy(
        update={"count": Count(operator="at least", value=n), "having": None}
    )

    def members(window: InLast | Since | Before) -> frozenset[str]:
        return evaluate(at_least.model_copy(update={"window": window}), repo, now=now, tz=tz)

    wide, narrow = amount + extra, amount
    assert members(InLast(amount=wide, unit=unit)) >= members(InLast(amount=narrow, unit=unit))
    assert members(Since(point=Ago(amount=wide, unit=unit))) >= members(
        Since(point=Ago(amount=narrow, unit=unit))
    )
    assert members(Before(point=Ago(amount=narrow, unit=unit))) >= members(
        Before(point=Ago(amount=wide, unit=unit))
    )
    # No window at all is the widest.
    no_window = at_least.model_copy(update={"window": None})
    assert members(InLast(amount=wide, unit=unit)) <= evaluate(no_window, repo, now=now, tz=tz)


@given(situations(), st.data())
def test_moving_now_forward_adds_nothing_from_the_past_to_before_windows(
    situation: tuple[InMemoryRepository, datetime, tzinfo], data: st.DataObject
) -> None:
    repo, earlier, tz = situation
    later = data.draw(nows(repo), label="later now")
    earlier, later = sorted((earlier, later))
    condition = data.draw(conditions(repo), label="condition")
    stamps = [record.timestamp for record in repo.interactions()]
    point = data.draw(
        st.one_of(
            st.sampled_from(stamps or [earlier]).map(lambda stamp: DateTimeLiteral(value=stamp)),
            st.sampled_from(stamps or [earlier]).map(lambda stamp: DateLiteral(value=stamp.date())),
        ),
        label="point",
    )
    before = condition.model_copy(update={"window": Before(point=point)})
    # Records that become countable between the two instants are new, not from the past.
    arriving = [stamp for stamp in stamps if earlier < stamp <= later]
    at_earlier = evaluate(before, repo, now=earlier, tz=tz)
    at_later = evaluate(before, repo, now=later, tz=tz)
    if not arriving:
        assert at_earlier == at_later
    if condition.count is None or condition.count.operator == "at least":
        assert at_earlier <= at_later


# --- an unrelated contact -------------------------------------------------------------------------


def admits_zero(count: Count | None) -> bool:
    """`at most n`, or a count whose lower bound is 0 (no count means `at least 1`)."""
    if count is None:
        return False
    return count.operator == "at most" or count.value == 0


def is_positive(query: Query, repo: InMemoryRepository) -> bool:
    """No ``not``, no ``all``, no zero-admitting count, through saved segments too.

    Profile conditions are left out as well: they look at the new contact
    itself (``contact.name is null`` selects a contact without a name).
    """
    for node in query.walk():
        if isinstance(node, (Not, AllContacts, ProfileCondition)):
            return False
        if isinstance(node, InteractionCondition) and admits_zero(node.count):
            return False
        if isinstance(node, SegmentReference):
            segment = repo.get_segment(node.name)
            dynamic = segment is not None and segment.query is not None
            if dynamic and not is_positive(parse(str(segment.query)), repo):  # type: ignore[union-attr]
                return False
    return True


NEW_ID = "unrelated_newcomer"


@given(situations(), st.data())
def test_an_unrelated_contact_changes_no_one_elses_membership(
    situation: tuple[InMemoryRepository, datetime, tzinfo], data: st.DataObject
) -> None:
    repo, now, tz = situation
    query = data.draw(queries(repo), label="query")
    before = evaluate(query, repo, now=now, tz=tz)
    # An attribute the repository accepts: any while it declares none.
    fits = repo.attributes().get("country", "text" if not repo.attributes() else None) == "text"
    repo.add_contacts([Contact(id=NEW_ID, attributes={"country": "DK"} if fits else {})])
    after = evaluate(query, repo, now=now, tz=tz)
    assert after - {NEW_ID} == before
    if is_positive(query, repo):
        assert after == before


# --- round trips ---------------------------------------------------------------------------


@given(st.data())
def test_generated_queries_round_trip_through_text_and_json(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    query = data.draw(queries(repo), label="query")
    assert parse(format_query(query)) == query
    assert Query.model_validate_json(query.model_dump_json()) == query
    assert Query.model_validate(query.model_dump()) == query


@given(st.data())
def test_generated_query_texts_parse_to_their_canonical_query(data: st.DataObject) -> None:
    repo = data.draw(REPOSITORIES, label="repository")
    text = data.draw(query_texts(repo), label="text")
    query = parse(text)
    assert parse(format_query(query)) == query
    assert format_query(parse(format_query(query))) == format_query(query)


@given(
    st.one_of(
        contacts(),
        interactions(["c1", "C1", "straße"]),
        interaction_types(),
        segments(),
    )
)
def test_generated_models_round_trip_through_json(
    model: Contact | Interaction | InteractionType | Segment,
) -> None:
    assert type(model).model_validate_json(model.model_dump_json()) == model


@given(REPOSITORIES)
def test_a_repositorys_records_round_trip_through_json(repo: InMemoryRepository) -> None:
    for record in [*repo.contacts(), *repo.interactions(), *repo.segments()]:
        assert type(record).model_validate_json(record.model_dump_json()) == record
