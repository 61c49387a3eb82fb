"""Run the rules of a big tree's units on every usable core: worker processes forked from this one (see
:mod:`kubelint.forked`) each take runs of units and send back each unit's findings, as plain values.

Units are independent (each sees the tree, reports on its own files), so a unit's findings do not depend on where
its rules ran. Only big trees gain (:data:`MIN_OBJECTS`). The first unit is checked here before the workers fork,
so that the imports and compiled schemas its rules needed are made once, not once per worker. A unit whose rules
failed in a worker, and every unit left when a worker dies, is checked here again, where an error is reported as
in a serial run. Each worker runs with the rest of the run's CEL budget (``--cel-budget`` bounds the time CEL
takes, which the workers share out). With ``--timings``, the times the workers spent in rules and nested stages
are added up (work, not time waited: with workers, the stages of a run may add up to more than its total).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

from kubelint import forked
from kubelint.findings import Finding
from kubelint.findings_cache import finding_from_values, finding_values
from kubelint.model.tree import Tree
from kubelint.timings import current as current_timings

MIN_OBJECTS = 5000
"""Trees with fewer objects run their units' rules in this process."""
RUNS_PER_WORKER = 16
"""Units are handed out in about this many runs per worker (fewer, bigger runs cost less; more balance better)."""

CheckUnit = Callable[[Tree, set[str]], list[Finding]]
"""A unit's own findings, its analyses freed after; adds the ids of rules that looked at single objects to the set
(what the serial loop does with each unit)."""


def rules_in_workers(tree: Tree, units: list[Tree], check: CheckUnit, single: set[str], jobs: int
                     ) -> list[list[Finding] | None] | None:
    """Each unit's own findings, by ``check`` in worker processes (None for a unit to check here), or None when the
    units are better checked here (small tree, one unit, ``jobs`` 1, fork unsafe). The ids of rules that looked at
    single objects in the workers are added to ``single``."""
    workers = forked.workers_for(jobs)
    if not workers or len(units) < 3 or len(tree.resources) < MIN_OBJECTS:
        return None
    size = max(1, len(units) // (workers * RUNS_PER_WORKER))
    runs = [list(range(start, min(start + size, len(units)))) for start in range(0, len(units), size)]
    results = forked.run_forked(lambda number: _check_run(units, runs[number], check), len(runs), workers)
    found: list[list[Finding] | None] = [None] * len(units)
    for run, payload in zip(runs, results, strict=True):
        if payload is None:
            continue
        packed, ids, work = marshal.loads(payload)
        single.update(ids)
        timings = current_timings()
        if timings is not None:
            timings.add(work)
        for number, findings in zip(run, packed, strict=True):
            found[number] = None if findings is None else [finding_from_values(item) for item in findings]
    return found


def _check_run(units: list[Tree], numbers: list[int], check: CheckUnit) -> bytes:
    """In a worker: the findings of a run of units, the ids of single-object rules and the time spent, as marshal
    bytes; a unit whose rules fail is sent as None."""
    timings = current_timings()
    mark = timings.mark() if timings is not None else None
    packed: list[Any] = []
    single: set[str] = set()
    for number in numbers:
        try:
            packed.append([finding_values(finding) for finding in check(units[number], single)])
        except Exception:  # checked again in the parent, which reports the error as a serial run does
            packed.append(None)
    work = timings.since(mark) if timings is not None and mark is not None else ({}, {})
    return marshal.dumps((packed, sorted(single), work))
