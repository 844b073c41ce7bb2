"""The benchmark query suite: each query in segmentkit's language and the
equivalent SQL over the DuckDB tables built by ``benchmarks.duck``.

SQL placeholders: ``{now}`` is the evaluation instant as a TIMESTAMPTZ
literal. The DuckDB session runs in UTC, like the segmentkit evaluation, so
``INTERVAL 1 MONTH`` is the same calendar arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchQuery:
    name: str
    text: str
    sql: str


def _counted(type_name: str, window: str = "", extra: str = "") -> str:
    """Contact ids with a non-canceled record of a type up to now (and in a window)."""
    where = f"type = '{type_name}' AND NOT canceled AND ts <= {{now}}"
    if window:
        where += f" AND ts >= {{now}} - INTERVAL {window}"
    if extra:
        where += f" AND ({extra})"
    return f"SELECT contact_id FROM interactions WHERE {where}"


def _at_least(n: int, type_name: str, window: str = "", extra: str = "") -> str:
    return f"{_counted(type_name, window, extra)} GROUP BY contact_id HAVING count(*) >= {n}"


# Ten saved segments for the compound query: (name, query text, SQL).
SAVED_SEGMENTS: list[tuple[str, str, str]] = [
    ("S0", "EmailOpened at least 2 times in last 30 days", _at_least(2, "EmailOpened", "30 DAY")),
    ("S1", "EmailClicked in last 60 days", _counted("EmailClicked", "60 DAY")),
    ("S2", "FormSubmitted in last 90 days", _counted("FormSubmitted", "90 DAY")),
    ("S3", 'contact.country in ["DK", "SE", "NO"]',
     "SELECT id FROM contacts WHERE lower(country) IN ('dk', 'se', 'no')"),
    ("S4", "WebsiteVisited at least 3 times in last 30 days",
     _at_least(3, "WebsiteVisited", "30 DAY")),
    ("S5", "EmailHardBounced", _counted("EmailHardBounced")),
    ("S6", "SegmentUnsubscribed", _counted("SegmentUnsubscribed")),
    ("S7", "EventRegistration in last 180 days", _counted("EventRegistration", "180 DAY")),
    ("S8", "EventCheckIn in last 180 days", _counted("EventCheckIn", "180 DAY")),
    ("S9", 'contact.city = "London"', "SELECT id FROM contacts WHERE lower(city) = 'london'"),
]
_SEG = {name: sql for name, _, sql in SAVED_SEGMENTS}

SUITE: list[BenchQuery] = [
    BenchQuery(
        "count + window",
        "EmailOpened at least 3 times in last 14 days",
        _at_least(3, "EmailOpened", "14 DAY"),
    ),
    BenchQuery(
        "restriction contains",
        'EmailClicked where (linkUrl contains "pricing" or linkUrl contains "demo") '
        "in last 1 month",
        _counted(
            "EmailClicked", "1 MONTH",
            "lower(link_url) LIKE '%pricing%' OR lower(link_url) LIKE '%demo%'",
        ),
    ),
    BenchQuery(
        "lapsing readers",
        "EmailOpened in last 90 days and not EmailOpened in last 30 days",
        f"{_counted('EmailOpened', '90 DAY')} EXCEPT {_counted('EmailOpened', '30 DAY')}",
    ),
    BenchQuery(
        "profile + zero count",
        'FormSubmitted exactly 0 times in last 30 days and contact.country = "DK"',
        "SELECT id FROM contacts WHERE lower(country) = 'dk' AND id NOT IN "
        f"({_counted('FormSubmitted', '30 DAY')})",
    ),
    BenchQuery(
        "or / and not of counts",
        "(EmailClicked at least 2 times in last 30 days or FormSubmitted in last 60 days) "
        "and not EmailHardBounced",
        f"({_at_least(2, 'EmailClicked', '30 DAY')} UNION {_counted('FormSubmitted', '60 DAY')})"
        f" EXCEPT {_counted('EmailHardBounced')}",
    ),
    BenchQuery(
        "selective equality, all time",
        'EmailClicked where messageId = "msg-0042"',
        _counted("EmailClicked", extra="lower(message_id) = 'msg-0042'"),
    ),
    BenchQuery(
        "via",
        'EventRegistration via attendeeId where eventId = "evt-007"',
        "SELECT attendee_id FROM interactions WHERE type = 'EventRegistration' "
        "AND NOT canceled AND ts <= {now} AND lower(event_id) = 'evt-007' "
        "AND attendee_id IS NOT NULL",
    ),
    BenchQuery(
        "calendar month",
        "WebsiteVisited between 2026-09-01 and 2026-09-30",
        _counted(
            "WebsiteVisited",
            extra="ts >= TIMESTAMPTZ '2026-09-01 00:00:00+00' "
            "AND ts < TIMESTAMPTZ '2026-10-01 00:00:00+00'",
        ),
    ),
    BenchQuery(
        "compound of ten segments",
        "(segment S0 or segment S1 or segment S2) and (segment S3 or segment S4) "
        "and not (segment S5 or segment S6) or segment S7 and segment S8 and not segment S9",
        f"((({_SEG['S0']}) UNION ({_SEG['S1']}) UNION ({_SEG['S2']})) "
        f"INTERSECT (({_SEG['S3']}) UNION ({_SEG['S4']})) "
        f"EXCEPT (({_SEG['S5']}) UNION ({_SEG['S6']}))) "
        f"UNION ((({_SEG['S7']}) INTERSECT ({_SEG['S8']})) EXCEPT ({_SEG['S9']}))",
    ),
    BenchQuery(
        "3-valued not",
        'EmailOpened where (not deviceType = "mobile") in last 60 days',
        _counted("EmailOpened", "60 DAY", "NOT (lower(device_type) = 'mobile')"),
    ),
]

# Language v2 (LANGUAGE.md "Version 2"): one query per new form.
SUITE_V2: list[BenchQuery] = [
    BenchQuery(
        "having sum",
        "WebsiteVisited having sum(durationSeconds) >= 3000 in last 30 days",
        f"{_counted('WebsiteVisited', '30 DAY')} GROUP BY contact_id "
        "HAVING sum(CAST(duration_seconds AS INTEGER)) >= 3000",
    ),
    BenchQuery(
        "first",
        "first FormSubmitted in last 7 days",
        f"{_counted('FormSubmitted')} GROUP BY contact_id "
        "HAVING min(ts) >= {now} - INTERVAL 7 DAY",
    ),
    BenchQuery(
        "sequence within",
        "EmailClicked then FormSubmitted within 2 days in last 30 days",
        "SELECT DISTINCT a.contact_id FROM interactions a JOIN interactions b "
        "ON a.contact_id = b.contact_id "
        "WHERE a.type = 'EmailClicked' AND b.type = 'FormSubmitted' "
        "AND NOT a.canceled AND NOT b.canceled "
        "AND a.ts >= {now} - INTERVAL 30 DAY AND b.ts <= {now} "
        "AND a.ts <= b.ts AND b.ts <= a.ts + INTERVAL 2 DAY",
    ),
    BenchQuery(
        "periodic window",
        "EmailOpened at least 1 time in 3 of last 4 weeks",
        "SELECT contact_id FROM (SELECT contact_id, CASE "
        "WHEN ts >= {now} - INTERVAL 7 DAY THEN 1 "
        "WHEN ts >= {now} - INTERVAL 14 DAY THEN 2 "
        "WHEN ts >= {now} - INTERVAL 21 DAY THEN 3 ELSE 4 END AS period "
        f"FROM ({_counted('EmailOpened', '28 DAY').replace('SELECT contact_id', 'SELECT *', 1)})"
        ") GROUP BY contact_id HAVING count(DISTINCT period) >= 3",
    ),
    BenchQuery(
        "like",
        'EmailClicked where linkUrl like "%/pricing/_" in last 90 days',
        _counted("EmailClicked", "90 DAY", "lower(link_url) LIKE '%/pricing/_'"),
    ),
]
