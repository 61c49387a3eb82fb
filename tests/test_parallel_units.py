"""The rules of a big tree's units run in worker processes: the report equals a serial run's (findings, held findings,
single-object rules), a finding crosses back unchanged, and a unit whose rules fail in a worker, or that a dead worker
left, is checked in this process; a small tree or ``jobs`` 1 uses no worker."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

import pytest

from kubelint import engine, lint, parallel_units
from kubelint.engine import Report
from kubelint.findings import Finding
from kubelint.findings_cache import finding_from_values, finding_values
from kubelint.model.tree import Tree
from kubelint.options import Options

ROOT = Path(__file__).resolve().parent.parent
TREES = [str(ROOT / "fixtures"), str(ROOT / "examples")]
PARENT = os.getpid()


@pytest.fixture(autouse=True)
def any_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_units, "MIN_OBJECTS", 0)


def _report(jobs: int) -> Report:
    return lint(TREES, Options(jobs=jobs, cache=False, render=False))


def _same(one: Report, other: Report) -> None:
    assert one.findings == other.findings
    assert [finding.extra for finding in one.findings] == [finding.extra for finding in other.findings]
    assert one.held == other.held
    assert one.single_object_rules == other.single_object_rules


@pytest.fixture(scope="module")
def serial() -> Report:
    return _report(jobs=1)


def _used_workers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = parallel_units.rules_in_workers

    def spy(*args: Any) -> Any:
        result = real(*args)
        calls.append(result)
        return result

    monkeypatch.setattr(parallel_units, "rules_in_workers", spy)
    return calls


def test_a_lint_with_units_in_workers_equals_a_serial_one(serial: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _used_workers(monkeypatch)
    _same(_report(jobs=2), serial)
    assert len(calls) == 1 and calls[0] is not None and len(calls[0]) > 100
    assert all(found is not None for found in calls[0])  # every unit but the first was checked by a worker
    assert len(serial.findings) > 500 and serial.held and serial.single_object_rules


def test_a_finding_crosses_unchanged(serial: Report) -> None:
    for finding in serial.findings + serial.held:
        back = finding_from_values(marshal.loads(marshal.dumps(finding_values(finding))))
        assert back == finding and back.extra == finding.extra and repr(back) == repr(finding)
    assert any(finding.related for finding in serial.findings)
    assert any(finding.ref is not None and finding.ref.namespace is None for finding in serial.findings)


def _failing_in_workers(monkeypatch: pytest.MonkeyPatch, fail: Any) -> None:
    real = engine.run_rules
    name = os.path.join("missing-readiness-probe", "example.yaml")

    def run_rules(unit: Tree, *args: Any) -> list[Finding]:
        if os.getpid() != PARENT and any(file.endswith(name) for file in unit.member_files or ()):
            fail()
        return real(unit, *args)

    monkeypatch.setattr(engine, "run_rules", run_rules)


def _raise() -> None:
    raise RuntimeError("a rule failed")


@pytest.mark.parametrize("fail", [_raise, lambda: os._exit(9)])
def test_a_unit_a_worker_fails_or_leaves_is_checked_here(serial: Report, monkeypatch: pytest.MonkeyPatch,
                                                         fail: Any) -> None:
    calls = _used_workers(monkeypatch)
    _failing_in_workers(monkeypatch, fail)
    _same(_report(jobs=2), serial)
    assert calls[0] is not None and 1 <= sum(found is None for found in calls[0]) < len(calls[0])


def test_no_workers_for_a_small_tree_or_one_job(serial: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _used_workers(monkeypatch)
    _same(_report(jobs=1), serial)
    monkeypatch.setattr(parallel_units, "MIN_OBJECTS", serial.objects + 1)
    _same(_report(jobs=2), serial)
    assert calls == [None, None]
