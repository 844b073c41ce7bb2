"""Load a benchmark Dataset into an in-memory DuckDB database.

Rows go through a CSV file, DuckDB's fastest path without pandas or Arrow.
Property columns are those the suite's SQL reads.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.data import Dataset

PROPERTY_COLUMNS = {
    "messageId": "message_id",
    "linkUrl": "link_url",
    "deviceType": "device_type",
    "eventId": "event_id",
    "attendeeId": "attendee_id",
    "durationSeconds": "duration_seconds",
}


def load(dataset: Dataset) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    with tempfile.TemporaryDirectory() as folder:
        contacts_csv = Path(folder) / "contacts.csv"
        with contacts_csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for contact in dataset.contacts:
                attributes: dict[str, Any] = contact["attributes"]
                writer.writerow(
                    [contact["id"], contact["email"], attributes.get("country"),
                     attributes.get("city")]
                )
        interactions_csv = Path(folder) / "interactions.csv"
        with interactions_csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            for iid, type_name, owner, stamp, props in zip(
                dataset.ids, dataset.types, dataset.contact_ids, dataset.timestamps,
                dataset.properties, strict=True,
            ):
                writer.writerow(
                    [iid, type_name, owner, stamp.isoformat(), "false",
                     *(props.get(key) for key in PROPERTY_COLUMNS)]
                )
        connection.execute(
            "CREATE TABLE contacts AS SELECT * FROM read_csv(?, header = false, columns = "
            "{'id': 'VARCHAR', 'email': 'VARCHAR', 'country': 'VARCHAR', 'city': 'VARCHAR'})",
            [str(contacts_csv)],
        )
        columns = ", ".join(f"'{name}': 'VARCHAR'" for name in PROPERTY_COLUMNS.values())
        connection.execute(
            "CREATE TABLE interactions AS SELECT * FROM read_csv(?, header = false, columns = "
            "{'id': 'VARCHAR', 'type': 'VARCHAR', 'contact_id': 'VARCHAR', "
            "'ts': 'TIMESTAMPTZ', 'canceled': 'BOOLEAN', " + columns + "})",
            [str(interactions_csv)],
        )
    return connection
