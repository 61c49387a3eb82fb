"""Private, signed, bounded cache folders: safe to load even when someone else may have written the files.

The parse cache (``sources/cache.py``) and any other cache kubelint keeps use a :class:`CacheFolder`:

- The folder is private: created ``0700``; a folder that is a symlink, not owned by the user, or writable by
  anyone else is refused (:class:`UnsafeFolder`, a clear message; the run goes on without a cache). A folder of
  ours that others could only read (``0755``, as kubelint created it before) is tightened to ``0700``.
- Entries are bytes we wrote, never code: each file holds an HMAC-SHA256 over its kind, name, the content it
  was computed from (``binding``, e.g. the digest of the linted file) and the payload. The key (32 random bytes)
  lives outside every cache folder, in kubelint's private state folder, so a cache folder copied from elsewhere
  (a CI cache restored from another branch, a shared runner) holds no valid entry: a forged or moved entry is a
  miss, never a hidden finding.
- Writes are atomic (a temporary file renamed into place), and the folder is bounded: after a run that wrote,
  entries unused for :data:`MAX_AGE` seconds go, then the least recently used until :data:`MAX_BYTES` is met.
- A run that writes more than :data:`PACK_AFTER` entries (a first run over a big tree) writes them into one pack
  file (:mod:`kubelint.cachepack`) instead of a file each: creating a file costs more than writing its bytes.
  A pack is pruned as a whole, like one entry.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from kubelint.cachepack import Index, PackWriter, read_index
from kubelint.records import record

MAGIC = b"kubelint-cache 2\n"
"""Version 2: HMAC-SHA256 (1: keyed BLAKE2b, whose bundled C code hashes half as fast as OpenSSL's SHA-256)."""
MAC_SIZE = 32
MAX_BYTES = 256 * 1024 * 1024
"""The folder is pruned to this size (all kinds of entries together)."""
MAX_AGE = 30 * 24 * 3600
"""Entries unused this long (seconds) are pruned."""
PRUNE_EVERY = 3600
"""A folder is pruned at most this often (seconds), after a run that wrote to it."""
TOUCH_AFTER = 24 * 3600
"""A hit marks its entry as recently used only when the mark is older than this (one syscall saved per hit)."""
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Entries are opened without blocking (a FIFO planted in the folder is then refused, not waited on)."""
PACK_AFTER = 32
"""A run's entries go into one pack file once it has more than this many to write (fewer: a file each)."""
PACKS_READ = 16
"""Entries are looked up in the newest this many packs only (a run reads the index of each)."""
_PACKS = "packs"
_PRUNE_MARK = ".pruned"
_KEY_FILE = "cache-key"


class UnsafeFolder(Exception):
    """A cache or state folder that others could write (or that is not ours): kubelint does not use it."""


def default_cache_dir() -> Path:
    """``$KUBELINT_CACHE_DIR``, else the platform's user cache folder for kubelint."""
    override = os.environ.get("KUBELINT_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kubelint", appauthor=False))


def default_state_dir() -> Path:
    """Where the signing key lives: the platform's user state folder for kubelint (``$XDG_STATE_HOME``)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("kubelint", appauthor=False))


def foreign_entries(folder: str | Path) -> list[str]:
    """The names in ``folder`` that a kubelint cache folder does not hold (sorted; [] when it is missing, empty or
    holds only kind folders, entries of the old layout and the prune mark): what :func:`prune` could remove that
    is not kubelint's."""
    ours = {"parse", "findings", _PRUNE_MARK}
    return sorted(entry.name for entry in _scan(Path(folder)) if entry.name not in ours and not (
        len(entry.name) == 2 and all(c in "0123456789abcdef" for c in entry.name)
        and entry.is_dir(follow_symlinks=False)))


