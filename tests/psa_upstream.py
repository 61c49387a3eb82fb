"""Upstream's Pod Security conformance fixtures (``k8s.io/pod-security-admission/test/fixtures*.go``), ported.

Upstream builds, per level and policy version, a *minimal valid pod* (``fixtures.go``), and registers per check a
generator at the version the check (or a revision of it) starts: ``generatePass`` turns the minimal pod into pods
the level must admit, ``generateFail`` into pods it must refuse, with a substring the refusal must contain. A
generator registered at v1.N serves every later version until the next one; a baseline generator serves
restricted too (on restricted's minimal pod). ``tests/test_psa_conformance.py`` runs all of them at every level
and version from v1.0 to the newest, as upstream's ``fixtures_test.go`` / ``run.go`` do.

Generators read from upstream: allowPrivilegeEscalation's cases follow its check tests; runAsNonRoot, runAsUser,
seccompProfile_restricted, procMount, sysctls and hostProbesAndHostLifecycle are their fixture files as read (see
docs/pod-security.md for the commits); the others are written from the check sources with upstream's shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Pod = dict[str, Any]
Generator = Callable[[Pod], list[Pod]]

BASELINE, RESTRICTED = "baseline", "restricted"


def tweak(pod: Pod, change: Callable[[Pod], None]) -> Pod:
    """A deep copy of ``pod`` with ``change`` applied (upstream's ``tweak``)."""
    copied = copy.deepcopy(pod)
    change(copied)
    return copied


def spec(pod: Pod) -> dict[str, Any]:
    return pod.setdefault("spec", {})


def container(pod: Pod, init: bool = False) -> dict[str, Any]:
    return spec(pod)["initContainers" if init else "containers"][0]


def sc(pod: Pod, init: bool | None = None) -> dict[str, Any]:
    """The security context of the pod (None), of container 0 (False) or of init container 0 (True)."""
    if init is None:
        return spec(pod).setdefault("securityContext", {})
    return container(pod, init).setdefault("securityContext", {})


def ensure_security_context(pod: Pod) -> Pod:
    """upstream's ``ensureSecurityContext``: pod and container security contexts exist."""
    pod = copy.deepcopy(pod)
    sc(pod)
    sc(pod, False)
    sc(pod, True)
    return pod


def both(pod: Pod, key: str, value: Any) -> None:
    sc(pod, False)[key] = value
    sc(pod, True)[key] = value


# --- minimal valid pods (fixtures.go) ----------------------------------------------------------------------------

def _minimal() -> dict[tuple[str, int], Pod]:
    baseline_1_0: Pod = {"metadata": {}, "spec": {
        "initContainers": [{"name": "initcontainer1", "image": "k8s.gcr.io/pause"}],
        "containers": [{"name": "container1", "image": "k8s.gcr.io/pause"}]}}
    restricted_1_0 = tweak(baseline_1_0, lambda p: spec(p).__setitem__("securityContext", {"runAsNonRoot": True}))

    def escalation(p: Pod) -> None:
        container(p)["securityContext"] = {"allowPrivilegeEscalation": False}
        container(p, True)["securityContext"] = {"allowPrivilegeEscalation": False}

    restricted_1_8 = tweak(restricted_1_0, escalation)

    def seccomp(p: Pod) -> None:
        p["metadata"].pop("annotations", None)
        sc(p)["seccompProfile"] = {"type": "RuntimeDefault"}

    restricted_1_19 = tweak(restricted_1_8, seccomp)
    restricted_1_22 = tweak(restricted_1_19, lambda p: both(p, "capabilities", {"drop": ["ALL"]}))
    return {(BASELINE, 0): baseline_1_0, (RESTRICTED, 0): restricted_1_0, (RESTRICTED, 8): restricted_1_8,
            (RESTRICTED, 19): restricted_1_19, (RESTRICTED, 22): restricted_1_22}


MINIMAL = _minimal()


def minimal_valid_pod(level: str, minor: int) -> Pod:
    """The minimal valid pod of ``level`` at the newest version at or below ``minor``."""
    for version in range(minor, -1, -1):
        if (level, version) in MINIMAL:
            return copy.deepcopy(MINIMAL[(level, version)])
    raise KeyError((level, minor))


@dataclass(frozen=True)
class FixtureGenerator:
    level: str
    minor: int
    check: str
    generate_pass: Generator
    generate_fail: Generator
    expect: str = ""
    """A substring of the refusal; the check id when empty."""
    relax_user_namespaces: bool = False


GENERATORS: list[FixtureGenerator] = []


Make = Callable[[], tuple[Generator, Generator]]


def register(level: str, minor: int, check: str, expect: str = "") -> Callable[[Make], None]:
    def add(make: Make) -> None:
        generate_pass, generate_fail = make()
        GENERATORS.append(FixtureGenerator(level, minor, check, generate_pass, generate_fail, expect))

    return add


# --- baseline ----------------------------------------------------------------------------------------------------

@register(BASELINE, 0, "privileged")
def _privileged() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [p, tweak(p, lambda q: both(q, "privileged", False))]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q, False).__setitem__("privileged", True)),
                tweak(p, lambda q: sc(q, True).__setitem__("privileged", True))]

    return passing, failing


