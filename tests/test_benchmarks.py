"""The synthetic tree generator: deterministic, counted right, with its mistakes where it says."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from generate import generate

from kubelint.loader import load_tree
from kubelint.options import Options


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.yaml"))}


def test_same_seed_same_tree_other_seed_other_tree(tmp_path: Path) -> None:
    first = generate(str(tmp_path / "a"), 300, seed=1)
    second = generate(str(tmp_path / "b"), 300, seed=1)
    generate(str(tmp_path / "c"), 300, seed=2)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")
    assert first.objects == second.objects >= 300


def test_counts_match_what_kubelint_reads(tmp_path: Path) -> None:
    tree = generate(str(tmp_path), 500)
    loaded = load_tree([str(tmp_path)], Options())
    assert len(loaded.sources) == tree.files
    assert len(loaded.resources) == tree.objects
    kinds = {resource.kind for resource in loaded.resources}
    assert {"Deployment", "StatefulSet", "Service", "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "ConfigMap", "ServiceAccount", "Namespace"} <= kinds


def test_expected_mistakes_point_at_the_right_lines(tmp_path: Path) -> None:
    tree = generate(str(tmp_path), 500)
    rules = [expected.rule for expected in tree.expected]
    assert len(rules) == len(set(rules)) >= 9
    for expected in tree.expected:
        lines = Path(expected.file).read_text().splitlines()
        region = lines[expected.first_line - 1: expected.last_line]
        if expected.rule == "yaml-duplicate-key":
            assert region[0].strip().startswith("revisionHistoryLimit:") and lines[expected.first_line - 2].strip() \
                .startswith("revisionHistoryLimit:")
        elif expected.rule == "duplicate-object":
            assert region[0].strip().startswith("name: ") and region[0].strip().endswith("-config")
        elif expected.rule != "yaml-syntax":
            assert region[0] == "apiVersion: " + region[0].split(": ", 1)[1]  # an object starts the range
            assert any(line.startswith("kind: ") for line in region[:2])


def test_the_hook_benchmark_checks_every_run(tmp_path: Path) -> None:
    """benchmarks/hook.py on a small repository: each hook run finds no new finding and every old one."""
    import subprocess

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "hook.py"
    done = subprocess.run([sys.executable, str(script), "--objects", "150", "--runs", "1", "--work", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hook, warm" in done.stdout and "hook, first run / plain lint, first run" in done.stdout


def test_apps_are_clean_but_for_the_planted_mistakes(tmp_path: Path) -> None:
    """The default rules find the planted mistakes and nothing else that is not hardening advice: in
    particular every app reaches its team's gateway (UPSTREAM_URL) under the namespace's default-deny."""
    from kubelint.engine import lint_tree
    from kubelint.findings import Severity

    tree = generate(str(tmp_path), 150)
    report = lint_tree(load_tree([str(tmp_path)], Options(cache=False, render=False)))
    planted = {expected.rule for expected in tree.expected}
    others = {finding.rule for finding in report.findings
              if finding.rule not in planted and finding.severity > Severity.INFO}
    assert planted <= {finding.rule for finding in report.findings}
    assert others == set()
