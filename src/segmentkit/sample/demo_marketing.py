"""The demo's Business Central scene: a send list built by criteria, personalised,
logged with a follow-up, and the logged interactions queried like any others."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from segmentkit.engine.evaluate import evaluate
from segmentkit.marketing import (
    InteractionGroup,
    InteractionTemplate,
    Marketing,
    MarketingSetup,
    NumberSeries,
    Salesperson,
)
from segmentkit.repository import InMemoryRepository
from segmentkit.sample.data import SAMPLE_NOW

__all__ = ["SCENE_QUERIES", "run_marketing_scene"]

ADD = "EmailOpened at least 2 times in last 60 days"
REFINE = 'contact.country = "DK"'
EXTRA_CONTACT = "CO01"  # Contoso, the company: a call rather than a letter
SCENE_QUERIES = ('INVITE where segment_no = "SM00001"', "PHONECALL in last 1 day")


def run_marketing_scene(repo: InMemoryRepository, out: TextIO, number: int) -> None:
    """Play the scene on ``repo`` (the sample) and write each step to ``out``."""
    m = Marketing(repo)
    m.add_salesperson(Salesperson(code="JR", name="Jamie Reding"))
    m.add_interaction_group(InteractionGroup(code="SALES", description="Sales"))
    m.add_template(InteractionTemplate(
        code="INVITE", description="Webinar invitation", group="SALES",
        unit_cost=Decimal("1.20"), unit_duration=5, information_flow="outbound",
        initiated_by="us", correspondence_type="hard copy",
    ))
    m.add_template(InteractionTemplate(
        code="PHONECALL", description="Phone call", group="SALES",
        unit_cost=Decimal("4.00"), unit_duration=15, information_flow="outbound",
        initiated_by="us",
    ))
    m.add_number_series(NumberSeries(code="SEG", starting_number="SM00001"))
    m.set_setup(MarketingSetup(segment_series="SEG"))

    out.write(f"\n{number}. workflows: a send list built by criteria, logged with a follow-up\n")
    header = m.create_segment(description="Webinar invitation", template="INVITE",
                              salesperson="JR")
    out.write(f"   segment {header.number} \"{header.description}\" (template INVITE)\n")
    header = m.add_contacts(header.number, ADD, now=SAMPLE_NOW)
    _step(out, f"add: {ADD}", len(header.lines), "line")
    header = m.refine_contacts(header.number, REFINE, now=SAMPLE_NOW)
    _step(out, f"refine: {REFINE}", len(header.lines), "line")
    header = m.add_line(header.number, EXTRA_CONTACT)
    header = m.set_line_template(header.number, EXTRA_CONTACT, "PHONECALL")
    _step(out, f"add line {EXTRA_CONTACT}, personalised: PHONECALL", len(header.lines), "line")
    logged = m.log_segment(header.number, at=SAMPLE_NOW, follow_up=True)
    _step(out, f"log, follow-up segment {logged.follow_up}", logged.interactions, "interaction")
    for text in SCENE_QUERIES:
        _step(out, text, len(evaluate(text, repo, now=SAMPLE_NOW)), "contact")


def _step(out: TextIO, what: str, count: int, noun: str) -> None:
    out.write(f"   {what:<52} -> {count} {noun}{'' if count == 1 else 's'}\n")
