"""The Pod Security Standards port against upstream's conformance fixtures, at every level and version.

``tests/psa_upstream.py`` ports ``k8s.io/pod-security-admission/test/fixtures*.go``: for each level, each policy
version from v1.0 to the newest check version and each check, the pods a generator says must pass are admitted
and the ones it says must fail are refused with the expected words (upstream's ``fixtures_test.go``). The
version boundaries are tested on their own below: a pod one version before a revision is judged by the earlier
revision.
"""

from __future__ import annotations

import psa_upstream as upstream
import pytest

from kubelint.podsecurity.levels import Level
from kubelint.podsecurity.standards import MAX_MINOR, Pod, evaluate

LEVELS = {"baseline": Level.BASELINE, "restricted": Level.RESTRICTED}
CASES = [(level, minor) for level in LEVELS for minor in range(MAX_MINOR + 1)]


def _pod(raw: dict, relax: bool = False) -> Pod:
    return Pod(raw.get("metadata") or {}, raw["spec"], relax)


def test_the_minimal_valid_pods_pass_their_level_at_every_version() -> None:
    for level, minor in CASES:
        pod = upstream.minimal_valid_pod(level, minor)
        assert evaluate(_pod(pod), LEVELS[level], minor) == [], (level, minor)


@pytest.mark.parametrize(("level", "minor"), CASES, ids=[f"{level}-v1.{minor}" for level, minor in CASES])
def test_upstream_fixtures(level: str, minor: int) -> None:
    generators = upstream.generators_at(level, minor)
    assert generators
    for generator in generators:
        base = upstream.minimal_valid_pod(level, minor)
        for index, pod in enumerate(generator.generate_pass(base)):
            violations = evaluate(_pod(pod), LEVELS[level], minor)
            assert violations == [], (generator.check, "pass", index, [v.text() for v in violations])
        base = upstream.minimal_valid_pod(level, minor)
        failing = generator.generate_fail(base)
        assert failing
        expect = generator.expect or generator.check
        for index, pod in enumerate(failing):
            texts = [violation.text() for violation in evaluate(_pod(pod), LEVELS[level], minor)]
            assert any(expect in text for text in texts), (generator.check, "fail", index, texts)


def test_the_fixture_matrix_covers_every_check_and_revision() -> None:
    from kubelint.podsecurity.standards import CHECKS

    registered = {(generator.check, generator.minor) for generator in upstream.GENERATORS}
    for check in CHECKS:
        if check.id == "procMount_restricted":
            continue  # procMount's fixtures serve it: the restricted half of the 1.35 split
        assert any(name == check.id for name, _ in registered), check.id


def _names(violations: list) -> list[str]:
    return [violation.check for violation in violations]


def spec_pod(spec: dict, annotations: dict | None = None, relax: bool = False) -> Pod:
    return Pod({"annotations": annotations or {}}, spec, relax)


CONTAINER = {"name": "app", "image": "app:1"}
NO_ESCALATION = {"allowPrivilegeEscalation": False}


def restricted_ok(**extra: object) -> dict:
    """A pod restricted admits at every version, with ``extra`` merged into container 0's securityContext."""
    context = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, **extra}
    return {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{**CONTAINER, "securityContext": context}]}


@pytest.mark.parametrize(("check", "spec", "level", "before", "at"), [
    # new checks start refusing at their first version
    ("allowPrivilegeEscalation", {"containers": [CONTAINER], "securityContext": {"runAsNonRoot": True}},
     Level.RESTRICTED, 7, 8),
    ("seccompProfile_restricted", {"containers": [{**CONTAINER, "securityContext": NO_ESCALATION}],
                                   "securityContext": {"runAsNonRoot": True}}, Level.RESTRICTED, 18, 19),
    ("capabilities_restricted", {"containers": [{**CONTAINER, "securityContext": NO_ESCALATION}],
                                 "securityContext": {"runAsNonRoot": True,
                                                     "seccompProfile": {"type": "RuntimeDefault"}}},
     Level.RESTRICTED, 21, 22),
    ("runAsUser", {**restricted_ok(runAsUser=0)}, Level.RESTRICTED, 22, 23),
    ("hostProbesAndHostLifecycle", {"containers": [{**CONTAINER, "livenessProbe": {"httpGet": {"host": "10.0.0.1",
                                                                                               "port": 80}}}]},
     Level.BASELINE, 33, 34),
    ("ulimits", {"containers": [{**CONTAINER, "securityContext": {"ulimits": []}}]}, Level.BASELINE, 36, 37),
])
def test_a_check_starts_at_its_version(check: str, spec: dict, level: Level, before: int, at: int) -> None:
    assert check not in _names(evaluate(spec_pod(spec), level, before))
    assert check in _names(evaluate(spec_pod(spec), level, at))


