"""Stage timings for ``kubelint lint --timings``: where a run spends its time.

Stages are measured with :func:`stage` blocks. Times are exclusive: while a nested stage runs (the
graph built lazily by the first rule that needs it), the enclosing stage's clock stands still, so the
stage times add up to the time spent inside stages. Recording is off unless :func:`start` was called;
then a stage block costs one ``perf_counter`` call on each side.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import field

from kubelint.records import record

Work = tuple[dict[str, float], dict[str, float]]
"""Seconds per stage and per rule."""

STAGES = ("catalog", "load", "graph", "rules", "report")
"""The stages in pipeline order (``catalog`` reads the rule files, ``load`` reads and models the tree)."""


@record
class Timings:
    """Seconds per stage (exclusive of nested stages) and per rule (inclusive)."""

    started: float = field(default_factory=lambda: time.perf_counter())
    stages: dict[str, float] = field(default_factory=dict)
    rules: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    _stack: list[list[float]] = field(default_factory=list, repr=False)
    """Open stages: [name index in ``_names``, start of the current running span]."""
    _names: list[str] = field(default_factory=list, repr=False)

    def enter(self, name: str) -> None:
        now = time.perf_counter()
        if self._stack:  # pause the enclosing stage
            outer = self._names[-1]
            self.stages[outer] = self.stages.get(outer, 0.0) + now - self._stack[-1][0]
        self._names.append(name)
        self._stack.append([now])

    def leave(self) -> None:
        now = time.perf_counter()
        name = self._names.pop()
        started = self._stack.pop()[0]
        self.stages[name] = self.stages.get(name, 0.0) + now - started
        if self._stack:  # resume the enclosing stage
            self._stack[-1][0] = now

    def mark(self) -> Work:
        """The stage and rule times so far, for :meth:`since`."""
        return dict(self.stages), dict(self.rules)

    def since(self, mark: Work) -> Work:
        """The time spent since ``mark`` in the stages not open at the time and in rules (what a worker process did;
        see :mod:`kubelint.parallel_units`)."""
        stages, rules = mark
        return ({name: seconds - stages.get(name, 0.0) for name, seconds in self.stages.items()
                 if name not in self._names},
                {rule: seconds - rules.get(rule, 0.0) for rule, seconds in self.rules.items()})

    def add(self, work: Work) -> None:
        """Count the time a worker process spent (its :meth:`since`) as spent here."""
        stages, rules = work
        for name, seconds in stages.items():
            self.stages[name] = self.stages.get(name, 0.0) + seconds
        for rule, seconds in rules.items():
            self.rules[rule] = self.rules.get(rule, 0.0) + seconds

    def total(self) -> float:
        """Seconds since recording started."""
        return time.perf_counter() - self.started

    def summary(self, slowest: int = 5) -> str:
        """Two lines for stderr: the stages, time outside them (imports, setup), and the slowest rules."""
        names = [name for name in STAGES if name in self.stages]
        names += sorted(name for name in self.stages if name not in STAGES)
        parts = [f"{name} {self.stages[name]:.3f}" for name in names]
        total = self.total()
        parts.append(f"other {max(0.0, total - sum(self.stages.values())):.3f}")
        counts = " ".join(f"{name} {value}" for name, value in self.counts.items())
        line = f"kubelint: timings (s): {'  '.join(parts)}  total {total:.3f}"
        if counts:
            line += f"  ({counts})"
        lines = [line]
        if self.rules:
            ranked = sorted(self.rules.items(), key=lambda item: -item[1])[:slowest]
            shown = "  ".join(f"{rule} {seconds:.3f}" for rule, seconds in ranked)
            lines.append(f"kubelint: slowest rules (s): {shown}")
        return "\n".join(lines) + "\n"


_current: Timings | None = None


def start() -> Timings:
    """Start recording (the CLI does this for ``--timings``) and return the recorder."""
    global _current
    _current = Timings()
    return _current


def current() -> Timings | None:
    """The active recorder, or None when timings are off."""
    return _current


def stop() -> None:
    """Stop recording."""
    global _current
    _current = None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Count the time spent in the block towards stage ``name`` (when recording)."""
    timings = _current
    if timings is None:
        yield
        return
    timings.enter(name)
    try:
        yield
    finally:
        timings.leave()


def count(name: str, value: int) -> None:
    """Record a count shown beside the timings (files, objects, findings)."""
    if _current is not None:
        _current.counts[name] = value
