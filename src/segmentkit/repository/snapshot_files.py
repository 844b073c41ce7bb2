"""A repository saved as a directory, and read back (``InMemoryRepository.save`` / ``open``).

The layout (docs/data.md)::

    PATH/manifest.json          format, version, the data directory, a checksum per file
    PATH/data-<token>/contacts.parquet
    PATH/data-<token>/logs/<n>.parquet      one interaction type's columns (log_files)
    PATH/data-<token>/logs.json             their types, zone tables and value dictionaries
    PATH/data-<token>/types.json, attributes.json, segments.json, extensions.json

Saving writes a new data directory beside the current one and then replaces
``manifest.json`` in one rename: a reader, or a crash, sees the old
snapshot or the new one, never half of one (a directory cannot be renamed
over a non-empty one, so the manifest is what switches). Opening checks the
format, the version and every file's SHA-256 before reading anything, so a
foreign or damaged directory is a SnapshotError and never a half-loaded
repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from segmentkit.engine.scan import profile_values
from segmentkit.errors import SnapshotError
from segmentkit.models.records import InteractionType, Segment
from segmentkit.models.values import FieldKind, from_json_data, json_data
from segmentkit.storage.arrow_tables import parquet_module
from segmentkit.storage.collection import collection_paused
from segmentkit.storage.contact_columns import CONTACT_DEFAULTS, ContactsView
from segmentkit.storage.files import replace_atomically
from segmentkit.storage.log_files import log_table
from segmentkit.storage.store import Snapshot

__all__ = [
    "FORMAT",
    "MANIFEST",
    "VERSION",
    "SavedContacts",
    "SavedRepository",
    "read_snapshot",
    "save_snapshot",
]

FORMAT = "segmentkit-snapshot"
VERSION = 1
MANIFEST = "manifest.json"
RepositoryT = TypeVar("RepositoryT")
# The contacts file's columns besides ``attributes``: the id and every other
# field of the model, in its order.
_CONTACT_FIELDS = ("id", *CONTACT_DEFAULTS)


@dataclass(frozen=True, slots=True)
class SavedContacts:
    """A snapshot's contacts in columns: ids, the other fields, attributes."""

    ids: list[str]
    fields: dict[str, list[Any]]
    attributes: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SavedRepository:
    """A snapshot directory's contents, every file checked, ready to be loaded."""

    types: list[InteractionType]
    attributes: dict[str, FieldKind]
    contacts: SavedContacts
    logs: list[tuple[str, Any, dict[str, Any]]]  # type name, Arrow table, log_files JSON
    segments: list[Segment]
    extensions: dict[str, BaseModel]


