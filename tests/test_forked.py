"""The fork pool: results in order, None for every run no worker did (a task that fails, workers that cannot start),
and no worker or task left behind, whether the results were all read, partly read or never asked for."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from kubelint import forked

PARENT = os.getpid()


def _square(number: int) -> bytes:
    assert os.getpid() != PARENT, "a task runs in a worker"
    return str(number * number).encode()


def _failing_at_three(number: int) -> bytes:
    if number == 3:
        raise ValueError("a task failed")
    return _square(number)


def _gone() -> bool:
    return forked._task is None and not multiprocessing.active_children() and forked.can_fork()


def test_results_come_in_order_of_the_runs() -> None:
    assert list(forked.run_forked(_square, 40, 2)) == [str(n * n).encode() for n in range(40)]
    assert _gone()


def test_a_failed_task_leaves_its_run_and_the_later_ones_to_the_caller() -> None:
    results = list(forked.run_forked(_failing_at_three, 8, 2))
    assert results[:3] == [b"0", b"1", b"4"] and results[3:] == [None] * 5
    assert _gone()


def test_workers_that_cannot_start_leave_every_run_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    assert list(forked.run_forked(_square, 5, 2)) == [None] * 5
    assert _gone()


def test_nothing_is_left_when_the_results_are_dropped() -> None:
    never_asked = forked.run_forked(_square, 5, 2)
    assert _gone()  # nothing starts before the first result is asked for
    del never_asked
    partly = forked.run_forked(_square, 50, 2)
    assert next(partly) == b"0"
    assert not forked.can_fork()  # no second pool while one is out
    partly.close()
    assert _gone()


def test_workers_for_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "usable_cores", lambda: 4)
    assert [forked.workers_for(jobs) for jobs in (0, 1, 2, 3, 8)] == [4, 0, 2, 3, 4]
    monkeypatch.setattr(forked, "usable_cores", lambda: 64)
    assert [forked.workers_for(jobs) for jobs in (0, 1, 2, 16, 100)] == [forked.DEFAULT_WORKERS, 0, 2, 16, 64]
    monkeypatch.setattr(forked, "usable_cores", lambda: 1)
    assert forked.workers_for(0) == 0


def test_a_cpu_quota_caps_the_usable_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def quota_of(v2: str | None = None, v1: tuple[str, str] | None = None) -> int | None:
        (tmp_path / "cpu.max").unlink(missing_ok=True)
        if v2 is not None:
            (tmp_path / "cpu.max").write_text(v2)
        if v1 is not None:
            (tmp_path / "quota").write_text(v1[0])
            (tmp_path / "period").write_text(v1[1])
        files = ((str(tmp_path / "cpu.max"), None), (str(tmp_path / "quota"), str(tmp_path / "period")))
        return forked.cpu_quota(files)

    assert quota_of() is None  # no cgroup files: no quota known
    assert quota_of("max 100000\n") is None
    assert quota_of("100000 100000\n") == 1
    assert quota_of("150000 100000\n") == 2  # rounded up
    assert quota_of("400000 100000\n") == 4
    assert quota_of("garbage") is None  # unreadable v2, no v1 file yet
    assert quota_of(None, ("-1\n", "100000\n")) is None
    assert quota_of(None, ("50000\n", "100000\n")) == 1
    assert quota_of(None, ("250000\n", "100000\n")) == 3
    monkeypatch.setattr(forked, "cpu_quota", lambda: 1)
    assert forked.usable_cores() == 1 and forked.workers_for(0) == 0
    monkeypatch.setattr(forked, "cpu_quota", lambda: 64)
    assert forked.usable_cores() == len(os.sched_getaffinity(0))
