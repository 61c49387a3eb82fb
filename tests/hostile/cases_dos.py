"""Denial of service: inputs that once took unbounded time or memory (issue 15)."""

from __future__ import annotations

import os
import sys
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
  containers: [{name: c, image: 'nginx:1.25'}]
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


@case("alias-amplified-long-name")
def alias_amplified(root: Path) -> Run:
    """A 100 KB name aliased 1,000 times: 804 MB of report and 2.4 GB of memory before aliases were counted
    by the size of what they repeat."""
    items = "".join("- {apiVersion: v1, kind: ConfigMap, metadata: {name: *n}}\n" for _ in range(1000))
    write(root, "list.yaml", "apiVersion: v1\nkind: List\nitems:\n"
                             f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: &n {'n' * 100_000}}}}}\n{items}")
    return Run(["lint", "."], rules=("yaml-syntax",), max_output=64 << 10)


@case("alias-amplified-long-name-under-the-limit")
def alias_amplified_small(root: Path) -> Run:
    """Fifty aliases of a 100 KB name pass the alias limit; every finding still carries a bounded excerpt."""
    items = "".join("- {apiVersion: v1, kind: ConfigMap, metadata: {name: *n, namespace: default}}\n"
                    for _ in range(50))
    write(root, "list.yaml", "apiVersion: v1\nkind: List\nitems:\n"
                             f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: &n {'n' * 100_000}}}}}\n{items}")
    return Run(["lint", ".", "--format", "sarif"], rules=("duplicate-object",), max_output=1 << 20)


@case("deep-flow-nesting")
def deep_flow_nesting(root: Path) -> Run:
    """300 KB of ``[[[...]]]``: libyaml is quadratic in flow depth (over 30 s)."""
    write(root, "deep.yaml", "a: " + "[" * 150_000 + "]" * 150_000 + "\n")

    def check(result: Result) -> None:
        [finding] = result.findings("yaml-syntax")
        assert (finding["line"], finding["column"]) == (1, 504) and "nesting deeper" in finding["message"]

    return Run(["lint", "."], rules=("yaml-syntax",), check=check)


@case("symlink-to-dev-zero")
def dev_zero(root: Path) -> Run:
    """A manifest that is a symlink to /dev/zero read until memory ran out."""
    (root / "zero.yaml").symlink_to("/dev/zero")
    (root / "random.yaml").symlink_to("/dev/urandom")

    def check(result: Result) -> None:
        assert sorted(os.path.normpath(f["file"]) for f in result.findings("unreadable-file")) == [
            "random.yaml", "zero.yaml"]

    return Run(["lint", "."], rules=("unreadable-file",), check=check)


@case("fifo-named-yaml")
def fifo(root: Path) -> Run:
    """A FIFO named ``*.yaml`` blocked forever, in a folder and named on the command line."""
    os.mkfifo(root / "pipe.yaml")
    write(root, "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    os.mkfifo(root / "app" / "pipe.yml")

    def check(result: Result) -> None:
        assert sorted(os.path.normpath(f["file"]) for f in result.findings("unreadable-file")) == [
            os.path.join("app", "pipe.yml"), "pipe.yaml"]

    return Run(["lint", "pipe.yaml", "app"], rules=("unreadable-file",), check=check)


@case("kustomize-symlink-loops")
def kustomize_loops(root: Path) -> Run:
    """``a -> .`` and ``b -> .`` under a Kustomize folder: the search for files no kustomization names
    walked ``sub/a/b/a/...`` for ever."""
    write(root, "app/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    write(root, "app/sub/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n")
    (root / "app" / "sub" / "a").symlink_to(".")
    (root / "app" / "sub" / "b").symlink_to(".")
    (root / "app" / "a").symlink_to(".")

    def check(result: Result) -> None:
        assert result.report is not None and result.report["summary"]["objects"] == 2

    return Run(["lint", "."], check=check)


@case("kustomization-symlink-to-dev-zero")
def kustomization_dev_zero(root: Path) -> Run:
    """A kustomization file (or a file it names) that is a symlink to /dev/zero."""
    (root / "app").mkdir()
    (root / "app" / "kustomization.yaml").symlink_to("/dev/zero")
    write(root, "other/kustomization.yaml", "resources: [cm.yaml]\n")
    (root / "other" / "cm.yaml").symlink_to("/dev/zero")
    return Run(["lint", "."], exit=frozenset({0, 1}))


@case("stdin-over-the-size-limit")
def stdin_too_large(root: Path) -> Run:
    """Standard input is read up to the limit, not to its end."""
    return Run(["lint", "-", "--max-file-size", "1"], stdin=b"a: b\n" * 500_000, rules=("file-too-large",))


@case("render-output-over-the-limit")
def render_too_large(root: Path) -> Run:
    """A root whose rendered output is larger than a file may be: a located render-failed finding."""
    write(root, "app/kustomization.yaml", "configMapGenerator:\n- name: big\n  files: [big.txt]\n")
    write(root, "app/big.txt", "x" * (3 << 20))

    def check(result: Result) -> None:
        [finding] = result.findings("render-failed")
        assert os.path.normpath(finding["file"]) == os.path.join("app", "kustomization.yaml")
        assert "over the 1 MiB limit" in finding["message"]

    return Run(["lint", ".", "--max-file-size", "1"], rules=("render-failed",), check=check)


@case("render-budget")
def render_budget(root: Path) -> Run:
    """Renders that never finish stop at the run's budget, not after a timeout per root."""
    for index in range(6):
        write(root, f"app{index}/kustomization.yaml", "resources: []\n")
    bin_folder = root.parent / f"{root.name}-bin"
    write(bin_folder, "kustomize", f"#!{sys.executable}\nimport time\ntime.sleep(600)\n").chmod(0o755)

    def check(result: Result) -> None:
        messages = [finding["message"] for finding in result.findings("render-failed")]
        assert len(messages) == 6 and all("render budget" in message for message in messages), messages

    return Run(["lint", ".", "--render-budget", "2"], env={"PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"},
               rules=("render-failed",), timeout=30, check=check)


def _deployments(count: int) -> list[str]:
    return [f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: ns}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}}}}}\n"
            f"    spec: {{containers: [{{name: c, image: 'x:1', ports: [{{containerPort: 8080}}]}}]}}\n"
            for i in range(count)]


