"""Declared contact attribute kinds (API.md, "Contact attribute kinds")."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from segmentkit import (
    InvalidArgumentError,
    QueryValidationError,
    RecordError,
    Segment,
    evaluate,
)
from segmentkit.io.jsonl import dump_repository, load_repository
from segmentkit.repository import InMemoryRepository

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([
        {"id": "ann", "email": "ann@x.dk", "attributes": {"country": "DK", "joined": "2026-01-05"}},
        {"id": "bob", "attributes": {"country": "SE", "score": 7}},
        {"id": "cat"},
    ])
    return repository


KINDS = {"country": "text", "joined": "date", "score": "number"}


def test_attributes_are_free_form_until_declared(repo: InMemoryRepository) -> None:
    assert repo.attributes() == {}
    assert evaluate('contact.nickname = "x" or all', repo, now=NOW) == {"ann", "bob", "cat"}


def test_declaring_converts_iso_text_and_checks_contacts_from_then_on(
    repo: InMemoryRepository,
) -> None:
    repo.declare_attributes(KINDS)
    assert repo.attributes() == KINDS
    assert repo.get_contact("ann").attributes["joined"] == date(2026, 1, 5)  # type: ignore[union-attr]
    repo.add_contacts([{"id": "dan", "attributes": {"joined": "2026-02-01", "score": None}}])
    assert repo.get_contact("dan").attributes == {"joined": date(2026, 2, 1), "score": None}  # type: ignore[union-attr]
    assert evaluate("contact.joined < 2026-01-31", repo, now=NOW) == {"ann"}


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ({"id": "x", "attributes": {"contry": "DK"}}, "did you mean 'country'"),
        ({"id": "x", "attributes": {"score": "high"}}, "must be a number"),
        ({"id": "x", "attributes": {"joined": "yesterday"}}, "must be a date"),
    ],
)
def test_a_contact_that_does_not_fit_refuses_the_batch(
    repo: InMemoryRepository, contact: dict[str, object], message: str
) -> None:
    repo.declare_attributes(KINDS)
    before = list(repo.contacts())
    with pytest.raises(RecordError, match=message) as refused:
        repo.add_contacts([{"id": "ok"}, contact])
    assert refused.value.position == 1
    assert list(repo.contacts()) == before


def test_declaring_kinds_existing_contacts_do_not_fit_changes_nothing(
    repo: InMemoryRepository,
) -> None:
    before = list(repo.contacts())
    with pytest.raises(RecordError, match="score"):
        repo.declare_attributes({"country": "text", "joined": "date"})  # bob's score left out
    with pytest.raises(RecordError, match="must be true or false"):
        repo.declare_attributes({**KINDS, "country": "boolean"})
    assert repo.attributes() == {}
    assert list(repo.contacts()) == before


def test_declarations_add_up(repo: InMemoryRepository) -> None:
    repo.declare_attributes(KINDS)
    repo.declare_attributes({"vip": "boolean"})
    assert repo.attributes() == {**KINDS, "vip": "boolean"}
    repo.add_contacts([{"id": "eve", "attributes": {"vip": True}}])


def test_declaring_nothing_leaves_attributes_free_form(repo: InMemoryRepository) -> None:
    repo.declare_attributes({})
    assert repo.attributes() == {}
    repo.add_contacts([{"id": "eve", "attributes": {"anything": 1}}])


def test_profile_conditions_must_name_declared_attributes(repo: InMemoryRepository) -> None:
    repo.declare_attributes(KINDS)
    with pytest.raises(QueryValidationError, match="did you mean country") as caught:
        evaluate('contact.contry = "DK"', repo, now=NOW)
    assert (caught.value.line, caught.value.column) == (1, 9)
    # Contact model fields are always known.
    assert evaluate('contact.email ends with "@x.dk"', repo, now=NOW) == {"ann"}
    with pytest.raises(QueryValidationError):
        repo.save_segment(Segment(name="Oops", query="contact.nickname is null"))


def test_a_far_off_undeclared_attribute_is_offered_the_nearest_declared_ones(
    repo: InMemoryRepository,
) -> None:
    """API.md: a profile condition on an undeclared attribute is refused "with
    did you mean", even when no declared name is close to it."""
    repo.declare_attributes(KINDS)
    with pytest.raises(QueryValidationError, match="did you mean ") as caught:
        evaluate("contact.zzz is null", repo, now=NOW)
    assert caught.value.suggestions
    assert set(caught.value.suggestions) <= set(KINDS)


def test_a_live_segment_on_an_undeclared_attribute_stops_the_declaration(
    repo: InMemoryRepository,
) -> None:
    repo.save_segment(Segment(name="Nordic", query='contact.region = "nordic"'))
    with pytest.raises(RecordError, match="Nordic"):
        repo.declare_attributes(KINDS)
    assert repo.attributes() == {}
    repo.save_segment(Segment(name="Nordic", query='contact.region = "nordic"', status="draft"))
    repo.declare_attributes(KINDS)  # a draft is checked when it goes live
    with pytest.raises(QueryValidationError):
        repo.go_live("Nordic")


@pytest.mark.parametrize(
    "kinds", [["country"], {"country": "texte"}, {"": "text"}, {1: "text"}, {"x": None}]
)
def test_a_malformed_declaration_is_an_argument_error(
    repo: InMemoryRepository, kinds: object
) -> None:
    with pytest.raises(InvalidArgumentError):
        repo.declare_attributes(kinds)  # type: ignore[arg-type]
    assert repo.attributes() == {}


def test_a_rolled_back_declaration_puts_the_contacts_back(repo: InMemoryRepository) -> None:
    before = list(repo.contacts())
    with pytest.raises(ZeroDivisionError), repo.transaction():
        repo.declare_attributes(KINDS)
        assert repo.get_contact("ann").attributes["joined"] == date(2026, 1, 5)  # type: ignore[union-attr]
        raise ZeroDivisionError
    repo._snapshot = None  # read the live table, not the cached snapshot
    assert repo.attributes() == {}
    assert list(repo.contacts()) == before
    repo.add_contacts([{"id": "free", "attributes": {"anything": 1}}])


def test_json_lines_carry_the_declaration(repo: InMemoryRepository) -> None:
    repo.declare_attributes(KINDS)
    lines = list(dump_repository(repo))
    assert json.loads(lines[0]) == {"kind": "attributes", "attributes": KINDS}
    loaded = load_repository(lines)
    assert loaded.attributes() == KINDS
    assert list(loaded.contacts()) == list(repo.contacts())


def test_a_file_whose_contact_does_not_fit_its_declaration_is_refused() -> None:
    lines = [
        '{"kind": "attributes", "attributes": {"country": "text"}}',
        '{"kind": "contact", "id": "a", "attributes": {"country": "DK"}}',
        '{"kind": "contact", "id": "b", "attributes": {"city": "Oslo"}}',
    ]
    with pytest.raises(RecordError, match="city") as refused:
        load_repository(lines)
    assert refused.value.line == 3
