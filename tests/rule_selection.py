"""Tests of the CLI plumbing (formats, baselines, exit codes) run with the input rules only.

Their manifests are deliberately minimal; the best-practice rules (issue 5) would add findings about
missing probes or security contexts that those tests are not about.
"""

from __future__ import annotations

from kubelint.catalog import load_catalog

BEST_PRACTICE_CHECKS = {"container-schema", "podspec-schema", "object-schema", "run-as-root", "default-namespace"}


def without_best_practice() -> list[str]:
    """``--disable`` options for every best-practice rule."""
    options: list[str] = []
    for rule_id, rule in sorted(load_catalog().items()):
        if rule.check in BEST_PRACTICE_CHECKS:
            options += ["--disable", rule_id]
    return options