@register(BASELINE, 0, "hostNamespaces", "host namespaces")
def _host_namespaces() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        return [p, tweak(p, lambda q: spec(q).update(hostNetwork=False, hostPID=False, hostIPC=False))]

    def failing(p: Pod) -> list[Pod]:
        return [tweak(p, lambda q, key=key: spec(q).__setitem__(key, True))
                for key in ("hostIPC", "hostNetwork", "hostPID")]

    return passing, failing


@register(BASELINE, 0, "hostPathVolumes", "hostPath")
def _host_path_volumes() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        return [p]

    def failing(p: Pod) -> list[Pod]:
        return [tweak(p, lambda q: spec(q).__setitem__("volumes", [{"name": "volume-hostpath",
                                                                   "hostPath": {"path": "/a"}}])),
                tweak(p, lambda q: spec(q).__setitem__("volumes", [
                    {"name": "volume-emptydir", "emptyDir": {}},
                    {"name": "volume-hostpath-a", "hostPath": {"path": "/a"}},
                    {"name": "volume-hostpath-b", "hostPath": {"path": "/b"}}]))]

    return passing, failing


@register(BASELINE, 0, "hostPorts", "hostPort")
def _host_ports() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        return [p, tweak(p, lambda q: container(q).__setitem__("ports", [{"containerPort": 12345}])),
                tweak(p, lambda q: container(q).__setitem__("ports", [{"containerPort": 12345, "hostPort": 0}]))]

    def failing(p: Pod) -> list[Pod]:
        return [tweak(p, lambda q: container(q).__setitem__("ports", [{"containerPort": 12345, "hostPort": 12345}])),
                tweak(p, lambda q: container(q, True).__setitem__("ports", [{"containerPort": 12346,
                                                                             "hostPort": 12346}]))]

    return passing, failing


@register(BASELINE, 0, "capabilities_baseline", "capabilities")
def _capabilities_baseline() -> tuple[Generator, Generator]:
    allowed = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
               "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]

    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        if "capabilities" in sc(p, False):  # restricted: the minimal pod drops ALL; baseline's adds are not allowed
            return [p]
        return [p, tweak(p, lambda q: both(q, "capabilities", {"add": list(allowed)}))]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def add(init: bool, capability: str) -> Pod:
            def change(q: Pod) -> None:
                capabilities = sc(q, init).setdefault("capabilities", {})
                capabilities["add"] = [capability]

            return tweak(p, change)

        return [add(False, "NET_RAW"), add(True, "NET_RAW"), add(False, "SYS_ADMIN"), add(False, "CAP_CHOWN"),
                add(False, "chown")]

    return passing, failing