@case("orphan-service-selector-at-scale")
def many_services(root: Path) -> Run:
    """10,000 Services that select nothing among 5,000 workloads of one namespace: the "nearest pods" hint
    scanned every workload for every Service (quadratic; and the graph sorted by a map rebuilt per Service)."""
    services = [f"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: ns}}\nspec:\n"
                f"  selector: {{app: missing{i}}}\n  ports: [{{port: 80}}]\n" for i in range(10_000)]
    write(root, "all.yaml", "---\n".join(services + _deployments(5_000)))

    def check(result: Result) -> None:
        assert len(result.findings("orphan-service-selector")) == 10_000

    return Run(["lint", ".", "--disable", "all", "--enable", "orphan-service-selector", "--format", "github"],
               rules=("orphan-service-selector",), max_output=16 << 20, check=check)


@case("orphan-networkpolicy-peer-at-scale")
def many_policies(root: Path) -> Run:
    """5,000 workloads and 5,000 policies in one namespace whose peers select nothing (134 s before)."""
    policies = [f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{i}, namespace: ns}}\n"
                f"spec:\n  podSelector: {{matchLabels: {{app: a{i}}}}}\n  ingress:\n"
                f"  - from: [{{podSelector: {{matchLabels: {{app: missing{i}}}}}}}]\n" for i in range(5_000)]
    write(root, "all.yaml", "---\n".join(policies + _deployments(5_000)))

    def check(result: Result) -> None:
        assert len(result.findings("orphan-networkpolicy-peer")) == 5_000

    return Run(["lint", ".", "--disable", "all", "--enable", "orphan-networkpolicy-peer", "--format", "github"],
               rules=("orphan-networkpolicy-peer",), max_output=16 << 20, check=check)


@case("helm-source-line-of-spaces")
def helm_source_spaces(root: Path) -> Run:
    """A ``# Source:`` line followed by 200,000 spaces: the template-name pattern backtracked over the run of
    spaces from every position (quadratic)."""
    write(root, "out.yaml", "# Source: chart/templates/a.yaml" + " " * 200_000 + "x\n"
                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    return Run(["lint", "."])


@case("template-braces-without-end")
def template_braces(root: Path) -> Run:
    """A broken file with a line of 100,000 ``{{`` and no ``}}``: looking for a template action rescanned the
    line from each of them."""
    write(root, "broken.yaml", "a: [\n" + "{{" * 100_000 + "\n")
    return Run(["lint", "."], rules=("yaml-syntax",))


@case("rule-test-expect-marker-of-spaces")
def rule_test_marker(root: Path) -> Run:
    """``kubelint test`` on a fixture whose ``# expect:`` marker runs into 200,000 spaces, next to a FIFO."""
    write(root, "rules/r.yaml", """\
id: cm-label
summary: s
severity: warning
check: object-schema
params:
  kinds: [ConfigMap]
  schema: {properties: {metadata: {required: [labels]}}}
description: d
remediation: r
""")
    write(root, "rules/fixtures/cm-label/cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:  # expect: cm-label" + " " * 200_000 + "!\n  name: c\n")
    os.mkfifo(root / "rules" / "fixtures" / "cm-label" / "pipe.yaml")
    return Run(["test", "rules"], exit=frozenset({0, 1}))


@case("gitignore-fifo")
def gitignore_fifo(root: Path) -> Run:
    """A ``.gitignore`` that is a FIFO (or a symlink to /dev/zero in a subfolder): reading it waited forever."""
    os.mkfifo(root / ".gitignore")
    write(root, "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    (root / "app" / ".gitignore").symlink_to("/dev/zero")

    def check(result: Result) -> None:
        assert result.report is not None and result.report["summary"]["objects"] == 1

    return Run(["lint", "."], check=check, timeout=30)
