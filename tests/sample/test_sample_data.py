"""The bundled sample data set: reproducible, realistic, valid for the repository."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest

from segmentkit.models.records import Contact, Interaction, Segment
from segmentkit.repository import InMemoryRepository
from segmentkit.sample.catalog import EVENTS, MESSAGES
from segmentkit.sample.data import SAMPLE_NOW, generate, load_sample, main, sample_lines
from segmentkit.storage.builtin_types import BUILTIN_TYPES

Sample = tuple[list[Contact], list[Interaction], list[Segment]]


@pytest.fixture(scope="module")
def sample() -> Sample:
    return generate()


@pytest.fixture(scope="module")
def repo() -> InMemoryRepository:
    return load_sample()


def test_regenerating_gives_exactly_the_committed_file() -> None:
    committed = resources.files("segmentkit.sample").joinpath("sample.jsonl").read_bytes()
    regenerated = "".join(sample_lines()).encode("utf-8")
    assert regenerated == committed, (
        "the bundled sample is stale: run `python -m segmentkit.sample.data --write`"
    )


def test_the_command_prints_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == "".join(sample_lines())


def test_the_bundled_file_loads_into_a_repository(repo: InMemoryRepository, sample: Sample) -> None:
    contacts, interactions, segments = sample
    assert list(repo.contacts()) == contacts
    assert sorted(repo.interactions(), key=lambda r: r.id) == interactions
    assert {s.name for s in repo.segments()} == {s.name for s in segments}


def test_sizes_are_about_300_contacts_and_4000_interactions(sample: Sample) -> None:
    contacts, interactions, _ = sample
    assert 280 <= len(contacts) <= 320
    assert 3_500 <= len(interactions) <= 5_000


def test_every_interaction_lies_in_the_13_months_before_sample_now(sample: Sample) -> None:
    _, interactions, _ = sample
    assert all(SAMPLE_NOW - timedelta(days=400) <= r.timestamp < SAMPLE_NOW for r in interactions)
    # ids follow time order, as log entry numbers do
    assert [r.timestamp for r in interactions] == sorted(r.timestamp for r in interactions)


def test_the_main_dynamics_types_all_occur(sample: Sample) -> None:
    _, interactions, _ = sample
    present = {r.type for r in interactions}
    expected = {
        "EmailSent", "EmailDelivered", "EmailOpened", "EmailClicked", "EmailHardBounced",
        "EmailSoftBounced", "EventRegistration", "EventRegistrationCanceled", "EventCheckIn",
        "FormVisited", "FormSubmitted", "WebsiteVisited", "SegmentSubscribed",
        "SegmentUnsubscribed",
    }
    assert expected <= present


def test_properties_use_only_the_declared_fields(sample: Sample) -> None:
    declared = {t.name: set(t.fields) for t in BUILTIN_TYPES}
    _, interactions, _ = sample
    assert all(set(r.properties) <= declared[r.type] for r in interactions)


def test_a_few_contacts_do_most_things(sample: Sample) -> None:
    contacts, interactions, _ = sample
    per_contact = Counter(r.contact_id for r in interactions)
    busiest = sum(count for _, count in per_contact.most_common(len(contacts) // 10))
    assert busiest > 0.4 * len(interactions)
    assert len(per_contact) < len(contacts)  # and some do nothing at all


def test_contacts_look_like_a_crm_export(sample: Sample) -> None:
    contacts, _, _ = sample
    people = [c for c in contacts if c.type == "person"]
    companies = {c.id for c in contacts if c.type == "company"}
    assert len(companies) >= 10
    assert any(c.email and c.email.endswith("@contoso.com") for c in people)
    assert any(c.email is None for c in people)
    assert any(c.attributes.get("country") == "DK" for c in people)
    assert any("country" not in c.attributes for c in people)
    assert any("city" not in c.attributes for c in people)
    assert all(isinstance(c.attributes["signup"], date) for c in people)
    assert all(isinstance(c.attributes["tags"], list) for c in people)
    assert any(c.attributes["tags"] == [] for c in people)
    assert any(c.salesperson_code for c in people)
    linked = [c.company_id for c in people if c.company_id is not None]
    assert linked and set(linked) <= companies
    assert any(c.company_id is None for c in people)


def test_some_registrants_register_a_colleague(sample: Sample) -> None:
    _, interactions, _ = sample
    registrations = [r for r in interactions if r.type == "EventRegistration"]
    assert all(r.properties["registrantId"] == r.contact_id for r in registrations)
    assert any(r.properties["attendeeId"] != r.contact_id for r in registrations)
    assert {r.properties["eventId"] for r in registrations} == {e.id for e in EVENTS}


def test_clicks_carry_the_links_of_their_message(sample: Sample) -> None:
    _, interactions, _ = sample
    links = {m.id: set(m.links) for m in MESSAGES}
    clicks = [r for r in interactions if r.type == "EmailClicked"]
    assert all(r.properties["linkUrl"] in links[str(r.properties["messageId"])] for r in clicks)
    urls = {str(r.properties["linkUrl"]) for r in clicks}
    assert any("pricing" in url for url in urls)
    assert any("demo" in url for url in urls)


def test_saved_segments_are_static_dynamic_and_compound(sample: Sample) -> None:
    _, _, segments = sample
    by_name = {s.name: s for s in segments}
    assert by_name["Unsubscribed"].is_static
    assert not by_name["Engaged"].is_static
    assert "segment Engaged" in str(by_name["EngagedDanes"].query)


def test_every_saved_segment_selects_some_but_not_all(repo: InMemoryRepository) -> None:
    total = sum(1 for _ in repo.contacts())
    for segment in repo.segments():
        members = repo.members(segment.name, now=SAMPLE_NOW)
        assert 0 < len(members) < total, segment.name


def test_write_puts_the_committed_bytes_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "data" / "sample.jsonl"
    monkeypatch.setattr("segmentkit.sample.data.sample_path", lambda: target)
    assert main(["--write"]) == 0
    committed = resources.files("segmentkit.sample").joinpath("sample.jsonl").read_bytes()
    assert target.read_bytes() == committed
    assert "wrote" in capsys.readouterr().err
