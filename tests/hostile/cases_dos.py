"""Denial of service: inputs that once took unbounded time or memory (issue 15)."""

from __future__ import annotations

from pathlib import Path

from hostile.harness import Result, Run, case, write

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                name: {type: string, pattern: '^(a+)+$'}
"""


@case("crd-pattern-backtracking")
def crd_pattern(root: Path) -> Run:
    """A CRD's pattern that backtracks catastrophically in Python's ``re`` (30 s and more for 40 characters)."""
    write(root, "crd.yaml", CRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
                                  f"spec:\n  name: {'a' * 40}!\n")

    def check(result: Result) -> None:
        assert [finding["line"] for finding in result.findings("schema-invalid")] == [26]

    return Run(["lint", "."], rules=("schema-invalid",), check=check)


@case("user-rule-pattern-backtracking")
def user_rule_pattern(root: Path) -> Run:
    """A user rule's pattern that backtracks catastrophically, applied to a long label."""
    write(root, "policies/team.yaml", """\
id: team-label-format
summary: team labels are lower-case words
severity: warning
check: object-schema
params:
  schema:
    properties:
      metadata:
        properties:
          labels:
            properties:
              team: {pattern: '^([a-z]+)*$'}
description: d
remediation: r
""")
    write(root, "k8s/cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n"
                               f"    team: {'a' * 40}0\n")
    return Run(["lint", "k8s", "--rules", "policies"], rules=("team-label-format",))


@case("user-rule-lookahead-is-a-usage-error")
def user_rule_lookahead(root: Path) -> Run:
    """A pattern outside RE2 (lookahead) is refused when the rule loads, naming the file and the key."""
    write(root, "policies/bad.yaml", """\
id: bad-pattern
summary: s
severity: warning
check: object-schema
params:
  schema:
    properties:
      kind: {pattern: '^(?!Secret)'}
description: d
remediation: r
""")
    write(root, "k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")

    def check(result: Result) -> None:
        assert "policies/bad.yaml" in result.stderr and "RE2" in result.stderr, result.stderr

    return Run(["lint", "k8s", "--rules", "policies"], exit=frozenset({2}), check=check)


@case("blank-lines-before-broken-yaml")
def blank_lines(root: Path) -> Run:
    """2,000 blank lines before a YAML error: the "does a broken file mention these labels" search was a
    cubic regular expression (28 s)."""
    write(root, "broken.yaml", "\n" * 2000 + "key: [unclosed\n")
    write(root, "app.yaml", """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, labels: {app: other}}
spec:
  containers: [{name: c, image: nginx:1.25}]
""")
    return Run(["lint", "."], rules=("yaml-syntax",))


LONG = "a" * 200_000


def _long_name_tree(root: Path) -> None:
    write(root, "app.yaml", f"""\
apiVersion: v1
kind: Pod
metadata: {{name: p, labels: {{app: web}}}}
spec:
  containers:
  - name: {LONG}
    image: {LONG}
    securityContext: {{privileged: true}}
""")


@case("long-token-sarif")
def long_token_sarif(root: Path) -> Run:
    """A 200 KB container name in SARIF: fingerprinting the message was quadratic in the token's length."""
    _long_name_tree(root)
    return Run(["lint", ".", "--format", "sarif"], rules=("privileged-container",))


@case("long-token-baseline")
def long_token_baseline(root: Path) -> Run:
    """The same 200 KB name written to and read from a baseline."""
    _long_name_tree(root)

    def check(result: Result) -> None:
        assert (result.root / "baseline.json").stat().st_size < 1 << 20

    return Run(["lint", ".", "--write-baseline", "baseline.json"], exit=frozenset({0}), check=check)
