"""The fixed cast of the sample data set: companies, names, emails sent, events, forms.

The record ids (message, event, form, website, list) are fixed GUIDs so that
the demo and the docs can name them in queries; the generator in
``segmentkit.sample.data`` draws everything else. The sending organisation is
A. Datum (adatum.com); its customers are Microsoft's usual fictitious companies.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CITIES",
    "COMPANIES",
    "EVENTS",
    "FIRST_NAMES",
    "FORMS",
    "LAST_NAMES",
    "MESSAGES",
    "NEWSLETTER_LIST_ID",
    "PARTNER_SUMMIT",
    "PERSONAL_DOMAINS",
    "SALESPEOPLE",
    "SAVED_SEGMENTS",
    "TAGS",
    "WEBSITE_ID",
    "WEBSITE_PAGES",
    "Event",
    "Message",
]


@dataclass(frozen=True, slots=True)
class Message:
    """A marketing email: sent to ``audience`` contacts at ``sent`` (ISO, UTC)."""

    id: str
    subject: str
    sent: str
    audience: int
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """An event held at ``held`` (ISO, UTC); ``registrations`` people sign up."""

    id: str
    name: str
    held: str
    registrations: int


SITE = "https://www.adatum.com"

# (name, email domain, country)
COMPANIES: tuple[tuple[str, str, str], ...] = (
    ("Contoso Ltd", "contoso.com", "DK"),
    ("Fabrikam Inc", "fabrikam.com", "US"),
    ("Northwind Traders", "northwindtraders.com", "GB"),
    ("Adventure Works", "adventure-works.com", "US"),
    ("Litware Inc", "litwareinc.com", "DE"),
    ("Tailspin Toys", "tailspintoys.com", "SE"),
    ("Wide World Importers", "wideworldimporters.com", "NL"),
    ("Alpine Ski House", "alpineskihouse.com", "NO"),
    ("Coho Winery", "cohowinery.com", "FR"),
    ("Woodgrove Bank", "woodgrovebank.com", "DK"),
    ("Fourth Coffee", "fourthcoffee.com", "SE"),
    ("Proseware Inc", "proseware.com", "DE"),
)

CITIES: dict[str, tuple[str, ...]] = {
    "DK": ("København", "Aarhus", "Odense", "Aalborg"),
    "SE": ("Stockholm", "Göteborg", "Malmö"),
    "NO": ("Oslo", "Bergen"),
    "DE": ("Berlin", "Hamburg", "München"),
    "GB": ("London", "Manchester"),
    "US": ("Seattle", "New York", "Chicago"),
    "NL": ("Amsterdam", "Rotterdam"),
    "FR": ("Paris", "Lyon"),
}

FIRST_NAMES: tuple[str, ...] = (
    "Anne", "Søren", "Mette", "Lars", "Freja", "Mads", "Ida", "Jonas", "Astrid", "Emil",
    "Sofia", "Oscar", "Ingrid", "Erik", "Nora", "Henrik", "Emma", "Lukas", "Hannah", "Felix",
    "Olivia", "James", "Amelia", "Noah", "Charlotte", "Liam", "Chloé", "Louis", "Julia", "Daan",
    "Priya", "Kenji", "Aisha", "Mateo", "Zoë", "Ravi",
)
LAST_NAMES: tuple[str, ...] = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen", "Sørensen", "Rasmussen",
    "Johansson", "Lindqvist", "Berg", "Haugen", "Müller", "Schmidt", "Weber", "Smith", "Jones",
    "Taylor", "Brown", "Martin", "Dubois", "de Vries", "Bakker", "Patel", "Tanaka", "Okafor",
    "García",
)
PERSONAL_DOMAINS: tuple[str, ...] = ("outlook.com", "gmail.com", "mail.dk", "web.de")
SALESPEOPLE: tuple[str, ...] = ("JR", "LT", "MH", "OF", "PS")
TAGS: list[str] = ["b2b", "newsletter", "partner", "trial", "vip", "webinar"]

NEWSLETTER_LIST_ID = "0d6b2f2e-8c1a-4f3b-9e57-1a2b3c4d5e6f"
WEBSITE_ID = "7f3e9a10-2b4c-4d5e-8f60-718293a4b5c6"

_NEWS = (f"{SITE}/blog/whats-new", f"{SITE}/customers/stories", f"{SITE}/pricing")
_PROMO = (f"{SITE}/pricing", f"{SITE}/demo/book", f"{SITE}/trial")

# Monthly newsletters, campaigns, and a busy last fortnight before SAMPLE_NOW:
# (subject, sent at in UTC, audience size, links in the email).
_SENDS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("October newsletter", "2025-10-08 08:00", 55, _NEWS),
    ("November newsletter", "2025-11-06 08:00", 55, _NEWS),
    ("Black Friday pricing", "2025-11-25 07:30", 50, _PROMO),
    ("December newsletter", "2025-12-04 08:00", 55, _NEWS),
    ("January newsletter", "2026-01-08 08:00", 55, _NEWS),
    ("Berlin meetup invitation", "2026-01-15 09:00", 40, (f"{SITE}/events/berlin",)),
    ("February newsletter", "2026-02-05 08:00", 55, _NEWS),
    ("March newsletter", "2026-03-05 08:00", 55, _NEWS),
    ("Webinar: segments in 30 minutes", "2026-03-10 09:00", 50,
     (f"{SITE}/webinars/segments", f"{SITE}/demo/book")),
    ("April newsletter", "2026-04-09 08:00", 55, _NEWS),
    ("Partner Summit: save the date", "2026-05-05 09:00", 45, (f"{SITE}/events/partner-summit",)),
    ("May newsletter", "2026-05-07 08:00", 55, _NEWS),
    ("June newsletter", "2026-06-04 08:00", 55, _NEWS),
    ("August newsletter", "2026-08-06 08:00", 55, _NEWS),
    ("September newsletter", "2026-09-03 08:00", 55, _NEWS),
    ("Launch: see the new release", "2026-09-15 09:00", 50, _PROMO),
    ("October newsletter", "2026-10-08 08:00", 55, _NEWS),
    ("Autumn pricing update", "2026-10-19 07:30", 50, _PROMO),
    ("Last call: demo day", "2026-10-26 07:30", 50, _PROMO),
)
MESSAGES: tuple[Message, ...] = tuple(
    Message(f"3f1c2d4e-0a5b-4c6d-8e7f-901a2b3c4d{number:02d}", subject, f"{sent}:00+00:00",
            audience, links)
    for number, (subject, sent, audience, links) in enumerate(_SENDS, start=1)
)

# The id is the one in the Dynamics 365 Marketing documentation's example URL.
PARTNER_SUMMIT = Event(
    "5acc43d5-356e-e811-a960-000d3a1cae35", "Copenhagen Partner Summit 2026",
    "2026-06-11T08:00:00+00:00", 30,
)
EVENTS: tuple[Event, ...] = (
    Event("a1b2c3d4-1111-4e5f-9a0b-c1d2e3f40001", "Stockholm Roadshow",
          "2025-11-13T08:00:00+00:00", 20),
    Event("a1b2c3d4-1111-4e5f-9a0b-c1d2e3f40002", "Berlin Meetup",
          "2026-02-05T17:00:00+00:00", 18),
    Event("a1b2c3d4-1111-4e5f-9a0b-c1d2e3f40003", "Webinar: Segments in 30 minutes",
          "2026-03-24T14:00:00+00:00", 35),
    PARTNER_SUMMIT,
    Event("a1b2c3d4-1111-4e5f-9a0b-c1d2e3f40005", "Product launch live",
          "2026-09-29T15:00:00+00:00", 30),
    Event("a1b2c3d4-1111-4e5f-9a0b-c1d2e3f40006", "Aarhus Customer Day",
          "2026-10-22T08:00:00+00:00", 22),
)

# (formId, page that holds the form)
FORMS: tuple[tuple[str, str], ...] = (
    ("b7e8f9a0-2222-4b3c-8d4e-f5a6b7c80001", f"{SITE}/contact"),
    ("b7e8f9a0-2222-4b3c-8d4e-f5a6b7c80002", f"{SITE}/newsletter"),
    ("b7e8f9a0-2222-4b3c-8d4e-f5a6b7c80003", f"{SITE}/demo/book"),
    ("b7e8f9a0-2222-4b3c-8d4e-f5a6b7c80004", f"{SITE}/whitepapers/segmentation"),
)
WEBSITE_PAGES: tuple[str, ...] = (
    f"{SITE}/", f"{SITE}/pricing", f"{SITE}/product", f"{SITE}/blog/whats-new",
    f"{SITE}/customers/stories", f"{SITE}/careers",
)

# (name, query, description) of the dynamic segments the team has saved.
SAVED_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("Engaged", "EmailOpened at least 2 times in last 60 days or EmailClicked in last 60 days",
     "Reads or clicks our emails lately."),
    ("NewLeads", "FormSubmitted in last 90 days and not EventCheckIn",
     "Filled in a form lately and has not been to one of our events."),
    ("DanishPartners", 'contact.country = "DK" and contact.tags contains "partner"',
     "Partners in Denmark."),
    ("EngagedDanes", "segment Engaged and contact.country = \"DK\"",
     "A compound segment: engaged contacts in Denmark."),
)
