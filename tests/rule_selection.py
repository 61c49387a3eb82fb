"""Tests of the CLI plumbing (formats, baselines, exit codes) run with the input rules only.

Their manifests are deliberately minimal; the best-practice rules (issue 5) would add findings about
missing probes or security contexts that those tests are not about, and the default-deny rules (issue 4)
one pair of findings per namespace.
"""

from __future__ import annotations

from kubelint.catalog import load_catalog

BEST_PRACTICE_CHECKS = {"container-schema", "podspec-schema", "object-schema", "run-as-root", "readiness-probe",
                        "default-namespace",
                        "missing-default-deny-ingress", "missing-default-deny-egress"}


def best_practice_rules() -> list[str]:
    """The ids of every best-practice rule."""
    return [rule_id for rule_id, rule in sorted(load_catalog().items()) if rule.check in BEST_PRACTICE_CHECKS]


def without_best_practice() -> list[str]:
    """``--disable`` options for every best-practice rule."""
    return [option for rule_id in best_practice_rules() for option in ("--disable", rule_id)]
