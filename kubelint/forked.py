"""Work shared out to worker processes forked from this one, for the big trees where that pays: parsing their files
(:mod:`kubelint.sources.parallel`) and running the rules of their units (:mod:`kubelint.parallel_units`).

A task is a function of a run's number that a worker calls and whose bytes come back; whatever it reads is set
before the workers fork, so only the number crosses to them. What comes back is :mod:`marshal` bytes of plain
values: a worker is a fork of this process running this code, and its bytes travel through a private pipe and are
never stored, so they are as trusted as this process's own memory. (What a repository or a cache folder holds is
never decoded with marshal.)

Workers are forked only where that is safe: ``fork`` exists (not on Windows) and is not macOS (where system
libraries may not survive it), no other thread runs in this process (a fork copies the locks other threads hold),
and no task is already out. The callers decide whether the work is big enough and keep a way to do it here: a run
lost to a worker that died comes back as None.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator

_task: Callable[[int], bytes] | None = None
"""The task of the workers being forked (read by them from their copy of this process)."""


def usable_cores() -> int:
    """The cores this process may run on: those it may be scheduled on, fewer when a container's CPU quota
    (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``) allows less (a CI job limited to one CPU gains nothing from a
    second worker)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cpu_quota()
    return max(1, min(cores, quota)) if quota is not None else cores


CPU_QUOTA_FILES = (("/sys/fs/cgroup/cpu.max", None), ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                                                      "/sys/fs/cgroup/cpu/cpu.cfs_period_us"))
"""Where a container's CPU quota is read: cgroup v2 (quota and period in one file), then v1 (one file each)."""


def cpu_quota(files: tuple[tuple[str, str | None], ...] = CPU_QUOTA_FILES) -> int | None:
    """The CPUs this process's cgroup quota allows, rounded up, or None when there is no quota (or none is known)."""
    for quota_file, period_file in files:
        try:
            with open(quota_file, encoding="ascii") as stream:
                fields = stream.read(64).split()
            if period_file is not None:
                with open(period_file, encoding="ascii") as stream:
                    fields = [*fields[:1], *stream.read(64).split()[:1]]
            quota, period = fields[0], int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
        if quota == "max" or quota.startswith("-") or period <= 0:
            return None
        return -(-int(quota) // period)
    return None


DEFAULT_WORKERS = 8
"""At most this many workers unless ``--jobs`` asks for more: each holds its own copy of what it touches, and the
parent, which turns every result back into values, is the limit beyond a few."""


def workers_for(jobs: int) -> int:
    """How many workers ``jobs`` allows (0: one per usable core, at most :data:`DEFAULT_WORKERS`; never more than there
    are cores), or 0 when workers cannot be forked now."""
    workers = min(jobs or DEFAULT_WORKERS, usable_cores())
    return workers if workers >= 2 and can_fork() else 0


def can_fork() -> bool:
    """Whether worker processes may be forked from this one now (see the module's documentation)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1 and _task is None


def run_forked(task: Callable[[int], bytes], runs: int, workers: int) -> Iterator[bytes | None]:
    """``task(number)`` for each run, called in up to ``workers`` forked processes, its bytes in order of the runs;
    None for each run not done by a worker (the workers could not start, or one died). The workers start when the
    first result is asked for, and are gone when the last has been given or the iterator is dropped."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    global _task
    _task = task
    done = 0
    try:
        pool = ProcessPoolExecutor(min(workers, runs), get_context("fork"), initializer=_ignore_interrupts)
        try:
            for payload in pool.map(_run, range(runs)):
                yield payload
                done += 1
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    except Exception:  # no memory or a process limit, a worker died, a task failed: the caller does the rest here
        pass
    finally:
        _task = None
    for _ in range(done, runs):
        yield None


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is for the parent, which stops the workers."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(number: int) -> bytes:
    """In a worker: the task's bytes for one run."""
    assert _task is not None, "workers are forked after the task is set"
    return _task(number)
