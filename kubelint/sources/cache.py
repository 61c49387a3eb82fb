"""A content-addressed cache of parsed documents, so that unchanged files are not parsed again.

Entries are keyed by a hash of the file's bytes and kubelint's version, written atomically
(a temporary file renamed into place), so concurrent runs never see half an entry; an entry that
cannot be read is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from kubelint import __version__

FORMAT = 2
"""Bump when the shape of Document or Problem changes."""


def default_cache_dir() -> Path:
    """``$KUBELINT_CACHE_DIR``, else the platform's user cache folder for kubelint."""
    override = os.environ.get("KUBELINT_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kubelint", appauthor=False))


class ParseCache:
    """Parsed documents by content hash, stored under ``folder``."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()
        self._salt = f"kubelint {__version__} format {FORMAT}\0".encode()

    def key(self, data: bytes) -> str:
        """The entry name for a file's bytes."""
        return hashlib.blake2b(self._salt + data, digest_size=20).hexdigest()

    def get(self, key: str) -> Any | None:
        """The cached value, or None when absent or unreadable."""
        try:
            with open(self.folder / key[:2] / key[2:], "rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception:
            return None

    def put(self, key: str, value: Any) -> None:
        """Store a value; failures (read-only disk, full disk) are ignored: the cache is an optimisation."""
        folder = self.folder / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, folder / key[2:])
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass
