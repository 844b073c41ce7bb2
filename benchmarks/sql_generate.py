"""Benchmark data made inside DuckDB, straight into ``SqlRepository``'s tables.

A hundred million interactions cannot pass through Python in reasonable
time, so ``generate`` writes them with one ``INSERT ... SELECT`` over
``range(n)``: the shape of ``benchmarks/data.py`` (its types and weights,
the skew of contacts, 13 months before ``NOW`` and 1 % after, the same
property values), drawn from ``hash(row, salt)`` so the same sizes always
give the same rows. Each row's JSON and comparison keys (``sql.keys``) are
computed in SQL; ``verify_sample`` rebuilds a sample of the rows as records
and checks that Python's ``sql.rows`` gives the very same keys.

Every generated text is ASCII or one of the cities (``München``), where
DuckDB's ``lower`` equals Python's ``casefold``; ``verify_sample`` holds it.
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.data import (
    CITIES,
    COUNTRIES,
    DEVICES,
    DOMAINS,
    EVENTS,
    FORMS,
    LINKS,
    MESSAGES,
    NOW,
    SPAN,
    TYPE_WEIGHTS,
)
from segmentkit.sql import SqlRepository
from segmentkit.sql.rows import (
    contact_from_row,
    contact_table_rows,
    interaction_from_row,
    interaction_table_rows,
)

REASONS = ["mailbox full", "no such user", "spam"]
_SPAN_US = int(SPAN.total_seconds() * 1_000_000)
_NOW_US = int((NOW.timestamp()) * 1_000_000)
_AFTER_US = 30 * 86_400_000_000


def _uniform(salt: int) -> str:
    """A number in [0, 1) drawn from the row number ``i`` (``salt`` < 64 tells
    the draws of one row apart; hash of one number mixes all its bits, while
    hash(i, salt) draws of one row would be related)."""
    return f"(hash(i * 64 + {salt}) / 18446744073709551616.0)"


def _pick(options: list[str | None], salt: int) -> str:
    """One of ``options`` (SQL text literals, NULL for None), uniformly."""
    values = ", ".join("NULL" if o is None else f"'{o}'" for o in options)
    return f"([{values}])[1 + floor({_uniform(salt)} * {len(options)})::BIGINT]"


def _contact_id(index: str) -> str:
    return f"'c' || lpad(({index})::VARCHAR, 7, '0')"


def _text_key(value: str) -> str:
    return f"'t' || lower({value})"


def _number_key(value: str) -> str:
    """keys.number_key of a positive whole number: exponent, then digits without trailing 0s."""
    digits = f"({value})::VARCHAR"
    return f"'n2' || (500000 + length({digits}) - 1)::VARCHAR || rtrim({digits}, '0')"


def _json_object(pairs: list[tuple[str, str]], *, keys: bool) -> str:
    """SQL for a JSON object of text values (or, with ``keys``, their text keys).
    A pair whose value is NULL is left out, as a property that is absent."""
    parts = []
    for name, value in pairs:
        shown = _text_key(value) if keys else value
        parts.append(f"""coalesce(',"{name}":"' || {shown} || '"', '')""")
    return "'{' || ltrim(" + " || ".join(parts) + ", ',') || '}'"


def _type_case() -> str:
    total = sum(weight for _, weight in TYPE_WEIGHTS)
    cases, running = [], 0.0
    for name, weight in TYPE_WEIGHTS[:-1]:
        running += weight / total
        cases.append(f"WHEN {_uniform(1)} < {running!r} THEN '{name}'")
    return f"CASE {' '.join(cases)} ELSE '{TYPE_WEIGHTS[-1][0]}' END"


def _properties(keys: bool) -> str:
    """The properties JSON (or its keys JSON) of the row's type, as data.py draws them."""
    message = f"'msg-' || lpad(floor({_uniform(10)} * {MESSAGES})::BIGINT::VARCHAR, 4, '0')"
    event = f"'evt-' || lpad(floor({_uniform(11)} * {EVENTS})::BIGINT::VARCHAR, 3, '0')"
    form = f"'form-' || lpad(floor({_uniform(12)} * {FORMS})::BIGINT::VARCHAR, 2, '0')"
    attendee = (f"CASE WHEN {_uniform(13)} < 0.8 THEN owner_id "
                f"ELSE {_contact_id(f'floor({_uniform(14)} * $contacts)::BIGINT')} END")
    email = [("messageId", message)]
    by_type = {
        "EmailClicked": [*email, ("linkUrl", _pick(LINKS, 15))],
        "EmailOpened": [*email, ("deviceType", _pick(DEVICES, 16))],
        "EmailHardBounced": [*email, ("reason", _pick(REASONS, 17))],
        "EmailSoftBounced": [*email, ("reason", _pick(REASONS, 17))],
        "EventRegistration": [("eventId", event), ("registrantId", "owner_id"),
                              ("attendeeId", attendee)],
        "EventCheckIn": [("eventId", event), ("attendeeId", "owner_id")],
        "FormVisited": [("formId", form)],
        "FormSubmitted": [("formId", form)],
        "SegmentUnsubscribed": [
            ("segmentId", f"'seg-' || floor({_uniform(18)} * 5)::BIGINT::VARCHAR"),
        ],
    }
    duration = f"(5 + floor({_uniform(19)} * 595)::BIGINT)"
    shown = _number_key(duration) if keys else f"{duration}::VARCHAR"
    website_id = _text_key("'web-1'") if keys else "'web-1'"
    cases = [f"WHEN type = '{name}' THEN {_json_object(pairs, keys=keys)}"
             for name, pairs in by_type.items()]
    cases.append(
        f"""WHEN type = 'WebsiteVisited' THEN '{{"websiteId":"' || {website_id} """
        f"""|| '","durationSeconds":' || {'chr(34) || ' if keys else ''}{shown}"""
        f"""{' || chr(34)' if keys else ''} || '}}'"""
    )
    return f"CASE {' '.join(cases)} ELSE {_json_object(email, keys=keys)} END"


