"""Read contacts and interactions from Parquet files (the ``arrow`` extra).

Each file holds one table in the layout of ``segmentkit.storage.arrow_tables``
(docs/data.md): contacts with ``id`` and their attributes, interactions with
``id``, ``type``, ``contact_id``, ``timestamp`` and their properties. A
"file" may also be a directory of Parquet part files, read as one table.
Files are read in batches, each added with every check of
``add_contacts`` / ``add_interactions``; a refusal names the file and the
record's row, and the half-built repository is dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from segmentkit.errors import DataFileError, InvalidArgumentError, RecordError
from segmentkit.io.progress import Progress
from segmentkit.models.records import InteractionType
from segmentkit.models.values import FieldKind
from segmentkit.repository import InMemoryRepository
from segmentkit.storage.arrow_tables import parquet_module

__all__ = ["CONTACTS_FILE", "INTERACTIONS_FILE", "load_parquet", "parquet_batches"]

CONTACTS_FILE = "contacts.parquet"
INTERACTIONS_FILE = "interactions.parquet"
_BATCH_ROWS = 1_000_000


def load_parquet(
    path: str | os.PathLike[str],
    interactions: str | os.PathLike[str] | None = None,
    *,
    types: Iterable[InteractionType | Mapping[str, Any]] = (),
    attributes: Mapping[str, FieldKind] | None = None,
    progress: Progress | None = None,
) -> InMemoryRepository:
    """A new repository holding the contacts and interactions of Parquet files.

    ``path`` is a directory holding ``contacts.parquet`` and, when there are
    interactions, ``interactions.parquet``; or it is the contacts file, and
    ``interactions`` the interactions file. ``types`` are registered and
    ``attributes`` declared before any record is added.

    A refused record is a RecordError naming the file and the row; a file
    that is missing or not Parquet is a DataFileError.

    ``progress(done, total)`` (``segmentkit.io.progress``) is told the rows
    added so far, after each batch; ``total`` is the rows of both files
    from their footers (None when they cannot be read; the load then
    reports why, as without ``progress``).
    """
    contacts_path, interactions_path = _paths(Path(path), interactions)
    repo = InMemoryRepository()
    for interaction_type in types:
        repo.register_type(interaction_type)
    if attributes:
        repo.declare_attributes(attributes)
    files = [contacts_path] if interactions_path is None else [contacts_path, interactions_path]
    added = None if progress is None else _counter(progress, _row_count(files))
    _add_file(contacts_path, repo.add_contacts, added)
    if interactions_path is not None:
        _add_file(interactions_path, repo.add_interactions, added)
    if added is not None:
        added(0)  # the last call, even for files without a row
    return repo


def _row_count(files: list[Path]) -> int | None:
    """The rows of ``files`` by their Parquet footers; None if any cannot be read."""
    try:
        import pyarrow
        import pyarrow.dataset
    except ImportError:
        return None  # reading the first file says which extra to install
    try:
        counts = [int(pyarrow.dataset.dataset(file, format="parquet").count_rows())
                  for file in files]
    except Exception:
        # The total only sizes a bar: whatever is wrong here, the load reports.
        return None
    return sum(counts)


def _counter(progress: Progress, total: int | None) -> Callable[[int], None]:
    """A function told the rows of each added batch, calling ``progress``."""
    done = 0

    def added(rows: int) -> None:
        nonlocal done
        done += rows
        progress(done, total)

    added(0)
    return added


def _paths(path: Path, interactions: str | os.PathLike[str] | None) -> tuple[Path, Path | None]:
    if not path.is_dir():
        return path, None if interactions is None else Path(interactions)
    if interactions is not None:
        raise InvalidArgumentError(
            f"{path} is a directory: its {INTERACTIONS_FILE} is read, "
            "so no interactions file may be given besides",
            argument="interactions",
        )
    contacts = path / CONTACTS_FILE
    if not contacts.exists():
        raise DataFileError(str(path), f"the directory holds no {CONTACTS_FILE}")
    found = path / INTERACTIONS_FILE
    return contacts, found if found.exists() else None


def _add_file(path: Path, add: Any, added: Callable[[int], None] | None) -> None:
    offset = 0
    for batch in parquet_batches(path):
        try:
            add(batch)
        except RecordError as error:
            raise _in_file(error, path, offset) from None
        offset += batch.num_rows
        if added is not None:
            added(batch.num_rows)


def _in_file(error: RecordError, path: Path, offset: int) -> RecordError:
    """The batch's refusal, its record counted from the top of the file."""
    if error.position is None:
        return RecordError(error.reason, source=str(path), record_id=error.record_id)
    row = offset + error.position
    where = f"record {row}" + ("" if error.record_id is None else f" (id {error.record_id!r})")
    return RecordError(
        f"{where}: {error.reason}", source=str(path), position=row, record_id=error.record_id
    )


def parquet_batches(path: Path, rows: int | None = None) -> Iterator[Any]:
    """A Parquet file's (or directory of parts') rows as Arrow tables of up to
    ``rows`` rows (``_BATCH_ROWS``, read when called, when not given)."""
    rows = _BATCH_ROWS if rows is None else rows
    parquet_module(str(path), "reading Parquet")
    import pyarrow
    import pyarrow.dataset

    if not path.exists():
        raise DataFileError(str(path), "no such file or directory")
    try:
        dataset = pyarrow.dataset.dataset(path, format="parquet")
        scanner = dataset.scanner(batch_size=rows)
        batches = iter(scanner.to_batches())
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            yield pyarrow.Table.from_batches([batch])
    except (pyarrow.ArrowException, OSError) as error:
        raise DataFileError(str(path), f"cannot be read as Parquet ({error})") from None
