"""Pod Security Admission end to end: namespace labels, defaults, the admission configuration, exemptions,
what each kind of object gets, the per-field rules it silences, the command line and ``kubelint psa``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import lint
from kubelint.cli import cli
from kubelint.findings import Severity
from kubelint.options import Options
from kubelint.podsecurity.admission import AdmissionConfigError, parse_spec, read_admission_config
from kubelint.podsecurity.levels import Level, LevelVersion, Version, default_policy, policy_for

RULES = ["pod-security-enforce", "pod-security-warn", "pod-security-audit"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def findings(folder: Path, **options: object) -> list:
    report = lint([str(folder)], Options(gitignore=False, cache=False, **options))  # type: ignore[arg-type]
    return [finding for finding in report.findings if not finding.suppressed]


def by_rule(found: list, *rules: str) -> list[tuple[str, str, int, str]]:
    return [(f.rule, str(f.severity), f.line, f.message) for f in found if f.rule in rules]


NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {name}
  labels: {labels}
---
"""

PRIVILEGED_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %s}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: app:1
          securityContext:
            privileged: true
"""


# --- labels and defaults -------------------------------------------------------------------------------------


def test_labels_override_the_defaults_mode_by_mode() -> None:
    policy, problems = policy_for({"pod-security.kubernetes.io/warn": "restricted",
                                   "pod-security.kubernetes.io/warn-version": "v1.29"}, default_policy())
    assert problems == []
    assert policy["warn"].level_version == LevelVersion(Level.RESTRICTED, Version(29))
    assert policy["enforce"].level_version == LevelVersion(Level.PRIVILEGED)
    assert policy["warn"].label_path == ("metadata", "labels", "pod-security.kubernetes.io/warn")


def test_unparsable_labels_fail_closed_for_enforce_and_open_for_warn_and_audit() -> None:
    policy, problems = policy_for({"pod-security.kubernetes.io/enforce": "Baseline",
                                   "pod-security.kubernetes.io/warn": "strict",
                                   "pod-security.kubernetes.io/audit-version": "1.30"}, default_policy())
    assert policy["enforce"].level_version == LevelVersion(Level.RESTRICTED)
    assert policy["warn"].level_version.level == Level.PRIVILEGED
    assert policy["audit"].level_version.version == Version()
    assert [problem.api_message() for problem in problems] == [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "Baseline": must be one of privileged, '
        'baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "strict": must be one of privileged, '
        'baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("restricted", ("enforce", "restricted:latest")),
    ("baseline:v1.30", ("enforce", "baseline:v1.30")),
    ("warn=restricted", ("warn", "restricted:latest")),
    ("AUDIT=baseline:v1.0", ("audit", "baseline:v1.0")),
])
def test_pod_security_values(text: str, expected: tuple[str, str]) -> None:
    mode, level_version = parse_spec(text)
    assert (mode, str(level_version)) == expected


@pytest.mark.parametrize("text", ["strict", "restricted:1.30", "deny=baseline", "baseline:v2.0", "baseline:v1.01"])
def test_bad_pod_security_values(text: str) -> None:
    with pytest.raises(AdmissionConfigError):
        parse_spec(text)


def test_pod_security_default_applies_to_namespaces_without_the_label(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="labelled", labels="{pod-security.kubernetes.io/enforce: "
                                               "privileged}") + PRIVILEGED_DEPLOYMENT % "labelled"
          + "---\n" + PRIVILEGED_DEPLOYMENT % "elsewhere")
    assert by_rule(findings(tmp_path), *RULES) == []
    found = by_rule(findings(tmp_path, pod_security=["baseline"]), *RULES)
    assert [(rule, line) for rule, _, line, _ in found] == [("pod-security-enforce", 33)]
    assert 'violates PodSecurity "baseline:latest": privileged' in found[0][3]


def test_the_target_kubernetes_version_is_what_latest_means(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="probes", labels="{pod-security.kubernetes.io/enforce: baseline}")
          + """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: probes}
spec:
  containers:
    - name: app
      image: app:1
      livenessProbe: {httpGet: {host: 10.1.1.1, port: 80}}
""")
    assert by_rule(findings(tmp_path, kubernetes_version="1.33"), *RULES) == []
    found = by_rule(findings(tmp_path, kubernetes_version="1.34"), *RULES)
    assert len(found) == 1 and 'PodSecurity "baseline:latest": probe or lifecycle host' in found[0][3]


# --- the admission configuration --------------------------------------------------------------------------------

ADMISSION = """\
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: EventRateLimit
    path: eventconfig.yaml
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: baseline
        warn: restricted
        warn-version: v1.30
      exemptions:
        namespaces: [kube-system]
        runtimeClasses: [kata]
        usernames: ["system:serviceaccount:kube-system:daemon-set-controller"]
