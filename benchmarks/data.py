"""Deterministic benchmark data: contacts and a skewed interaction log.

The same seed and sizes always give the same records, so segmentkit and
DuckDB are loaded with identical data and runs on different days compare.
Interactions of the built-in types spread over the 13 months before ``NOW``
(and a few after it, which no query may count); a few contacts do most
things (contact index drawn as ``n * u**3``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=395)
AFTER_NOW_SHARE = 0.01

COUNTRIES = ["DK"] * 10 + ["SE"] * 15 + ["NO"] * 10 + ["DE"] * 25 + ["GB"] * 20 + ["US"] * 20
CITIES = ["Copenhagen", "Aarhus", "Stockholm", "Oslo", "Berlin", "München", "London", "Boston"]
DOMAINS = ["contoso.com", "fabrikam.com", "example.org", "mail.dk", "post.de"]
TAG_POOL = ["vip", "newsletter", "partner", "trial", "churn-risk", "beta"]

# (type, weight): roughly the shape of a marketing interaction log.
TYPE_WEIGHTS = [
    ("EmailSent", 30),
    ("EmailDelivered", 25),
    ("EmailOpened", 18),
    ("EmailClicked", 8),
    ("WebsiteVisited", 8),
    ("FormVisited", 3),
    ("FormSubmitted", 2),
    ("EmailSoftBounced", 1.5),
    ("EventRegistration", 1.5),
    ("EventCheckIn", 1),
    ("EmailHardBounced", 0.5),
    ("SegmentUnsubscribed", 0.5),
]
LINKS = [
    f"https://contoso.com/{page}/{n}"
    for page in ("pricing", "demo", "blog", "docs", "careers")
    for n in range(10)
]
DEVICES = ["mobile", "desktop", "tablet", None, None]
MESSAGES = 500
EVENTS = 40
FORMS = 30


@dataclass(frozen=True)
class Dataset:
    contacts: list[dict[str, Any]]
    # Interaction columns: parallel lists, turned into records on demand.
    ids: list[str]
    types: list[str]
    contact_ids: list[str]
    timestamps: list[datetime]
    properties: list[dict[str, Any]]

    def interaction_dicts(
        self, start: int = 0, stop: int | None = None, *, fresh_ids: bool = False
    ) -> list[dict[str, Any]]:
        """Records ``start <= i < stop`` as dicts (as from JSON, with ``fresh_ids``:
        every id a new string object, not the one this dataset keeps)."""
        window = slice(start, stop)
        ids = self.ids[window]
        if fresh_ids:
            ids = ["".join(("i", i[1:])) for i in ids]
        return [
            {"id": i, "type": t, "contact_id": c, "timestamp": ts, "properties": p}
            for i, t, c, ts, p in zip(
                ids, self.types[window], self.contact_ids[window], self.timestamps[window],
                self.properties[window], strict=True,
            )
        ]


def contact_id(index: int) -> str:
    return f"c{index:07d}"


def generate(contacts: int, interactions: int, seed: int = 20261101) -> Dataset:
    rng = random.Random(seed)
    contact_rows = []
    for index in range(contacts):
        cid = contact_id(index)
        attributes: dict[str, Any] = {"country": rng.choice(COUNTRIES)}
        if rng.random() < 0.8:
            attributes["city"] = rng.choice(CITIES)
        if rng.random() < 0.5:
            attributes["tags"] = rng.sample(TAG_POOL, rng.randint(0, 3))
        attributes["signupDate"] = date(2024, 1, 1) + timedelta(days=rng.randrange(1000))
        contact_rows.append(
            {
                "id": cid,
                "name": f"Contact {index}",
                "email": f"user{index}@{rng.choice(DOMAINS)}",
                "attributes": attributes,
            }
        )

    type_names = [name for name, _ in TYPE_WEIGHTS]
    weights = [weight for _, weight in TYPE_WEIGHTS]
    chosen_types = rng.choices(type_names, weights, k=interactions)
    span_us = int(SPAN.total_seconds() * 1_000_000)
    start = NOW - SPAN
    ids, types, owners, stamps, props = [], [], [], [], []
    for number, type_name in enumerate(chosen_types):
        owner = int(contacts * rng.random() ** 3)
        if rng.random() < AFTER_NOW_SHARE:
            stamp = NOW + timedelta(microseconds=rng.randrange(1, 30 * 86_400_000_000))
        else:
            stamp = start + timedelta(microseconds=rng.randrange(span_us))
        ids.append(f"i{number:08d}")
        types.append(type_name)
        owners.append(contact_id(owner))
        stamps.append(stamp)
        props.append(_properties(rng, type_name, owner, contacts))
    return Dataset(contact_rows, ids, types, owners, stamps, props)


def _properties(rng: random.Random, type_name: str, owner: int, contacts: int) -> dict[str, Any]:
    if type_name.startswith("Email"):
        props: dict[str, Any] = {"messageId": f"msg-{rng.randrange(MESSAGES):04d}"}
        if type_name == "EmailClicked":
            props["linkUrl"] = rng.choice(LINKS)
        elif type_name == "EmailOpened":
            device = rng.choice(DEVICES)
            if device is not None:
                props["deviceType"] = device
        elif type_name in ("EmailHardBounced", "EmailSoftBounced"):
            props["reason"] = rng.choice(["mailbox full", "no such user", "spam"])
        return props
    if type_name == "EventRegistration":
        attendee = owner if rng.random() < 0.8 else rng.randrange(contacts)
        return {
            "eventId": f"evt-{rng.randrange(EVENTS):03d}",
            "registrantId": contact_id(owner),
            "attendeeId": contact_id(attendee),
        }
    if type_name == "EventCheckIn":
        return {"eventId": f"evt-{rng.randrange(EVENTS):03d}", "attendeeId": contact_id(owner)}
    if type_name.startswith("Form"):
        return {"formId": f"form-{rng.randrange(FORMS):02d}"}
    if type_name == "WebsiteVisited":
        return {"websiteId": "web-1", "durationSeconds": rng.randrange(5, 600)}
    return {"segmentId": f"seg-{rng.randrange(5)}"}