def _contacts_sql(table: str) -> str:
    city = f"CASE WHEN {_uniform(21)} < 0.8 THEN {_pick(CITIES, 22)} END"
    signup = f"(DATE '2024-01-01' + floor({_uniform(23)} * 1000)::INTEGER)"
    attributes = [("country", "country"), ("city", "city")]
    profile = [*attributes, ("id", "id"), ("email", "email"), ("type", "'person'"),
               ("name", "name")]
    date_key = "'d' || lpad(((signup - DATE '0001-01-01') + 1)::VARCHAR, 7, '0')"
    attributes_json = _json_object(attributes, keys=False)
    return f"""
        INSERT INTO {table}
        SELECT id, name, email, 'person', NULL, NULL,
            left({attributes_json}, -1)
                || ',"signupDate":{{"$date":"' || signup::VARCHAR || '"}}}}',
            left({_json_object(profile, keys=True)}, -1) || ',"signupDate":"' || {date_key}
                || '","company_id":null,"salesperson_code":null}}'
        FROM (
            SELECT {_contact_id('i')} AS id, 'Contact ' || i::VARCHAR AS name,
                'user' || i::VARCHAR || '@' || {_pick(DOMAINS, 20)} AS email,
                {_pick(COUNTRIES, 24)} AS country, {city} AS city, {signup} AS signup
            FROM range($contacts) AS r(i)
        )
    """


