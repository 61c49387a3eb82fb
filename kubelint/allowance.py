"""Time shared by all evaluations of one run, so that many evaluations that each stay within their own limit
cannot together hold a run for hours (a CEL rule just under its per-evaluation limit, on every object)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Allowance:
    """``seconds`` for all evaluations together, counted from the first one that asks."""

    __slots__ = ("deadline", "option", "seconds")

    def __init__(self, seconds: float, option: str) -> None:
        self.seconds = seconds
        self.option = option
        self.deadline: float | None = None

    def until(self) -> float:
        """The monotonic time at which the allowance is spent (the clock starts at the first call)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        return self.deadline

    def spent_message(self) -> str:
        return f"kubelint's time allowance for all CEL evaluations of the run ({self.seconds:g} s, {self.option}) " \
               "is spent"


CEL_ALLOWANCE: ContextVar[Allowance | None] = ContextVar("cel_allowance", default=None)
"""The allowance of the run in progress for CEL evaluations; None outside a run (no shared limit)."""


@contextmanager
def cel_allowance(seconds: float) -> Iterator[Allowance]:
    """Give the CEL evaluations made inside the block ``seconds`` together (``--cel-budget``)."""
    allowance = Allowance(seconds, "--cel-budget")
    token = CEL_ALLOWANCE.set(allowance)
    try:
        yield allowance
    finally:
        CEL_ALLOWANCE.reset(token)