def private_folder(folder: Path, create: bool = True) -> Path:
    """``folder``, made (``0700``) when missing and checked to be private; :class:`UnsafeFolder` otherwise."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        if not create:
            raise
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
    _check_private(folder, info)
    return folder


def _check_private(folder: Path, info: os.stat_result) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeFolder(f"{folder} is a symlink; kubelint only uses a real folder of yours for its cache "
                           "(point --cache-dir or KUBELINT_CACHE_DIR at one, or use --no-cache)")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeFolder(f"{folder} is not a folder (point --cache-dir or KUBELINT_CACHE_DIR elsewhere, "
                           "or use --no-cache)")
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # no POSIX ownership (Windows): the user's profile folders are private already
        return
    if info.st_uid != geteuid():
        raise UnsafeFolder(f"{folder} belongs to user id {info.st_uid}, not to you: anyone who owns it could plant "
                           "cache entries (point --cache-dir or KUBELINT_CACHE_DIR at a folder of yours, or use "
                           "--no-cache)")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise UnsafeFolder(f"{folder} is writable by others (mode {mode:04o}): kubelint keeps its cache private "
                           f"(run `chmod 700 {folder}` if only you use it, or point --cache-dir elsewhere, or use "
                           "--no-cache)")
    if mode & 0o077:  # readable by others but only we could write: ours, so make it private
        os.chmod(folder, 0o700)


def signing_key(state_dir: Path | None = None) -> bytes:
    """The user's cache signing key (32 random bytes), created on first use in a private state folder."""
    folder = private_folder(state_dir or default_state_dir())
    path = folder / _KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(32))
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as handle:
        key = handle.read(64)
    if len(key) != 32:
        raise UnsafeFolder(f"{path} is not a kubelint cache key (delete it and a new one is made)")
    return key


@record
class Pruned:
    """What pruning or cleaning removed."""

    entries: int = 0
    bytes: int = 0


