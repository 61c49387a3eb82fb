"""Benchmark the resource graph: build it for N copies of a manifest tree, each in its own namespace.

Usage: python benchmarks/graph_bench.py [TREE] [FACTOR ...]

TREE defaults to the kube-prometheus manifests of the shared corpora. Each copy rewrites
``namespace: monitoring`` (the namespace kube-prometheus uses) to ``namespace: monitoring-<i>``, so
the copies are distinct objects with the same labels: the worst case for a label index that would
scan every pod per selector. The graph build must grow linearly with the number of objects.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kubelint.analysis.graph import build_graph
from kubelint.engine import lint_tree
from kubelint.loader import load_tree
from kubelint.options import Options

DEFAULT_TREE = "/work/shared/corpora/kube-prometheus/manifests"


def replicate(tree: Path, factor: int, into: Path) -> None:
    for copy in range(factor):
        target = into / f"copy-{copy}"
        target.mkdir()
        for source in sorted(tree.glob("*.yaml")):
            text = source.read_text(encoding="utf-8")
            (target / source.name).write_text(text.replace("namespace: monitoring", f"namespace: monitoring-{copy}"),
                                              encoding="utf-8")


def best_of(runs: int, function: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def measure(tree_path: Path, factor: int) -> str:
    """One row of the table, measured in this (fresh) process."""
    folder = Path(tempfile.mkdtemp(prefix="kubelint-bench-"))
    try:
        replicate(tree_path, factor, folder)
        tree = load_tree([str(folder)], Options())
        graph_time = best_of(7, lambda: build_graph.build(tree))
        graph = build_graph(tree)
        lint_time = best_of(3, lambda: lint_tree(load_tree([str(folder)], Options())))
        objects = len(tree.resources)
        return (f"{factor:>6} {objects:>8} {graph.graph.number_of_nodes():>6} {graph.graph.number_of_edges():>6} "
                f"{graph_time * 1000:>9.1f} {graph_time / objects * 1e6:>9.1f} {lint_time * 1000:>8.0f}")
    finally:
        shutil.rmtree(folder)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        print(measure(Path(args[1]), int(args[2])))
        return
    tree_path = Path(args[0]) if args and not args[0].isdigit() else Path(DEFAULT_TREE)
    factors = [int(arg) for arg in args if arg.isdigit()] or [1, 10]
    print(f"{'factor':>6} {'objects':>8} {'nodes':>6} {'edges':>6} {'graph ms':>9} {'us/object':>9} {'lint ms':>8}")
    for factor in factors:
        # a fresh process per size: the garbage collector's cost depends on everything alive
        result = subprocess.run([sys.executable, __file__, "--one", str(tree_path), str(factor)],
                                capture_output=True, text=True, check=True)
        print(result.stdout.rstrip())


if __name__ == "__main__":
    main()
