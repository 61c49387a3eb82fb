"""Pack files of a cache folder: many signed entries in one file, because creating a file costs far more kernel
time than writing its bytes (0.1-0.6 ms per file on a busy VM: most of what a first run with the cache spent on it).

A pack is the entries' bytes one after the other (each exactly what a single entry file holds: magic, MAC,
payload), then an index (JSON: entry name -> [offset, length]), then a footer: :data:`PACK_MAGIC` and the
index's length. The index is not signed and needs not be: it only says where to look, and every entry it
points at is checked with its own MAC before use, so a tampered index yields misses, never a forged entry.
A pack is written to a temporary file and renamed into place when complete; a crash leaves only a temporary
file (pruned like any entry), never a pack that is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from typing import Any

PACK_MAGIC = b"kubelint-pack 1\n"
_FOOTER = len(PACK_MAGIC) + 8
MAX_INDEX = 64 * 1024 * 1024
"""A pack whose index claims more bytes than this is not read."""

Index = dict[str, tuple[int, int]]
"""Where each entry of a pack lies: its name -> (offset, length)."""


class PackWriter:
    """A pack being written: :meth:`add` entries, then :meth:`finish` renames it into ``folder``.

    Raises ``OSError`` when the disk refuses; the caller drops the pack (:meth:`abandon`)."""

    def __init__(self, folder: str) -> None:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        self.folder = folder
        handle, self._temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        self._stream = os.fdopen(handle, "wb")
        self._index: dict[str, list[int]] = {}
        self._offset = 0

    def add(self, name: str, blob: bytes) -> None:
        """Append one entry (its whole signed bytes); a name already in the pack is not written again."""
        if name in self._index:
            return
        self._stream.write(blob)
        self._index[name] = [self._offset, len(blob)]
        self._offset += len(blob)

    def finish(self) -> None:
        """Write the index and footer and rename the pack into place under a random name."""
        index = json.dumps(self._index, separators=(",", ":")).encode()
        self._stream.write(index + PACK_MAGIC + len(index).to_bytes(8, "big"))
        self._stream.close()
        os.replace(self._temporary, os.path.join(self.folder, f"{os.urandom(16).hex()}.pack"))

    def abandon(self) -> None:
        """Drop the pack (nothing of it is ever read)."""
        with contextlib.suppress(OSError):
            self._stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)


def read_index(path: str, open_flags: int) -> Index | None:
    """The index of the pack at ``path``, or None when it is not a complete, well-formed pack."""
    try:
        descriptor = os.open(path, open_flags)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size < _FOOTER:
                return None
            footer = os.pread(descriptor, _FOOTER, info.st_size - _FOOTER)
            if len(footer) != _FOOTER or not footer.startswith(PACK_MAGIC):
                return None
            length = int.from_bytes(footer[len(PACK_MAGIC):], "big")
            end = info.st_size - _FOOTER - length
            if length > MAX_INDEX or end < 0:
                return None
            raw = os.pread(descriptor, length, end)
        finally:
            os.close(descriptor)
        if len(raw) != length:
            return None
        return _checked(json.loads(raw), end)
    except (OSError, ValueError, RecursionError):
        return None


def _checked(value: Any, end: int) -> Index | None:
    """An index whose every entry is a (offset, length) of ints inside the first ``end`` bytes, or None."""
    if type(value) is not dict:
        return None
    index: Index = {}
    for name, place in value.items():
        if type(place) is not list or len(place) != 2 or type(place[0]) is not int or type(place[1]) is not int:
            return None
        offset, length = place
        if offset < 0 or length < 0 or offset + length > end:
            return None
        index[name] = (offset, length)
    return index
