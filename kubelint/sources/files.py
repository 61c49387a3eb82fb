"""Read files of an untrusted tree: regular files only, never more than a size limit, never blocking.

A repository can hold a symlink to ``/dev/zero`` or ``/dev/urandom`` (reading it never ends), a FIFO named
``app.yaml`` (opening it waits forever for a writer), or a file that grows while it is read. Every file
kubelint reads from a tree goes through :func:`read_regular`: it opens without blocking, checks the type of
what it opened (not of the name, which may change in between) and stops reading at the limit.
"""

from __future__ import annotations

import os
import stat

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 1 << 20


class NotRegularFile(OSError):
    """The path is a device, a FIFO, a socket or a folder: only regular files are read."""


class FileTooLarge(OSError):
    """The file holds more bytes than the limit (``size``: its size when known before reading)."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        shown = "file is" if size is None else f"file is {size / 1048576:.1f} MiB,"
        super().__init__(f"{shown} over the {limit / 1048576:.0f} MiB limit")
        self.size = size
        self.limit = limit


def file_type(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises :class:`NotRegularFile`, :class:`FileTooLarge` or the ``OSError`` of opening or reading.
    """
    descriptor = os.open(path, _FLAGS)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{file_type(info.st_mode)}: only regular files are read")
        if info.st_size > limit:
            raise FileTooLarge(limit, info.st_size)
        return read_limited(descriptor, limit)
    finally:
        os.close(descriptor)


def read_prefix(path: str, limit: int) -> bytes:
    """At most the first ``limit`` bytes of a regular file (:class:`NotRegularFile` for anything else)."""
    descriptor = os.open(path, _FLAGS)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{file_type(info.st_mode)}: only regular files are read")
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            chunk = os.read(descriptor, min(_CHUNK, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_limited(descriptor: int, limit: int) -> bytes:
    """Read a descriptor to its end, refusing more than ``limit`` bytes (the size may change while reading)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(descriptor, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(limit)


def read_text(path: str, limit: int) -> str:
    """A regular file's text (UTF-8, undecodable bytes replaced), refused past ``limit`` bytes."""
    return read_regular(path, limit).decode("utf-8", "replace")