class CacheFolder:
    """Signed entries in one kind's subfolder (``parse``, ``findings``) of a private cache folder.

    ``get`` and ``put`` never raise for an unusable entry or disk: the cache is an optimisation, a problem
    with it is a miss. The folder itself is checked when the object is made (:class:`UnsafeFolder`).
    """

    def __init__(self, root: Path, kind: str, key: bytes, max_entry: int = 1 << 30) -> None:
        self.root = private_folder(root)
        self.folder = root / kind
        self._prefix = os.path.join(self.folder, "")
        self.kind = kind
        self._key = key
        self._max_entry = max_entry
        self.wrote = False
        self._pending: dict[str, bytes] = {}  # signed entries of this run not written yet (at most PACK_AFTER)
        self._pack: PackWriter | None = None
        self._packs: list[tuple[str, Index]] | None = None  # the packs looked in, with their indexes, read lazily
        self._broken = False  # a pack could not be written: the disk is full or read-only, this run writes no more
        self._holding = False  # a worker's copy: entries are kept for take(), never written (see hold())

    def _mac(self, name: str, binding: bytes, payload: bytes) -> bytes:
        parts = [MAGIC]
        for part in (self.kind.encode(), name.encode(), binding):
            parts += (len(part).to_bytes(8, "big"), part)
        mac = hmac.new(self._key, b"".join(parts), "sha256")
        mac.update(payload)
        return mac.digest()

    def _path(self, name: str) -> str:
        return f"{self._prefix}{name[:2]}{os.sep}{name[2:]}"  # a string: a Path per entry costs more than reading it

    def get(self, name: str, binding: bytes) -> bytes | None:
        """The payload stored under ``name`` for ``binding``, or None (absent, unreadable, forged, moved)."""
        pending = self._pending.get(name)
        if pending is not None:
            return self._verified(name, binding, pending)
        # once the packs' indexes are read, a name they hold is read from its pack first (no file looked for)
        place = self._place(name) if self._packs is not None else None
        if place is not None:
            payload = self._get_packed(name, binding, place)
            if payload is not None:
                return payload
        payload = self._get_at(self._path(name), name, binding)
        if payload is None and place is None:
            place = self._place(name)  # on a run's first miss, this reads the packs' indexes
            payload = None if place is None else self._get_packed(name, binding, place)
        return payload

    def _get_packed(self, name: str, binding: bytes, place: tuple[str, int, int]) -> bytes | None:
        path, offset, length = place
        return self._get_at(path, name, binding, (offset, length))

    def _get_at(self, path: str, name: str, binding: bytes, place: tuple[int, int] | None = None) -> bytes | None:
        """The verified payload of ``name`` read from the file at ``path`` (a region of it in a pack); a hit marks
        the file as recently used."""
        found = _read(path, self._max_entry, place)
        if found is None:
            return None
        payload = self._verified(name, binding, found[0])
        if payload is not None:
            _touch_if_old(path, found[1])
        return payload

    def _place(self, name: str) -> tuple[str, int, int] | None:
        """Where the newest pack holding ``name`` has it: (pack, offset, length); the packs' indexes are read once."""
        if self._packs is None:
            self._packs = self._read_packs()
        for path, index in self._packs:
            place = index.place(name)
            if place is not None:
                return path, *place
        return None

    def _read_packs(self) -> list[tuple[str, Index]]:
        """The newest :data:`PACKS_READ` packs with their indexes, newest first."""
        packs = []
        for entry in _scan(self.folder / _PACKS):
            if entry.name.endswith(".pack"):
                with contextlib.suppress(OSError):
                    packs.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
        found = [(path, read_index(path, _READ_FLAGS)) for _, path in sorted(packs, reverse=True)[:PACKS_READ]]
        return [(path, index) for path, index in found if index is not None]

    def _verified(self, name: str, binding: bytes, blob: bytes) -> bytes | None:
        """The payload of an entry's bytes when they are signed for ``name`` and ``binding``, else None."""
        header = len(MAGIC) + MAC_SIZE
        if len(blob) < header or not blob.startswith(MAGIC):
            return None
        payload = blob[header:]
        if not hmac.compare_digest(blob[len(MAGIC):header], self._mac(name, binding, payload)):
            return None
        return payload

    def put(self, name: str, binding: bytes, payload: bytes) -> None:
        """Store ``payload`` under ``name`` for ``binding`` (written by :meth:`close` or into this run's pack);
        failures (read-only or full disk) are ignored."""
        self._keep(name, MAGIC + self._mac(name, binding, payload) + payload)

    def hold(self) -> None:
        """Keep the entries put from now on in memory, for :meth:`take`, instead of writing them: a worker process's
        copy of the folder, whose entries the parent writes (see :mod:`kubelint.sources.parallel`)."""
        self._holding = True

    def take(self) -> dict[str, bytes]:
        """The signed entries held since the last call (see :meth:`hold`), by name."""
        held, self._pending = self._pending, {}
        return held

    def keep(self, entries: dict[str, bytes]) -> None:
        """Store entries that a worker's copy of this folder signed (see :meth:`take`), as :meth:`put` stores."""
        for name, blob in entries.items():
            self._keep(name, blob)

    def _keep(self, name: str, blob: bytes) -> None:
        if self._broken:
            return
        if self._holding:
            self._pending[name] = blob
            return
        if self._pack is None:
            self._pending[name] = blob
            if len(self._pending) > PACK_AFTER:
                self._start_pack()
        else:
            self._pack_entry(name, blob)

    def _start_pack(self) -> None:
        """Move this run's entries into a pack, where the rest of them will go too."""
        pending, self._pending = self._pending, {}
        try:
            self._pack = PackWriter(os.path.join(self.folder, _PACKS))
        except OSError:
            self._broken = True
            return
        for item in pending.items():
            self._pack_entry(*item)

    def _pack_entry(self, name: str, blob: bytes) -> None:
        if self._pack is None:  # dropped after a failed write
            return
        try:
            self._pack.add(name, blob)
        except OSError:
            self._pack.abandon()
            self._pack = None
            self._broken = True

    def flush(self) -> None:
        """Write this run's entries: its pack, or a file each."""
        if self._pack is not None:
            try:
                self._pack.finish()
                self.wrote = True
            except OSError:
                self._pack.abandon()
            self._pack = None
        pending, self._pending = self._pending, {}
        for name, blob in pending.items():
            self._write(name, blob)

    def _write(self, name: str, blob: bytes) -> None:
        path = self._path(name)
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(blob)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return
        self.wrote = True

    def close(self) -> None:
        """End of a run: write its entries, then prune the whole cache folder when this run wrote to it (at most
        once an hour)."""
        self.flush()
        if self.wrote:
            prune_if_due(self.root)


