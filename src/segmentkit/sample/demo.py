"""``segmentkit demo``: the main features of the query language on the bundled sample,
then a Business Central scene (``demo_marketing``).

Each demo query shows one feature, is evaluated as of ``SAMPLE_NOW`` (so the
output never changes), and selects some but not all of the sample's
contacts (a test holds the sample data to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from segmentkit.engine.evaluate import evaluate
from segmentkit.language.format import format
from segmentkit.language.parse import parse
from segmentkit.sample.catalog import PARTNER_SUMMIT
from segmentkit.sample.data import SAMPLE_NOW, load_sample
from segmentkit.sample.demo_marketing import run_marketing_scene

__all__ = ["DEMO_QUERIES", "DemoQuery", "run_demo"]

# How many member ids to show per query.
SHOWN_MEMBERS = 5


@dataclass(frozen=True, slots=True)
class DemoQuery:
    feature: str
    text: str


DEMO_QUERIES: tuple[DemoQuery, ...] = (
    DemoQuery("count: opened at least three times lately",
              "EmailOpened at least 3 times in last 14 days"),
    DemoQuery("window: between two dates (the end date counts whole)",
              "EventCheckIn between 2026-06-01 and 2026-06-30"),
    DemoQuery("restriction: which link was clicked",
              'EmailClicked where (linkUrl contains "pricing" or linkUrl contains "demo") '
              "in last 1 month"),
    DemoQuery("via: attendees of the Partner Summit, also those a colleague registered",
              f'EventRegistration via attendeeId where eventId = "{PARTNER_SUMMIT.id}"'),
    DemoQuery("profile: a contact field (case-insensitive)",
              'contact.email ends with "@CONTOSO.com"'),
    DemoQuery("zero count: Danes with no form submitted in 30 days",
              'FormSubmitted exactly 0 times in last 30 days and contact.country = "DK"'),
    DemoQuery("compound: saved segments combined",
              "(segment Engaged or segment NewLeads) and not EmailHardBounced"),
    DemoQuery("lapsing readers: opened in the last 90 days but not the last 30",
              "EmailOpened in last 90 days and not EmailOpened in last 30 days"),
    DemoQuery("lists and static segments: VIPs still on the newsletter",
              'contact.tags contains "vip" and not segment Unsubscribed'),
    DemoQuery("having: more than ten minutes on the website in the last 30 days",
              "WebsiteVisited having sum(durationSeconds) >= 600 in last 30 days"),
    DemoQuery("first: new leads, their first form ever this month",
              "first FormSubmitted in last 30 days"),
    DemoQuery("sequence: clicked a mail, then filled in a form within 2 days",
              "EmailClicked then FormSubmitted within 2 days in last 90 days"),
    DemoQuery("regular activity: opened mail in 3 of the last 4 weeks",
              "EmailOpened in 3 of last 4 weeks"),
    DemoQuery("patterns and relative dates: recent sign-ups outside contoso",
              'contact.signup >= 90 days ago and contact.email not like "%@contoso.%"'),
)


def run_demo(out: TextIO) -> None:
    """Evaluate each demo query on the sample and write what it found to ``out``."""
    repo = load_sample()
    total = sum(1 for _ in repo.contacts())
    interactions = sum(1 for _ in repo.interactions())
    out.write(
        f"segmentkit demo: {total} contacts, {interactions} interactions, "
        f"evaluated as of {SAMPLE_NOW.isoformat().replace('+00:00', 'Z')} (UTC)\n"
    )
    for number, demo in enumerate(DEMO_QUERIES, start=1):
        query = parse(demo.text)
        members = evaluate(query, repo, now=SAMPLE_NOW, tz="UTC")
        shown = sorted(members)[:SHOWN_MEMBERS]
        out.write(f"\n{number}. {demo.feature}\n")
        out.write(f"   {format(query)}\n")
        out.write(f"   -> {len(members)} of {total} contacts\n")
        for contact_id in shown:
            contact = repo.get_contact(contact_id)
            name = contact.name if contact is not None and contact.name else ""
            out.write(f"      {contact_id}  {name}\n")
        if len(members) > len(shown):
            out.write(f"      ... and {len(members) - len(shown)} more\n")
    run_marketing_scene(repo, out, len(DEMO_QUERIES) + 1)
    out.write("\nSaved segments in the sample:\n")
    for segment in sorted(repo.segments(), key=lambda s: s.name):
        size = len(repo.members(segment.name, now=SAMPLE_NOW))
        definition = segment.query if segment.query is not None else "static list"
        out.write(f"   {segment.name} ({size} members): {definition}\n")