@register(BASELINE, 0, "appArmorProfile", "AppArmor")
def _app_armor() -> tuple[Generator, Generator]:
    prefix = "container.apparmor.security.beta.kubernetes.io/"

    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [
            p,
            tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "container1": "runtime/default",
                                                                         prefix + "initcontainer1": "localhost/x"})),
            tweak(p, lambda q: sc(q).__setitem__("appArmorProfile", {"type": "RuntimeDefault"})),
            tweak(p, lambda q: sc(q, False).__setitem__("appArmorProfile", {"type": "Localhost",
                                                                            "localhostProfile": "x"})),
        ]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [
            tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "container1": "unconfined"})),
            tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "initcontainer1": "unknown"})),
            tweak(p, lambda q: sc(q).__setitem__("appArmorProfile", {"type": "Unconfined"})),
            tweak(p, lambda q: sc(q, True).__setitem__("appArmorProfile", {"type": "Unconfined"})),
        ]

    return passing, failing


def _selinux(types: list[str]) -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        pods = [p, tweak(p, lambda q: sc(q).__setitem__("seLinuxOptions", {"level": "somevalue"}))]
        for kind in types:
            pods.append(tweak(p, lambda q, kind=kind: sc(q, False).__setitem__("seLinuxOptions", {"type": kind})))
            pods.append(tweak(p, lambda q, kind=kind: sc(q).__setitem__("seLinuxOptions", {"type": kind})))
        return pods

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [
            tweak(p, lambda q: sc(q).__setitem__("seLinuxOptions", {"type": "somevalue"})),
            tweak(p, lambda q: sc(q, False).__setitem__("seLinuxOptions", {"type": "somevalue"})),
            tweak(p, lambda q: sc(q, True).__setitem__("seLinuxOptions", {"type": "somevalue"})),
            tweak(p, lambda q: sc(q).__setitem__("seLinuxOptions", {"user": "somevalue"})),
            tweak(p, lambda q: sc(q, False).__setitem__("seLinuxOptions", {"role": "somevalue"})),
        ]

    return passing, failing


register(BASELINE, 0, "seLinuxOptions")(
    lambda: _selinux(["", "container_t", "container_init_t", "container_kvm_t"]))
register(BASELINE, 31, "seLinuxOptions")(
    lambda: _selinux(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]))


@register(BASELINE, 0, "seccompProfile_baseline", "seccompProfile")
def _seccomp_baseline_1_0() -> tuple[Generator, Generator]:
    pod_key, prefix = "seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/"

    def passing(p: Pod) -> list[Pod]:
        return [p, tweak(p, lambda q: q["metadata"].__setitem__("annotations", {pod_key: "runtime/default"})),
                tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "container1": "localhost/x"}))]

    def failing(p: Pod) -> list[Pod]:
        return [tweak(p, lambda q: q["metadata"].__setitem__("annotations", {pod_key: "unconfined"})),
                tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "container1": "unconfined"})),
                tweak(p, lambda q: q["metadata"].__setitem__("annotations", {prefix + "initcontainer1": "unconfined"}))]

    return passing, failing


@register(BASELINE, 19, "seccompProfile_baseline", "seccompProfile")
def _seccomp_baseline_1_19() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [p, tweak(p, lambda q: sc(q).__setitem__("seccompProfile", {"type": "RuntimeDefault"})),
                tweak(p, lambda q: sc(q, False).__setitem__("seccompProfile", {"type": "Localhost",
                                                                               "localhostProfile": "x"}))]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q).__setitem__("seccompProfile", {"type": "Unconfined"})),
                tweak(p, lambda q: sc(q, False).__setitem__("seccompProfile", {"type": "Unconfined"})),
                tweak(p, lambda q: sc(q, True).__setitem__("seccompProfile", {"type": "Unconfined"}))]

    return passing, failing


