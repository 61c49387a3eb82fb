"""Stage timings: exclusive nested stages, and ``kubelint lint --timings`` on stderr only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import timings
from kubelint.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nested_stage_pauses_the_enclosing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(timings.time, "perf_counter", clock)
    recorder = timings.start()
    try:
        with timings.stage("rules"):
            clock.now += 1.0
            with timings.stage("graph"):
                clock.now += 5.0
            clock.now += 2.0
        with timings.stage("rules"):
            clock.now += 0.5
    finally:
        timings.stop()
    assert recorder.stages == {"rules": 3.5, "graph": 5.0}
    assert recorder.total() == 8.5


def test_a_workers_time_is_what_it_spent_in_closed_stages_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(timings.time, "perf_counter", clock)
    recorder = timings.start()
    try:
        with timings.stage("rules"):
            with timings.stage("graph"):
                clock.now += 1.0
            recorder.rules["a"] = 1.0
            mark = recorder.mark()  # what a worker forked here starts from
            with timings.stage("graph"):
                clock.now += 2.0
            with timings.stage("network"):
                clock.now += 0.25
            recorder.rules["a"] += 3.0
            recorder.rules["b"] = 0.5
            work = recorder.since(mark)
    finally:
        timings.stop()
    assert work == ({"graph": 2.0, "network": 0.25}, {"a": 3.0, "b": 0.5})  # "rules", still open, is not counted
    recorder.add(work)
    assert recorder.stages["graph"] == 5.0 and recorder.stages["network"] == 0.5
    assert recorder.rules == {"a": 7.0, "b": 1.0}


def test_stages_cost_nothing_when_off() -> None:
    assert timings.current() is None
    with timings.stage("load"):
        pass
    timings.count("files", 3)
    assert timings.current() is None


def test_cli_prints_stage_times_to_stderr() -> None:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    plain = runner.invoke(cli, ["lint", str(EXAMPLES), "--format", "json"])
    timed = runner.invoke(cli, ["lint", str(EXAMPLES), "--format", "json", "--timings"])
    assert timed.exit_code == plain.exit_code == 1
    assert timed.stdout == plain.stdout  # the report is unchanged
    line = timed.stderr.splitlines()[0]
    found = dict(re.findall(r"(\w+) (\d+\.\d{3})", line))
    assert {"catalog", "load", "rules", "report", "other", "total"} <= found.keys()
    stages = sum(float(seconds) for name, seconds in found.items() if name != "total")  # analyses are stages too
    assert abs(float(found["total"]) - stages) <= 0.003  # rounded to ms
    assert "objects 10" in line  # examples/shop: 7 objects and 3 NetworkPolicies
    assert "slowest rules" in timed.stderr
    assert "timings" not in plain.stderr
    assert timings.current() is None


def test_a_rules_time_is_summed_over_the_units(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # the rules run once per unit: "slowest rules" showed only the last unit's time for each
    from collections.abc import Iterator

    from kubelint.catalog import Rule
    from kubelint.checks import Hit, registry
    from kubelint.engine import run_rules
    from kubelint.findings import Severity
    from kubelint.loader import load_tree
    from kubelint.options import Options

    clock = FakeClock()
    monkeypatch.setattr(timings.time, "perf_counter", clock)

    def slow(tree: object, params: object) -> Iterator[Hit]:
        clock.now += 1.5
        yield from ()

    monkeypatch.setitem(registry(), "test-slow", slow)
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: a}\n")
    tree = load_tree([str(tmp_path)], Options())
    rule = Rule("slow-rule", "slow", Severity.WARNING, "test-slow")
    recorder = timings.start()
    try:
        for _ in range(3):
            run_rules(tree, [rule])
    finally:
        timings.stop()
    assert recorder.rules == {"slow-rule": 4.5}
