"""A user's own tables, built from an in-memory repository, and what they mean.

``write_own_tables`` writes the contacts and interactions the way a user's
tables plausibly hold them (docs/sql.md "Your own tables"): the contact's
fields as text columns, attributes and properties as one JSON column,
dates and datetimes as ISO text, the timestamp a TIMESTAMPTZ.
``as_read`` is the in-memory repository those tables mean: JSON has no date,
so a date an undeclared attribute (or a list element) holds reads as its
ISO text. ``ascii_only`` narrows a repository and a query to the part where
the engine's LOWER and Python's casefold agree (ASCII text), numbers to
those a DOUBLE holds exactly, and text to what PostgreSQL can store (no NUL).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from segmentkit import InMemoryRepository, Query
from segmentkit.sql import SqlRepository, TableLayout
from sql_copies import _copy_segments

_DOUBLE_EXACT = 2**53


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("\x00", "@")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii())


def _narrow(value: Any) -> Any:
    if isinstance(value, str):
        return _ascii(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > _DOUBLE_EXACT:
        return (_DOUBLE_EXACT - 1) * (1 if value > 0 else -1)
    if isinstance(value, dict):
        return {_narrow(k): _narrow(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_narrow(item) for item in value]
    return value


def _rebuilt(
    repo: InMemoryRepository,
    change: Callable[[Any], Any],
    *,
    contact: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c,
    record: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r,
) -> InMemoryRepository:
    """A copy of ``repo`` with ``change`` applied to every record's JSON, and
    ``contact`` / ``record`` to each contact's / interaction's."""
    copy = InMemoryRepository()
    for interaction_type in repo.types().values():
        copy.register_type(change(interaction_type.model_dump(mode="json")))
    if repo.attributes():
        copy.declare_attributes(change(dict(repo.attributes())))
    copy.add_contacts([contact(change(c.model_dump(mode="json"))) for c in repo.contacts()])
    copy.add_interactions(
        [record(change(i.model_dump(mode="json"))) for i in repo.interactions()]
    )

    class _Segments:  # copy_into's order of saving, into the in-memory copy
        def save_segment(self, segment: Any) -> None:
            copy.save_segment(change(segment.model_dump(mode="json")))

    _copy_segments(list(repo.segments()), _Segments())  # type: ignore[arg-type]
    return copy


def ascii_only(repo: InMemoryRepository, query: Query) -> tuple[InMemoryRepository, Query]:
    narrowed = Query.model_validate(_narrow(query.model_dump(mode="json")))
    return _rebuilt(repo, _narrow), narrowed


def _untagged(value: Any) -> Any:
    """A value's JSON with a date or datetime as its ISO text (JSON has no date)."""
    if isinstance(value, list):
        return [_untagged(item) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag in ("$date", "$datetime"):
            return text
    return value


def as_read(repo: InMemoryRepository) -> InMemoryRepository:
    """The repository a user's tables written from ``repo`` mean: a date or
    datetime is ISO text unless its field declares it one (a list's elements
    never do)."""
    declared = repo.attributes()

    def contact(data: dict[str, Any]) -> dict[str, Any]:
        data["attributes"] = {
            key: value if declared.get(key) in ("date", "datetime") else _untagged(value)
            for key, value in data["attributes"].items()
        }
        return data

    def record(data: dict[str, Any]) -> dict[str, Any]:
        data["properties"] = {
            key: _untagged(value) if isinstance(value, list) else value
            for key, value in data["properties"].items()
        }
        return data

    return _rebuilt(repo, lambda data: data, contact=contact, record=record)


def json_value(value: Any) -> Any:
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def write_own_tables(
    repo: InMemoryRepository, connection: Any, *, schema: str | None = None
) -> SqlRepository:
    """``repo``'s contacts and interactions as a user's own tables on a DuckDB
    or psycopg connection, and a read-only SqlRepository over them."""
    postgres = type(connection).__module__.startswith("psycopg")
    json_type = "JSONB" if postgres else "JSON"
    prefix = f'"{schema}".' if schema else ""
    contacts, interactions = f"{prefix}my_contacts", f"{prefix}my_events"
    statements = [
        f"CREATE TABLE {contacts} (id TEXT, name TEXT, email TEXT, type TEXT, "
        f"company_id TEXT, salesperson_code TEXT, attributes {json_type})",
        f"CREATE TABLE {interactions} (id TEXT, type TEXT, contact_id TEXT, "
        f"ts TIMESTAMPTZ, canceled BOOLEAN, properties {json_type})",
    ]
    mark = "%s" if postgres else "?"
    contact_rows = [
        (c.id, c.name, c.email, c.type, c.company_id, c.salesperson_code,
         json.dumps({k: json_value(v) for k, v in c.attributes.items()}))
        for c in repo.contacts()
    ]
    record_rows = [
        (r.id, r.type, r.contact_id, r.timestamp, r.canceled,
         json.dumps({k: json_value(v) for k, v in r.properties.items()}))
        for r in repo.interactions()
    ]
    cursor = connection.cursor() if postgres else connection
    for statement in statements:
        cursor.execute(statement)
    if contact_rows:
        cursor.executemany(f"INSERT INTO {contacts} VALUES ({', '.join([mark] * 7)})", contact_rows)
    if record_rows:
        cursor.executemany(
            f"INSERT INTO {interactions} VALUES ({', '.join([mark] * 6)})", record_rows
        )
    if postgres:
        connection.commit()
    layout = TableLayout(
        keys=False, schema_name=schema, contacts="my_contacts", interactions="my_events"
    )
    return SqlRepository(
        connection,
        layout=layout,
        types=list(repo.types().values()),
        segments=list(repo.segments()),
        attributes=dict(repo.attributes()),
    )