def _sysctls(allowed: list[str]) -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q).pop("sysctls", None)),
                tweak(p, lambda q: sc(q).__setitem__("sysctls", [{"name": name, "value": "0"} for name in allowed]))]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q).__setitem__("sysctls", [{"name": "othersysctl", "value": "other"}]))]

    return passing, failing


_SYSCTLS_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]
_SYSCTLS_1_27 = [*_SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"]
_SYSCTLS_1_29 = [*_SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                 "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]
register(BASELINE, 0, "sysctls", "forbidden sysctl")(lambda: _sysctls(_SYSCTLS_1_0))
register(BASELINE, 27, "sysctls", "forbidden sysctl")(lambda: _sysctls(_SYSCTLS_1_27))
register(BASELINE, 29, "sysctls", "forbidden sysctl")(lambda: _sysctls(_SYSCTLS_1_29))
register(BASELINE, 33, "sysctls", "forbidden sysctl")(lambda: _sysctls(
    [*_SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.ipv4.tcp_slow_start_after_idle",
     "net.ipv4.tcp_notsent_lowat"]))


@register(BASELINE, 0, "windowsHostProcess", "hostProcess")
def _windows_host_process() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [p, tweak(p, lambda q: sc(q).__setitem__("windowsOptions", {"hostProcess": False}))]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def host_process(init: bool | None) -> Pod:
            def change(q: Pod) -> None:
                spec(q)["hostNetwork"] = False
                sc(q, init)["windowsOptions"] = {"hostProcess": True}

            return tweak(p, change)

        return [host_process(None), host_process(False), host_process(True)]

    return passing, failing


@register(BASELINE, 0, "procMount")
def _proc_mount() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def change(q: Pod) -> None:
            both(q, "procMount", "Default")
            spec(q)["hostUsers"] = False

        return [tweak(p, change)]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def unmasked(init: bool) -> Pod:
            def change(q: Pod) -> None:
                sc(q, init)["procMount"] = "Unmasked"
                spec(q)["hostUsers"] = False

            return tweak(p, change)

        return [unmasked(False), unmasked(True)]

    return passing, failing


@register(BASELINE, 34, "hostProbesAndHostLifecycle", "probe or lifecycle host")
def _host_probes() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        return [p, tweak(p, lambda q: container(q).__setitem__("livenessProbe", {"httpGet": {"port": 8080}})),
                tweak(p, lambda q: container(q).__setitem__("readinessProbe", {"tcpSocket": {"port": 8080}}))]

    def failing(p: Pod) -> list[Pod]:
        def sidecar(q: Pod) -> None:
            container(q, True)["restartPolicy"] = "Always"
            container(q, True)["readinessProbe"] = {"tcpSocket": {"host": "8.8.8.8", "port": 8080}}

        return [
            tweak(p, lambda q: container(q).__setitem__("livenessProbe", {"httpGet": {"host": "bad.host",
                                                                                      "port": 8080}})),
            tweak(p, sidecar),
            tweak(p, lambda q: container(q).__setitem__("lifecycle", {"postStart": {"httpGet": {"host": "bad.host",
                                                                                                "port": 8080}}})),
            tweak(p, lambda q: container(q).__setitem__("livenessProbe", {"httpGet": {"host": "127.0.0.1",
                                                                                      "port": 8080}})),
            tweak(p, lambda q: container(q).__setitem__("readinessProbe", {"tcpSocket": {"host": "::1",
                                                                                          "port": 8080}})),
        ]

    return passing, failing


@register(BASELINE, 37, "ulimits")
def _ulimits() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        return [p]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q, False).__setitem__("ulimits", [{"name": "nofile", "soft": 1, "hard": 2}])),
                tweak(p, lambda q: sc(q, True).__setitem__("ulimits", []))]

    return passing, failing


# --- restricted --------------------------------------------------------------------------------------------------