@pytest.mark.parametrize(("check", "spec", "level", "refused_at", "admitted_at"), [
    # revisions that relax: refused before, admitted from the revision
    ("sysctls", {"containers": [CONTAINER], "securityContext": {"sysctls": [
        {"name": "net.ipv4.ip_local_reserved_ports", "value": "1024-4999"}]}}, Level.BASELINE, 26, 27),
    ("sysctls", {"containers": [CONTAINER], "securityContext": {"sysctls": [
        {"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]}}, Level.BASELINE, 28, 29),
    ("sysctls", {"containers": [CONTAINER], "securityContext": {"sysctls": [
        {"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}]}}, Level.BASELINE, 31, 32),
    ("sysctls", {"containers": [CONTAINER], "securityContext": {"sysctls": [
        {"name": "net.ipv4.tcp_notsent_lowat", "value": "16384"}]}}, Level.BASELINE, 32, 33),
    ("seLinuxOptions", {"containers": [{**CONTAINER, "securityContext": {"seLinuxOptions": {
        "type": "container_engine_t"}}}]}, Level.BASELINE, 30, 31),
    # Windows pods: the Linux-only restricted checks stop applying at 1.25
    ("allowPrivilegeEscalation", {**restricted_ok(), "os": {"name": "windows"}, "containers": [CONTAINER]},
     Level.RESTRICTED, 24, 25),
    ("capabilities_restricted", {**restricted_ok(), "os": {"name": "windows"}, "containers": [
        {**CONTAINER, "securityContext": {"allowPrivilegeEscalation": False}}]}, Level.RESTRICTED, 24, 25),
])
def test_a_revision_relaxes_at_its_version(check: str, spec: dict, level: Level, refused_at: int,
                                           admitted_at: int) -> None:
    assert check in _names(evaluate(spec_pod(spec), level, refused_at))
    assert check not in _names(evaluate(spec_pod(spec), level, admitted_at))


def test_windows_seccomp_relaxes_at_1_25() -> None:
    spec = {"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True},
            "containers": [{**CONTAINER, "securityContext": {"allowPrivilegeEscalation": False,
                                                             "capabilities": {"drop": ["ALL"]}}}]}
    assert "seccompProfile_restricted" in _names(evaluate(spec_pod(spec), Level.RESTRICTED, 24))
    assert evaluate(spec_pod(spec), Level.RESTRICTED, 25) == []


def test_seccomp_baseline_reads_annotations_before_1_19_and_fields_after() -> None:
    annotations = {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}
    spec = {"containers": [CONTAINER]}
    assert _names(evaluate(spec_pod(spec, annotations), Level.BASELINE, 18)) == ["seccompProfile_baseline"]
    assert evaluate(spec_pod(spec, annotations), Level.BASELINE, 19) == []
    fields = {"containers": [CONTAINER], "securityContext": {"seccompProfile": {"type": "Unconfined"}}}
    assert evaluate(spec_pod(fields), Level.BASELINE, 18) == []
    assert _names(evaluate(spec_pod(fields), Level.BASELINE, 19)) == ["seccompProfile_baseline"]


def test_restricted_overrides_the_baseline_checks_it_restates() -> None:
    spec = {**restricted_ok(), "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}
    assert _names(evaluate(spec_pod(spec), Level.BASELINE, 30)) == ["hostPathVolumes"]
    assert _names(evaluate(spec_pod(spec), Level.RESTRICTED, 30)) == ["restrictedVolumes"]
    spec = restricted_ok(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]})
    assert _names(evaluate(spec_pod(spec), Level.RESTRICTED, 21)) == ["capabilities_baseline"]
    assert _names(evaluate(spec_pod(spec), Level.RESTRICTED, 22)) == ["capabilities_restricted"]


def test_user_namespaces_relax_only_with_the_feature_gate() -> None:
    spec = {"hostUsers": False, "containers": [{**CONTAINER, "securityContext": {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsUser": 0}}],
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}
    assert _names(evaluate(spec_pod(spec), Level.RESTRICTED, 30)) == ["runAsNonRoot", "runAsUser"]
    assert evaluate(spec_pod(spec, relax=True), Level.RESTRICTED, 30) == []
    without = {**spec, "hostUsers": True}
    assert _names(evaluate(spec_pod(without, relax=True), Level.RESTRICTED, 30)) == ["runAsNonRoot", "runAsUser"]


def test_proc_mount_relaxes_for_user_namespaces_in_baseline_from_1_35_but_never_in_restricted() -> None:
    spec = {"hostUsers": False, "containers": [{**CONTAINER, "securityContext": {"procMount": "Unmasked"}}]}
    assert _names(evaluate(spec_pod(spec, relax=True), Level.BASELINE, 34)) == ["procMount"]
    assert evaluate(spec_pod(spec, relax=True), Level.BASELINE, 35) == []
    assert _names(evaluate(spec_pod(spec), Level.BASELINE, 35)) == ["procMount"]
    restricted = {**restricted_ok(procMount="Unmasked"), "hostUsers": False}
    assert _names(evaluate(spec_pod(restricted, relax=True), Level.RESTRICTED, 34)) == ["procMount"]
    assert _names(evaluate(spec_pod(restricted, relax=True), Level.RESTRICTED, 35)) == ["procMount_restricted"]


def test_capabilities_baseline_relaxes_for_user_namespaces() -> None:
    spec = {"hostUsers": False, "containers": [{**CONTAINER, "securityContext": {
        "capabilities": {"add": ["SYS_ADMIN"]}}}]}
    assert _names(evaluate(spec_pod(spec), Level.BASELINE, 30)) == ["capabilities_baseline"]
    assert evaluate(spec_pod(spec, relax=True), Level.BASELINE, 30) == []


def test_versions_beyond_the_newest_check_evaluate_as_the_newest() -> None:
    spec = {"containers": [{**CONTAINER, "securityContext": {"ulimits": []}}]}
    assert _names(evaluate(spec_pod(spec), Level.BASELINE, MAX_MINOR + 5)) == ["ulimits"]
