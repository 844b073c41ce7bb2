"""Writing a file so that a crash mid-write leaves the old one whole."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from segmentkit.errors import InvalidArgumentError

__all__ = ["read_text", "replace_atomically"]


def replace_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at ``path`` with ``text`` (UTF-8), all at once.

    The text goes to a temporary file in the same directory, is flushed to
    disk, and then renamed over the old file (``os.replace``, atomic on
    POSIX and Windows): a reader, or a crash, sees the old file or the new
    one, never half of one. The file keeps its permission bits.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped), line endings as written.

    Raises ``InvalidArgumentError`` when the bytes are not UTF-8, and
    ``OSError`` when the file cannot be read.
    """
    target = Path(path)
    # Bytes, not read_text: universal newlines would turn \r\n into \n.
    data = target.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidArgumentError(f"{target} is not UTF-8 text: {error.reason}") from None