def _escalation(windows_passes: bool) -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        pods = [tweak(p, lambda q: both(q, "allowPrivilegeEscalation", False))]
        if windows_passes:
            def windows(q: Pod) -> None:
                spec(q)["os"] = {"name": "windows"}
                sc(q, False).pop("allowPrivilegeEscalation", None)

            pods.append(tweak(p, windows))
        return pods

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q, False).pop("allowPrivilegeEscalation", None)),
                tweak(p, lambda q: sc(q, False).__setitem__("allowPrivilegeEscalation", True)),
                tweak(p, lambda q: sc(q, True).pop("allowPrivilegeEscalation", None)),
                tweak(p, lambda q: sc(q, True).__setitem__("allowPrivilegeEscalation", True)),
                tweak(p, lambda q: spec(q).__setitem__("os", {"name": "linux"}) or sc(q, False).pop(
                    "allowPrivilegeEscalation", None))]

    return passing, failing


register(RESTRICTED, 8, "allowPrivilegeEscalation")(lambda: _escalation(False))
register(RESTRICTED, 25, "allowPrivilegeEscalation")(lambda: _escalation(True))


def _capabilities_restricted(windows_passes: bool) -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        pods = [tweak(p, lambda q: both(q, "capabilities", {"drop": ["ALL"]})),
                tweak(p, lambda q: both(q, "capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))]
        if windows_passes:
            def windows(q: Pod) -> None:
                spec(q)["os"] = {"name": "windows"}
                sc(q, False).pop("capabilities", None)
                sc(q, True).pop("capabilities", None)

            pods.append(tweak(p, windows))
        return pods

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [
            tweak(p, lambda q: sc(q, False).pop("capabilities", None)),
            tweak(p, lambda q: sc(q, True).__setitem__("capabilities", {})),
            tweak(p, lambda q: sc(q, False).__setitem__("capabilities", {"drop": ["NET_RAW"]})),
            tweak(p, lambda q: sc(q, False).__setitem__("capabilities", {"drop": ["ALL"], "add": ["CHOWN"]})),
            tweak(p, lambda q: sc(q, True).__setitem__("capabilities", {"drop": ["ALL"], "add": ["ALL"]})),
        ]

    return passing, failing


register(RESTRICTED, 22, "capabilities_restricted", "unrestricted capabilities")(
    lambda: _capabilities_restricted(False))
register(RESTRICTED, 25, "capabilities_restricted", "unrestricted capabilities")(
    lambda: _capabilities_restricted(True))


@register(RESTRICTED, 0, "restrictedVolumes", "restricted volume types")
def _restricted_volumes() -> tuple[Generator, Generator]:
    allowed = {"configMap": {"name": "x"}, "csi": {"driver": "x"}, "downwardAPI": {}, "emptyDir": {},
               "ephemeral": {"volumeClaimTemplate": {"spec": {}}}, "persistentVolumeClaim": {"claimName": "x"},
               "projected": {"sources": []}, "secret": {"secretName": "x"}, "image": {"reference": "x"}}
    refused = ["hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
               "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
               "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk"]

    def passing(p: Pod) -> list[Pod]:
        return [p, tweak(p, lambda q: spec(q).__setitem__("volumes", [
            {"name": f"volume{index}", key: value} for index, (key, value) in enumerate(allowed.items())]))]

    def failing(p: Pod) -> list[Pod]:
        pods = [tweak(p, lambda q, key=key: spec(q).__setitem__("volumes", [{"name": "volume1", key: {}}]))
                for key in refused]
        pods.append(tweak(p, lambda q: spec(q).__setitem__("volumes", [{"name": "volume1"}])))  # unknown type
        return pods

    return passing, failing


@register(RESTRICTED, 0, "runAsNonRoot")
def _run_as_non_root() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def pod_level(q: Pod) -> None:
            sc(q)["runAsNonRoot"] = True
            sc(q, False).pop("runAsNonRoot", None)
            sc(q, True).pop("runAsNonRoot", None)

        def containers(q: Pod) -> None:
            sc(q).pop("runAsNonRoot", None)
            both(q, "runAsNonRoot", True)

        return [tweak(p, pod_level), tweak(p, containers)]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def unset(q: Pod) -> None:
            sc(q).pop("runAsNonRoot", None)
            sc(q, False).pop("runAsNonRoot", None)
            sc(q, True).pop("runAsNonRoot", None)

        return [tweak(p, unset), tweak(p, lambda q: sc(q).__setitem__("runAsNonRoot", False)),
                tweak(p, lambda q: sc(q, False).__setitem__("runAsNonRoot", False)),
                tweak(p, lambda q: sc(q, True).__setitem__("runAsNonRoot", False))]

    return passing, failing


@register(RESTRICTED, 23, "runAsUser")
def _run_as_user() -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def thousand(q: Pod) -> None:
            sc(q)["runAsUser"] = 1000
            both(q, "runAsUser", 1000)

        return [tweak(p, thousand)]

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)
        return [tweak(p, lambda q: sc(q).__setitem__("runAsUser", 0)),
                tweak(p, lambda q: sc(q, False).__setitem__("runAsUser", 0)),
                tweak(p, lambda q: sc(q, True).__setitem__("runAsUser", 0))]

    return passing, failing


def _seccomp_restricted(windows_passes: bool) -> tuple[Generator, Generator]:
    def passing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def containers(q: Pod) -> None:
            sc(q).pop("seccompProfile", None)
            sc(q, False)["seccompProfile"] = {"type": "RuntimeDefault"}
            sc(q, True)["seccompProfile"] = {"type": "Localhost", "localhostProfile": "testing"}

        pods = [tweak(p, lambda q: sc(q).__setitem__("seccompProfile", {"type": "RuntimeDefault"})),
                tweak(p, lambda q: sc(q).__setitem__("seccompProfile", {"type": "Localhost",
                                                                        "localhostProfile": "testing"})),
                tweak(p, containers)]
        if windows_passes:
            def windows(q: Pod) -> None:
                spec(q)["os"] = {"name": "windows"}
                sc(q).pop("seccompProfile", None)

            pods.append(tweak(p, windows))
        return pods

    def failing(p: Pod) -> list[Pod]:
        p = ensure_security_context(p)

        def unset_init(q: Pod) -> None:
            sc(q).pop("seccompProfile", None)
            sc(q, False)["seccompProfile"] = {"type": "RuntimeDefault"}

        def unset_container(q: Pod) -> None:
            sc(q).pop("seccompProfile", None)
            sc(q, True)["seccompProfile"] = {"type": "RuntimeDefault"}

        def unconfined_init(q: Pod) -> None:
            sc(q).pop("seccompProfile", None)
            sc(q, False)["seccompProfile"] = {"type": "RuntimeDefault"}
            sc(q, True)["seccompProfile"] = {"type": "Unconfined"}

        return [tweak(p, lambda q: sc(q).pop("seccompProfile", None)),
                tweak(p, lambda q: sc(q).__setitem__("seccompProfile", {"type": "Unconfined"})),
                tweak(p, unset_init), tweak(p, unset_container), tweak(p, unconfined_init)]

    return passing, failing


register(RESTRICTED, 19, "seccompProfile_restricted", "seccompProfile")(lambda: _seccomp_restricted(False))
register(RESTRICTED, 25, "seccompProfile_restricted", "seccompProfile")(lambda: _seccomp_restricted(True))


def generators_at(level: str, minor: int) -> list[FixtureGenerator]:
    """The generator of every check at ``level`` for version ``minor``: the newest registered at or below it (a
    baseline generator serves restricted too)."""
    newest: dict[str, FixtureGenerator] = {}
    for generator in GENERATORS:
        if generator.minor > minor:
            continue
        if generator.level != level and not (generator.level == BASELINE and level == RESTRICTED):
            continue
        current = newest.get(generator.check)
        if current is None or generator.minor > current.minor:
            newest[generator.check] = generator
    return list(newest.values())
