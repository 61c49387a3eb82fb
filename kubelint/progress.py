"""Which file is being processed, so that an unexpected error can name it in one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class InternalError(Exception):
    """An unexpected error, with the file that was being processed when it happened."""

    def __init__(self, error: BaseException, file: str | None) -> None:
        where = f" while processing {file}" if file else ""
        super().__init__(f"internal error{where}: {type(error).__name__}: {error}")
        self.file = file


@contextmanager
def processing(name: str) -> Iterator[None]:
    """Attach ``name`` to any unexpected error raised while the block works on that file."""
    try:
        yield
    except InternalError:
        raise
    except Exception as error:
        raise InternalError(error, name) from error