def _interactions_sql(table: str) -> str:
    owner = f"floor($contacts * pow({_uniform(2)}, 3))::BIGINT"
    micros = (f"CASE WHEN {_uniform(3)} < 0.01 "
              f"THEN {_NOW_US} + 1 + floor({_uniform(4)} * {_AFTER_US - 1})::BIGINT "
              f"ELSE {_NOW_US - _SPAN_US} + floor({_uniform(4)} * {_SPAN_US})::BIGINT END")
    return f"""
        INSERT INTO {table}
        SELECT id, type, owner_id, make_timestamp(micros) AT TIME ZONE 'UTC', false,
            {_properties(keys=False)}, {_properties(keys=True)}
        FROM (
            SELECT i, 'i' || lpad(i::VARCHAR, 9, '0') AS id, {_type_case()} AS type,
                {_contact_id(owner)} AS owner_id, {micros} AS micros
            FROM range($start, $stop) AS r(i)
        )
    """


def generate(connection: Any, contacts: int, interactions: int,
             chunk: int = 1_000_000) -> SqlRepository:
    """Fill an empty DuckDB database with ``SqlRepository``'s tables and the data.

    Interactions go in ``chunk`` rows a transaction, each followed by a
    checkpoint, so that what one transaction holds in memory (its rows and
    the index entries it adds) stays bounded however large the total.
    """
    repo = SqlRepository(connection)
    layout = repo.layout
    _drop_interaction_keys(connection, layout.interactions)
    connection.execute(_contacts_sql(f'"{layout.contacts}"'), {"contacts": contacts})
    insert = _interactions_sql(f'"{layout.interactions}"')
    for start in range(0, interactions, chunk):
        stop = min(start + chunk, interactions)
        connection.execute(insert, {"contacts": contacts, "start": start, "stop": stop})
        connection.execute("CHECKPOINT")
    return repo


def _drop_interaction_keys(connection: Any, table: str) -> None:
    """The interactions table without its primary key and indexes: DuckDB
    keeps their trees in memory while rows are written (a 100M-row load then
    needs many GB, or crawls), and its queries here scan columns anyway.
    SqlRepository finds every table present and creates nothing when it
    opens the file; ids are still checked new by add_interactions itself."""
    for index in (f"{table}_type_ts", f"{table}_contact"):
        connection.execute(f'DROP INDEX IF EXISTS "{index}"')
    connection.execute(f'CREATE TABLE "{table}_plain" AS SELECT * FROM "{table}" LIMIT 0')
    connection.execute(f'DROP TABLE "{table}"')
    connection.execute(f'ALTER TABLE "{table}_plain" RENAME TO "{table}"')


def verify_sample(connection: Any, repo: SqlRepository, size: int = 2_000) -> int:
    """Rebuild ``size`` rows of each table as records and check that
    ``sql.rows`` computes the stored JSON and keys; returns how many rows."""
    layout = repo.layout
    checked = 0
    sampled: dict[str, list[tuple[Any, ...]]] = {}
    for table, from_row, table_rows, json_columns in (
        (layout.contacts, contact_from_row, contact_table_rows, (6, 7)),
        (layout.interactions, interaction_from_row, interaction_table_rows, (5, 6)),
    ):
        sampled[table] = connection.execute(
            f'SELECT * FROM "{table}" USING SAMPLE {size} ROWS (reservoir, 7)'
        ).fetchall()
        for row in sampled[table]:
            (python_row,), lists = table_rows([from_row(row[:-1])])
            _same(row, python_row, json_columns=json_columns, what=f"{table} row {row[0]}")
            assert not lists
            checked += 1
    interaction_rows = sampled[layout.interactions]
    # And the records pass the repository's own checks as they stand.
    types = repo.types()
    for row in interaction_rows:
        assert row[1] in types, row[1]
    return checked


def _same(stored: tuple[Any, ...], python: tuple[Any, ...], *, json_columns: tuple[int, ...],
          what: str) -> None:
    for position, (ours, theirs) in enumerate(zip(stored, python, strict=True)):
        if position in json_columns:
            ours, theirs = json.loads(ours), json.loads(theirs)
        if ours != theirs:
            raise SystemExit(f"{what}: column {position} differs: SQL {ours!r}, Python {theirs!r}")