"""


def test_admission_configuration_inline(tmp_path: Path) -> None:
    policy, exemptions = read_admission_config(str(write(tmp_path, "admission.yaml", ADMISSION)))
    assert str(policy["enforce"].level_version) == "baseline:latest"
    assert str(policy["warn"].level_version) == "restricted:v1.30"
    assert str(policy["audit"].level_version) == "privileged:latest"
    assert exemptions.namespaces == {"kube-system"} and exemptions.runtime_classes == {"kata"}


def test_admission_configuration_by_path_stays_in_its_folder(tmp_path: Path) -> None:
    write(tmp_path, "podsecurity.yaml", """\
        apiVersion: pod-security.admission.config.k8s.io/v1beta1
        kind: PodSecurityConfiguration
        defaults: {enforce: restricted}
        """)
    good = write(tmp_path, "admission.yaml", """\
        apiVersion: apiserver.config.k8s.io/v1
        kind: AdmissionConfiguration
        plugins: [{name: PodSecurity, path: podsecurity.yaml}]
        """)
    assert str(read_admission_config(str(good))[0]["enforce"].level_version) == "restricted:latest"
    bad = write(tmp_path, "outside.yaml", """\
        apiVersion: apiserver.config.k8s.io/v1
        kind: AdmissionConfiguration
        plugins: [{name: PodSecurity, path: ../../etc/podsecurity.yaml}]
        """)
    with pytest.raises(AdmissionConfigError, match="same folder"):
        read_admission_config(str(bad))


PSC = "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n"


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: ConfigMap\n",
    PSC + "defaults: {enforce: hard}\n",
    PSC + "exemptions: {namespaces: x}\n",
    "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: [{name: Other}]\n",
])
def test_unusable_admission_configurations(tmp_path: Path, text: str) -> None:
    with pytest.raises(AdmissionConfigError):
        read_admission_config(str(write(tmp_path, "admission.yaml", text)))


def test_exemptions(tmp_path: Path) -> None:
    config = write(tmp_path / "..", "admission-exemptions.yaml", ADMISSION)
    write(tmp_path, "a.yaml", """\
apiVersion: v1
kind: Pod
metadata: {name: system, namespace: kube-system}
spec:
  hostNetwork: true
  containers: [{name: app, image: "app:1"}]
---
apiVersion: v1
kind: Pod
metadata: {name: sandboxed, namespace: apps}
spec:
  runtimeClassName: kata
  hostNetwork: true
  containers: [{name: app, image: "app:1"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: apps}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: app, image: "app:1"}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: apps}
spec:
  hostNetwork: true
  containers: [{name: app, image: "app:1"}]
""")
    found = findings(tmp_path, admission_config=str(config))
    enforce = [(f.ref.name, str(f.severity)) for f in found if f.rule == "pod-security-enforce"]
    # kube-system and the kata pod are exempt; the DaemonSet controller's account is exempt, so its pods are not
    # evaluated; a bare Pod may be applied by an exempt user: reported one level lower
    assert enforce == [("bare", "warning")]
    assert {f.ref.name for f in found if f.rule == "host-network"} == {"system", "sandboxed", "agent"}


# --- what each object gets --------------------------------------------------------------------------------------

def test_a_stricter_mode_is_not_repeated_and_comes_back_when_its_rule_is_off(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="twice", labels="{pod-security.kubernetes.io/enforce: baseline, "
                                               "pod-security.kubernetes.io/warn: baseline, "
                                               "pod-security.kubernetes.io/audit: baseline}")
          + PRIVILEGED_DEPLOYMENT % "twice")
    assert [rule for rule, *_ in by_rule(findings(tmp_path), *RULES)] == ["pod-security-enforce"]
    found = findings(tmp_path, disable=["pod-security-enforce"])
    assert [rule for rule, *_ in by_rule(found, *RULES)] == ["pod-security-warn"]
    assert by_rule(found, *RULES)[0][3] == ('Deployment accepted with a warning: would violate PodSecurity '
                                            '"baseline:latest": privileged (container "app" must not set '
                                            'securityContext.privileged=true)')
    found = findings(tmp_path, disable=["pod-security-enforce", "pod-security-warn"])
    # an info cannot stand in for a warning: the per-field rule keeps its say
    assert {(rule, severity) for rule, severity, *_ in by_rule(found, *RULES, "privileged-container")} == {
        ("privileged-container", "warning"), ("pod-security-audit", "info")}


def test_per_field_rules_stay_quiet_only_where_pod_security_says_the_same(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="strict", labels="{pod-security.kubernetes.io/enforce: restricted}")
          + """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: strict}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: ok
      image: app:1
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsUser: 0}
""")
    found = findings(tmp_path, enable=["run-as-root"])
    assert [(rule, line) for rule, _, line, _ in by_rule(found, "pod-security-enforce", "run-as-root")] == [
        ("pod-security-enforce", 15)]
    write(tmp_path, "a.yaml", NAMESPACE.format(name="old", labels="{pod-security.kubernetes.io/enforce: restricted, "
                                               "pod-security.kubernetes.io/enforce-version: v1.22}")
          + (tmp_path / "a.yaml").read_text().split("---\n", 1)[1].replace("strict", "old"))
    found = findings(tmp_path, enable=["run-as-root"])
    # before v1.23 restricted does not look at runAsUser: run-as-root is the only one to say it
    assert [(rule, line) for rule, _, line, _ in by_rule(found, "pod-security-enforce", "run-as-root")] == [
        ("run-as-root", 15)]


def test_operator_kinds_without_a_template_and_controlled_objects_are_not_evaluated(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="mon", labels="{pod-security.kubernetes.io/enforce: restricted}")
          + """\
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: mon}
spec:
  podMetadata: {labels: {app: prom}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: mon
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true, uid: x}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "app:1"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: mon}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "app:1"}]}
""")
    names = {f.ref.name for f in findings(tmp_path) if f.rule == "pod-security-enforce"}
    assert names == {"web"}


def test_user_namespace_relaxation_needs_the_feature_gate(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="userns", labels="{pod-security.kubernetes.io/enforce: restricted}")
          + """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: userns}