def _touch_if_old(path: str, mtime: float) -> None:
    """Mark a hit's file as recently used when its mark is older than :data:`TOUCH_AFTER`."""
    if time.time() - mtime > TOUCH_AFTER:
        with contextlib.suppress(OSError):
            os.utime(path)


def _read(path: str, limit: int, place: tuple[int, int] | None = None) -> tuple[bytes, float] | None:
    """The bytes of the entry file at ``path`` (or, with ``place``, of the ``(offset, length)`` in a pack) and the
    file's modification time; None when absent, unreadable, not a regular file or over ``limit`` bytes."""
    try:
        descriptor = os.open(path, _READ_FLAGS)
        try:
            info = os.fstat(descriptor)
            offset, size = place if place is not None else (0, info.st_size)
            if not stat.S_ISREG(info.st_mode) or size > limit:
                return None
            # sized to the entry: a bigger buffer costs per entry
            blob = os.pread(descriptor, size, offset) if place is not None else os.read(descriptor, size + 1)
        finally:
            os.close(descriptor)
    except (OSError, ValueError):
        return None
    return (blob, info.st_mtime) if len(blob) == size else None


def _entries(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every file in the folders of a cache folder, two levels down (``kind/xx/rest``; ``xx/rest`` is the layout
    before kinds), with its status; temporary files too. Symlinks are listed (to be removed), never followed."""
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        for entry in _scan(folder):
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth < 2:
                    stack.append((Path(entry.path), depth + 1))
            elif depth > 0 and (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
                yield entry.path, info


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def prune(root: Path, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE, now: float | None = None) -> Pruned:
    """Remove entries unused for ``max_age`` seconds, then the least recently used until ``max_bytes`` is met."""
    now = time.time() if now is None else now
    found = sorted(_entries(root), key=lambda item: item[1].st_mtime)
    total = sum(info.st_size for _, info in found)
    pruned = Pruned()
    for path, info in found:
        if now - info.st_mtime <= max_age and total <= max_bytes:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= info.st_size
        pruned.entries += 1
        pruned.bytes += info.st_size
    return pruned


def prune_if_due(root: Path) -> None:
    """Prune ``root`` unless it was pruned within :data:`PRUNE_EVERY` seconds."""
    mark = root / _PRUNE_MARK
    try:
        if time.time() - os.stat(mark).st_mtime < PRUNE_EVERY:
            return
    except OSError:
        pass
    try:
        mark.touch()
    except OSError:
        return
    prune(root)


def clean(root: Path) -> Pruned:
    """Remove every entry of a cache folder (the folder itself stays); refuses a folder that is not private."""
    try:
        private_folder(root, create=False)
    except FileNotFoundError:
        return Pruned()
    removed = prune(root, max_bytes=-1, max_age=-1)
    stack = [entry.path for entry in _scan(root) if entry.is_dir(follow_symlinks=False)]
    emptied: list[str] = []
    while stack:  # then the emptied folders, deepest first
        folder = stack.pop()
        emptied.append(folder)
        stack.extend(entry.path for entry in _scan(Path(folder)) if entry.is_dir(follow_symlinks=False))
    for folder in reversed(emptied):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    return removed