def save_snapshot(snapshot: Snapshot, path: str | os.PathLike[str]) -> None:
    """Write ``snapshot`` as the directory ``path``, replacing a snapshot saved there."""
    target = Path(path)
    parquet = parquet_module(str(target), "saving a snapshot")
    _check_replaceable(target)
    target.mkdir(parents=True, exist_ok=True)
    name = f"data-{secrets.token_hex(8)}"
    data = target / name
    try:
        (data / "logs").mkdir(parents=True)
        _write_parquet(parquet, _contact_table(snapshot), data / "contacts.parquet")
        logs = []
        stored = [(name, view) for name, view in snapshot.logs.items() if view.length]
        for number, (type_name, view) in enumerate(stored):
            table, meta = log_table(view)
            _write_parquet(parquet, table, data / "logs" / f"{number}.parquet")
            logs.append({"type": type_name, "file": f"logs/{number}.parquet", **meta})
        _write_json(data / "logs.json", logs)
        types = [t.model_dump(mode="json") for t in snapshot.types.values()]
        _write_json(data / "types.json", types)
        _write_json(data / "attributes.json", dict(snapshot.attributes))
        _write_json(data / "segments.json",
                    [s.model_dump(mode="json") for s in snapshot.segments.values()])
        _write_json(data / "extensions.json", {
            key: {"class": f"{type(state).__module__}:{type(state).__qualname__}",
                  "state": state.model_dump(mode="json")}
            for key, state in snapshot.extensions.items()
        })
        files = {
            file.relative_to(data).as_posix(): _digest(file)
            for file in sorted(data.rglob("*")) if file.is_file()
        }
        manifest = {"format": FORMAT, "version": VERSION, "data": name, "files": files}
        _sync_directory(data / "logs")
        _sync_directory(data)
        # The one step that switches from the old snapshot to the new one.
        replace_atomically(target / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        _sync_directory(target)
    except BaseException:
        shutil.rmtree(data, ignore_errors=True)
        raise
    for old in target.glob("data-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(target: Path) -> None:
    """Refuse to save over anything but a snapshot or an empty directory."""
    if not target.exists():
        return
    if not target.is_dir():
        raise SnapshotError(str(target), "exists and is not a directory; not replacing it")
    if (target / MANIFEST).exists():
        _manifest(target)  # ours, in a version this release can replace
        return
    if any(target.iterdir()):
        raise SnapshotError(
            str(target), "exists and is not a segmentkit snapshot; not replacing it"
        )


def read_snapshot(
    path: str | os.PathLike[str], build: Callable[[SavedRepository], RepositoryT]
) -> RepositoryT:
    """What ``build`` makes of a snapshot directory's contents, or SnapshotError
    when the directory is not a whole snapshot (whatever fails while reading
    or building: nothing half-loaded escapes)."""
    target = Path(path)
    manifest = _manifest(target)
    parquet_module(str(target), "opening a snapshot")
    data = target / str(manifest["data"])
    files: Mapping[str, Any] = manifest["files"]
    for relative, expected in files.items():
        file = data / relative
        if not file.is_file() or _digest(file) != expected:
            raise SnapshotError(
                str(target), f"is damaged: {relative} is missing or changed since it was saved"
            )
    try:
        with collection_paused():  # millions of objects, all kept
            return build(_read(data))
    except Exception as error:  # checksums matched, yet it does not read: not ours
        problem = f"cannot be read: {type(error).__name__}: {error}"
        raise SnapshotError(str(target), problem) from None


def _manifest(target: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(str(target), f"is not a segmentkit snapshot (no {MANIFEST})") from None
    except (OSError, ValueError) as error:
        raise SnapshotError(str(target), f"has an unreadable {MANIFEST}: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        problem = f"is not a segmentkit snapshot ({MANIFEST} of another kind)"
        raise SnapshotError(str(target), problem)
    if manifest.get("version") != VERSION:
        raise SnapshotError(
            str(target),
            f"is a snapshot of format version {manifest.get('version')!r}; "
            f"this segmentkit reads version {VERSION}",
        )
    name, files = manifest.get("data"), manifest.get("files")
    if not (isinstance(name, str) and name.startswith("data-") and "/" not in name
            and isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
        raise SnapshotError(str(target), f"has a damaged {MANIFEST}")
    return manifest


def _read(data: Path) -> SavedRepository:
    import pyarrow.parquet

    def loaded(name: str) -> Any:
        return json.loads((data / name).read_text(encoding="utf-8"))

    table = pyarrow.parquet.read_table(data / "contacts.parquet")
    columns = {name: table.column(name).to_pylist() for name in _CONTACT_FIELDS}
    texts = table.column("attributes").to_pylist()
    # One parse for all contacts' attributes, not one a contact.
    found = json.loads("[" + ",".join(text or "{}" for text in texts) + "]")
    contacts = SavedContacts(columns.pop("id"), columns, [_attributes(a) for a in found])
    logs = [
        (entry["type"], pyarrow.parquet.read_table(data / entry["file"]), entry)
        for entry in loaded("logs.json")
    ]
    return SavedRepository(
        types=[InteractionType.model_validate(t) for t in loaded("types.json")],
        attributes=loaded("attributes.json"),
        contacts=contacts,
        logs=logs,
        segments=[Segment.model_validate(s) for s in loaded("segments.json")],
        extensions={
            key: _extension_class(entry["class"]).model_validate(entry["state"])
            for key, entry in loaded("extensions.json").items()
        },
    )


def _attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Saved attributes as the values they were, decoded in place (text, most
    of them, is itself; replacing a value does not resize the dict)."""
    for key, value in attributes.items():
        if value.__class__ is not str:
            attributes[key] = from_json_data(value)
    return attributes


def _extension_class(name: str) -> type[BaseModel]:
    """The state class a snapshot names: only segmentkit's own are imported."""
    module, _, qualname = name.partition(":")
    if not module.startswith("segmentkit.") or not qualname.isidentifier():
        raise ValueError(f"extension state of an unknown class {name!r}")
    found = getattr(importlib.import_module(module), qualname)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise ValueError(f"{name!r} is not a state class")
    return found


def _contact_table(snapshot: Snapshot) -> Any:
    import pyarrow

    contacts = snapshot.contacts
    # From the columns, no model built (a repository's snapshot always has them).
    table = {
        name: pyarrow.array(list(profile_values(contacts, name)), pyarrow.string())
        for name in _CONTACT_FIELDS
    }
    attributes: Iterable[Mapping[str, Any]] = (
        contacts.attribute_dicts()
        if isinstance(contacts, ContactsView)
        else (c.attributes for c in contacts)
    )
    # Attributes keep their exact kinds (a list of mixed values, an int past
    # 64 bits) as JSON text, dates tagged as in JSON Lines.
    table["attributes"] = pyarrow.array(
        [_attributes_text(a) if a else None for a in attributes], pyarrow.string()
    )
    return pyarrow.table(table)


def _attributes_text(attributes: Mapping[str, Any]) -> str:
    return json.dumps({k: json_data(v) for k, v in attributes.items()}, ensure_ascii=False)


def _write_parquet(parquet: Any, table: Any, file: Path) -> None:
    parquet.write_table(table, file)
    with open(file, "rb") as stream:
        os.fsync(stream.fileno())


def _write_json(file: Path, data: Any) -> None:
    replace_atomically(file, json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n")


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sync_directory(directory: Path) -> None:
    # A rename is durable once its directory is: fsync it where the OS allows.
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