spec:
  hostUsers: false
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: app:1
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
""")
    assert len(by_rule(findings(tmp_path), "pod-security-enforce")) == 1
    assert by_rule(findings(tmp_path, pod_security_user_namespaces=True), "pod-security-enforce") == []


def test_the_namespace_label_is_a_related_location(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="rel", labels="{pod-security.kubernetes.io/enforce: baseline}")
          + PRIVILEGED_DEPLOYMENT % "rel")
    finding = next(f for f in findings(tmp_path) if f.rule == "pod-security-enforce")
    assert [(related.line, related.message) for related in finding.related] == [
        (5, "namespace rel: pod-security.kubernetes.io/enforce=baseline")]
    assert finding.severity == Severity.ERROR


# --- command line and configuration -----------------------------------------------------------------------------

def test_cli_flags_and_usage_errors(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", PRIVILEGED_DEPLOYMENT % "apps")
    runner = CliRunner()
    result = runner.invoke(cli, ["lint", str(tmp_path), "--no-cache", "--pod-security", "baseline:v1.30", "-q"])
    assert result.exit_code == 1 and 'violates PodSecurity "baseline:v1.30": privileged' in result.output
    result = runner.invoke(cli, ["lint", str(tmp_path), "--no-cache", "--pod-security", "baseline:1.30"])
    assert result.exit_code == 2 and 'must be "latest" or "v1.x"' in result.output
    result = runner.invoke(cli, ["lint", str(tmp_path), "--no-cache", "--admission-config", str(tmp_path / "no.yaml")])
    assert result.exit_code == 2


def test_configuration_keys(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", PRIVILEGED_DEPLOYMENT % "apps")
    write(tmp_path, "admission.yaml", "apiVersion: pod-security.admission.config.k8s.io/v1\n"
                                      "kind: PodSecurityConfiguration\ndefaults: {warn: baseline}\n")
    config = write(tmp_path, ".kubelint.yaml", "pod-security: [audit=restricted]\nadmission-config: admission.yaml\n"
                                               "pod-security-user-namespaces: true\nexclude: [admission.yaml]\n")
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "a.yaml"), "--config", str(config), "--no-cache", "-q",
                                      "--format", "json"])
    rules = {finding["rule"] for finding in json.loads(result.output)["findings"]}
    assert {"pod-security-warn", "pod-security-audit"} <= rules and "pod-security-enforce" not in rules
    shown = CliRunner().invoke(cli, ["lint", "--config", str(config), "--show-config"]).output
    assert 'pod-security-user-namespaces: true' in shown and "admission.yaml" in shown


def test_psa_view(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", NAMESPACE.format(name="shop", labels="{pod-security.kubernetes.io/enforce: baseline}")
          + PRIVILEGED_DEPLOYMENT.replace("privileged: true", "allowPrivilegeEscalation: false") % "shop")
    result = CliRunner().invoke(cli, ["psa", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "the strictest level all satisfy: baseline" in result.output
    assert ("raising enforce to restricted:latest would refuse the pods of 1:\n    Deployment web "
            in result.output)
    assert "unrestricted capabilities, runAsNonRoot != true, seccompProfile" in result.output
    data = json.loads(CliRunner().invoke(cli, ["psa", str(tmp_path), "--format", "json"]).output)
    assert data[0]["namespace"] == "shop" and data[0]["strictest_level"] == "baseline"
    assert data[0]["refused"]["baseline:latest"] == []
    assert data[0]["refused"]["restricted:latest"][0]["reasons"] == [
        "unrestricted capabilities", "runAsNonRoot != true", "seccompProfile"]
