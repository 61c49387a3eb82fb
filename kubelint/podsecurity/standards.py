"""The Pod Security Standards checks, ported from ``k8s.io/pod-security-admission/policy`` (``check_*.go``).

Each check has a level (baseline checks run for baseline and restricted, restricted checks for restricted only)
and one or more versions: the variant with the highest minimum version not above the evaluated policy version
applies. A restricted variant may *override* baseline checks (it says the same thing more strictly), which are
then left out at restricted. Results keep upstream's reasons and details word for word, plus the nodes that
are wrong (paths from the pod: ``("spec", "containers", 0, "securityContext", "privileged")``), so that a
finding points at its line.

Values of the wrong type count as unset: the API server would not decode such an object at all, and
``schema-invalid`` says so. Checks run against the raw manifest before the API server's defaulting, as the
admission plugin sees the object (Pod Security does not depend on defaulted fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache, cached_property
from typing import Any

from kubelint.podsecurity.levels import Level
from kubelint.podsecurity.text import go_quote, join_quote, pluralize
from kubelint.records import record

Path = tuple["str | int", ...]


@record(frozen=True)
class Violation:
    """A check that refused the pod: upstream's reason and detail, and the offending nodes."""

    check: str
    reason: str
    detail: str
    paths: tuple[Path, ...] = ()

    def text(self) -> str:
        """``reason (detail)``, as one item of the API server's message."""
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@record(frozen=True)
class Result:
    """What a check function returns when the pod fails it (the registry adds the check id)."""

    reason: str
    detail: str
    paths: tuple[Path, ...]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _present(mapping: Mapping[str, Any], key: str) -> bool:
    """A pointer field that is set (Go: non-nil): present and not null."""
    return mapping.get(key) is not None


@record(frozen=True)
class Container:
    name: str
    raw: Mapping[str, Any]
    path: Path

    @property
    def security_context(self) -> Mapping[str, Any]:
        return _mapping(self.raw.get("securityContext"))

    def at(self, *parts: str | int) -> Path:
        return (*self.path, *parts)


@record(frozen=True)
class Pod:
    """The pod the admission plugin evaluates: its metadata and spec, as mappings."""

    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]
    relax_user_namespaces: bool = False
    """The API server runs with the ``UserNamespacesPodSecurityStandards`` feature gate (upstream's
    ``RelaxPolicyForUserNamespacePods``): pods with ``hostUsers: false`` are exempt from some checks."""

    @property
    def annotations(self) -> Mapping[str, Any]:
        return _mapping(self.metadata.get("annotations"))

    @property
    def security_context(self) -> Mapping[str, Any]:
        return _mapping(self.spec.get("securityContext"))

    def containers(self) -> Iterator[Container]:
        """Init containers, containers, then ephemeral containers (upstream's ``visitContainers``)."""
        return iter(self._containers)

    @cached_property
    def _containers(self) -> tuple[Container, ...]:
        """The containers, made once per pod (every check of a level visits them: about 30 per pod)."""
        return tuple(Container(_text(raw.get("name")), raw, ("spec", field_name, index))
                     for field_name in ("initContainers", "containers", "ephemeralContainers")
                     for index, raw in enumerate(map(_mapping, _list(self.spec.get(field_name)))))

    @property
    def windows(self) -> bool:
        return _mapping(self.spec.get("os")).get("name") == "windows"

    @property
    def relaxed(self) -> bool:
        """Upstream's ``relaxPolicyForUserNamespacePod``: the gate is on and the pod sets ``hostUsers: false``."""
        return self.relax_user_namespaces and self.spec.get("hostUsers") is False


def _containers_phrase(names: list[str]) -> str:
    return f"{pluralize('container', 'containers', len(names))} {join_quote(names)}"


# --- baseline -------------------------------------------------------------------------------------------------

def privileged_1_0(pod: Pod) -> Result | None:
    bad, paths = [], []
    for container in pod.containers():
        if container.security_context.get("privileged") is True:
            bad.append(container.name)
            paths.append(container.at("securityContext", "privileged"))
    if not bad:
        return None
    return Result("privileged", f"{_containers_phrase(bad)} must not set securityContext.privileged=true",
                  tuple(paths))


def host_namespaces_1_0(pod: Pod) -> Result | None:
    found = [(name, ("spec", name)) for name in ("hostNetwork", "hostPID", "hostIPC") if pod.spec.get(name) is True]
    if not found:
        return None
    return Result("host namespaces", ", ".join(f"{name}=true" for name, _ in found), tuple(path for _, path in found))


def host_path_volumes_1_0(pod: Pod) -> Result | None:
    names, paths = [], []
    for index, volume in enumerate(_list(pod.spec.get("volumes"))):
        volume = _mapping(volume)
        if _present(volume, "hostPath"):
            names.append(_text(volume.get("name")))
            paths.append(("spec", "volumes", index, "hostPath"))
    if not names:
        return None
    return Result("hostPath volumes", f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}",
                  tuple(paths))


def host_ports_1_0(pod: Pod) -> Result | None:
    bad: list[str] = []
    ports: set[str] = set()
    paths = []
    for container in pod.containers():
        valid = True
        for index, port in enumerate(_list(container.raw.get("ports"))):
            host_port = _int(_mapping(port).get("hostPort"))
            if host_port:
                valid = False
                ports.add(str(host_port))
                paths.append(container.at("ports", index, "hostPort"))
        if not valid:
            bad.append(container.name)
    if not bad:
        return None
    detail = (f"{_containers_phrase(bad)} {pluralize('uses', 'use', len(bad))} "
              f"{pluralize('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}")
    return Result("hostPort", detail, tuple(paths))


BASELINE_CAPABILITIES: frozenset[str] = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
"""The capabilities baseline lets a container add (the container runtimes' default set), compared exactly."""


def capabilities_baseline_1_0(pod: Pod) -> Result | None:
    bad: list[str] = []
    added: set[str] = set()
    paths = []
    for container in pod.containers():
        if pod.relaxed:  # a user-namespaced pod can gain every capability inside its namespace anyway
            continue
        valid = True
        for index, capability in enumerate(_list(_mapping(container.security_context.get("capabilities")).get("add"))):
            capability = _text(capability)
            if capability not in BASELINE_CAPABILITIES:
                valid = False
                added.add(capability)
                paths.append(container.at("securityContext", "capabilities", "add", index))
        if not valid:
            bad.append(container.name)
    if not bad:
        return None
    return Result("non-default capabilities",
                  f"{_containers_phrase(bad)} must not include {join_quote(sorted(added))} in "
                  "securityContext.capabilities.add", tuple(paths))


APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def _apparmor_annotation_allowed(value: str) -> bool:
    return not value or value == "runtime/default" or value.startswith("localhost/")


def app_armor_profile_1_0(pod: Pod) -> Result | None:
    setters: list[str] = []
    values: set[str] = set()
    paths: list[Path] = []
    pod_profile = _mapping(pod.security_context.get("appArmorProfile"))
    if _present(pod.security_context, "appArmorProfile"):
        kind = _text(pod_profile.get("type"))
        if kind not in ("RuntimeDefault", "Localhost"):
            setters.append("pod")
            values.add(kind)
            paths.append(("spec", "securityContext", "appArmorProfile", "type"))
    bad: list[str] = []
    for container in pod.containers():
        if _present(container.security_context, "appArmorProfile"):
            kind = _text(_mapping(container.security_context.get("appArmorProfile")).get("type"))
            if kind not in ("RuntimeDefault", "Localhost"):
                bad.append(container.name)
                values.add(kind)
                paths.append(container.at("securityContext", "appArmorProfile", "type"))
    if bad:
        setters.append(_containers_phrase(bad))
    forbidden = []
    for key, value in pod.annotations.items():
        if isinstance(key, str) and key.startswith(APPARMOR_ANNOTATION_PREFIX):
            value = _text(value)
            if not _apparmor_annotation_allowed(value):
                forbidden.append((f"{key}={go_quote(value)}", key))
    value_list = sorted(values)
    if forbidden:
        forbidden.sort()
        value_list += [text for text, _ in forbidden]
        setters.append(pluralize("annotation", "annotations", len(forbidden)))
        paths += [("metadata", "annotations", key) for _, key in forbidden]
    if not setters:
        return None
    return Result(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(value_list)),
                  f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(value_list)}",
                  tuple(paths))


SELINUX_TYPES_1_0: frozenset[str] = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
SELINUX_TYPES_1_31: frozenset[str] = SELINUX_TYPES_1_0 | {"container_engine_t"}


def _se_linux_options(pod: Pod, allowed: frozenset[str]) -> Result | None:
    setters: list[str] = []
    types: set[str] = set()
    flags = {"user": False, "role": False}
    paths: list[Path] = []

    def valid(options: Mapping[str, Any]) -> bool:
        ok = True
        kind = _text(options.get("type"))
        if kind not in allowed:
            ok = False
            types.add(kind)
        for key in ("user", "role"):
            if _text(options.get(key)):
                ok = False
                flags[key] = True
        return ok

    if _present(pod.security_context, "seLinuxOptions") and not valid(
            _mapping(pod.security_context.get("seLinuxOptions"))):
        setters.append("pod")
        paths.append(("spec", "securityContext", "seLinuxOptions"))
    bad = []
    for container in pod.containers():
        if _present(container.security_context, "seLinuxOptions") and not valid(
                _mapping(container.security_context.get("seLinuxOptions"))):
            bad.append(container.name)
            paths.append(container.at("securityContext", "seLinuxOptions"))
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    data = []
    if types:
        data.append(f"{pluralize('type', 'types', len(types))} {join_quote(sorted(types))}")
    if flags["user"]:
        data.append("user may not be set")
    if flags["role"]:
        data.append("role may not be set")
    return Result("seLinuxOptions",
                  f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}",
                  tuple(paths))


def se_linux_options_1_0(pod: Pod) -> Result | None:
    return _se_linux_options(pod, SELINUX_TYPES_1_0)


def se_linux_options_1_31(pod: Pod) -> Result | None:
    return _se_linux_options(pod, SELINUX_TYPES_1_31)


SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def seccomp_profile_baseline_1_0(pod: Pod) -> Result | None:
    forbidden: dict[str, Path] = {}
    annotations = pod.annotations
    if annotations.get(SECCOMP_POD_ANNOTATION) == "unconfined":
        forbidden[f"{SECCOMP_POD_ANNOTATION}={go_quote('unconfined')}"] = (
            "metadata", "annotations", SECCOMP_POD_ANNOTATION)
    for container in pod.containers():
        key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.name
        if annotations.get(key) == "unconfined":
            forbidden[f"{key}={go_quote('unconfined')}"] = ("metadata", "annotations", key)
    if not forbidden:
        return None
    names = sorted(forbidden)
    return Result("seccompProfile",
                  f"forbidden {pluralize('annotation', 'annotations', len(names))} {', '.join(names)}",
                  tuple(forbidden[name] for name in names))


def _seccomp_fields(pod: Pod, valid: Callable[[str], bool], require: bool) -> Result | None:
    """The seccompProfile field checks: explicitly bad values (both levels), and with ``require`` (restricted)
    containers that neither set a valid profile nor inherit one from the pod."""
    setters: list[str] = []
    values: set[str] = set()
    paths: list[Path] = []
    pod_set = False
    if _present(pod.security_context, "seccompProfile"):
        kind = _text(_mapping(pod.security_context.get("seccompProfile")).get("type"))
        if not valid(kind):
            setters.append("pod")
            values.add(kind)
            paths.append(("spec", "securityContext", "seccompProfile", "type"))
        else:
            pod_set = True
    explicit, implicit, implicit_paths = [], [], []
    for container in pod.containers():
        if _present(container.security_context, "seccompProfile"):
            kind = _text(_mapping(container.security_context.get("seccompProfile")).get("type"))
            if not valid(kind):
                explicit.append(container.name)
                values.add(kind)
                paths.append(container.at("securityContext", "seccompProfile", "type"))
        elif require and not pod_set:
            implicit.append(container.name)
            implicit_paths.append(container.path)
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return Result("seccompProfile", f"{' and '.join(setters)} must not set securityContext.seccompProfile.type "
                      f"to {join_quote(sorted(values))}", tuple(paths))
    if implicit:
        return Result("seccompProfile", f"pod or {_containers_phrase(implicit)} must set "
                      'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"', tuple(implicit_paths))
    return None


def seccomp_profile_baseline_1_19(pod: Pod) -> Result | None:
    return _seccomp_fields(pod, lambda kind: kind != "Unconfined", require=False)


SYSCTLS_1_0: frozenset[str] = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
})
SYSCTLS_1_27 = SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SYSCTLS_1_29 = SYSCTLS_1_27 | {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                               "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
SYSCTLS_1_32 = SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SYSCTLS_1_33 = SYSCTLS_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}
"""The safe sysctls by version. 1.0, 1.27 and 1.29 are upstream's fixture generators as read; the 1.32 pair and
the newest pair (upstream's generated v1.37 fixtures allow it) are placed at the earliest version they can
belong to, so that a pinned older label may miss a refusal but never claims a false one (see docs)."""


def _sysctls(pod: Pod, allowed: frozenset[str]) -> Result | None:
    names, paths = [], []
    for index, sysctl in enumerate(_list(pod.security_context.get("sysctls"))):
        name = _text(_mapping(sysctl).get("name"))
        if name not in allowed:
            names.append(name)
            paths.append(("spec", "securityContext", "sysctls", index, "name"))
    if not names:
        return None
    return Result("forbidden sysctls", ", ".join(names), tuple(paths))


def sysctls_version(allowed: frozenset[str]) -> Callable[[Pod], Result | None]:
    def check(pod: Pod) -> Result | None:
        return _sysctls(pod, allowed)

    return check


def windows_host_process_1_0(pod: Pod) -> Result | None:
    def host_process(context: Mapping[str, Any]) -> bool:
        return _mapping(context.get("windowsOptions")).get("hostProcess") is True

    bad, paths = [], []
    for container in pod.containers():
        if host_process(container.security_context):
            bad.append(container.name)
            paths.append(container.at("securityContext", "windowsOptions", "hostProcess"))
    setters = []
    if host_process(pod.security_context):
        setters.append("pod")
        paths.insert(0, ("spec", "securityContext", "windowsOptions", "hostProcess"))
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return Result("hostProcess",
                  f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
                  tuple(paths))


def proc_mount_1_0(pod: Pod) -> Result | None:
    bad, paths = [], []
    kinds: set[str] = set()
    for container in pod.containers():
        value = container.security_context.get("procMount")
        if value is None:
            continue
        value = _text(value)
        if value != "Default":
            bad.append(container.name)
            kinds.add(value)
            paths.append(container.at("securityContext", "procMount"))
    if not bad:
        return None
    return Result("procMount", f"{_containers_phrase(bad)} must not set securityContext.procMount to "
                  f"{join_quote(sorted(kinds))}", tuple(paths))


def proc_mount_1_35_baseline(pod: Pod) -> Result | None:
    return None if pod.relaxed else proc_mount_1_0(pod)


def ulimits_1_37(pod: Pod) -> Result | None:
    bad, paths = [], []
    for container in pod.containers():
        if _present(container.security_context, "ulimits"):
            bad.append(container.name)
            paths.append(container.at("securityContext", "ulimits"))
    if not bad:
        return None
    return Result("ulimits", f"{_containers_phrase(bad)} must not set securityContext.ulimits", tuple(paths))


_LIVENESS, _READINESS, _STARTUP = ("livenessProbe",), ("readinessProbe",), ("startupProbe",)
_POST_START, _PRE_STOP = ("lifecycle", "postStart"), ("lifecycle", "preStop")
"""Where a container's probes and lifecycle handlers are (below the container)."""


def host_probes_and_host_lifecycle_1_34(pod: Pod) -> Result | None:
    bad: set[str] = set()
    hosts: set[str] = set()
    paths: list[Path] = []
    for container in pod.containers():
        raw = container.raw
        lifecycle = _mapping(raw.get("lifecycle"))
        for where, handler in ((_LIVENESS, raw.get("livenessProbe")), (_READINESS, raw.get("readinessProbe")),
                               (_STARTUP, raw.get("startupProbe")), (_POST_START, lifecycle.get("postStart")),
                               (_PRE_STOP, lifecycle.get("preStop"))):
            if not isinstance(handler, dict):  # absent (most hooks) or not a handler: no host
                continue
            for action in ("httpGet", "tcpSocket"):
                host = _text(_mapping(handler.get(action)).get("host"))
                if host:
                    bad.add(container.name)
                    hosts.add(host)
                    paths.append(container.at(*where, action, "host"))
    if not bad:
        return None
    detail = (f"{_containers_phrase(sorted(bad))} {pluralize('uses', 'use', len(bad))} "
              f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} "
              f"{join_quote(sorted(hosts))}")
    return Result("probe or lifecycle host", detail, tuple(paths))


# --- restricted -----------------------------------------------------------------------------------------------

def allow_privilege_escalation_1_8(pod: Pod) -> Result | None:
    bad, paths = [], []
    for container in pod.containers():
        if container.security_context.get("allowPrivilegeEscalation") is not False:
            bad.append(container.name)
            context = container.raw.get("securityContext")
            paths.append(container.at("securityContext", "allowPrivilegeEscalation")
                         if "allowPrivilegeEscalation" in _mapping(context) else
                         container.at("securityContext") if isinstance(context, dict) else container.path)
    if not bad:
        return None
    return Result("allowPrivilegeEscalation != false",
                  f"{_containers_phrase(bad)} must set securityContext.allowPrivilegeEscalation=false", tuple(paths))


def _not_windows(check: Callable[[Pod], Result | None]) -> Callable[[Pod], Result | None]:
    """The 1.25 variants of restricted checks: a pod that declares ``os.name: windows`` passes (API validation
    already refuses the Linux-only fields on it)."""

    def variant(pod: Pod) -> Result | None:
        return None if pod.windows else check(pod)

    variant.__name__ = f"{check.__name__}_1_25"
    return variant


def capabilities_restricted_1_22(pod: Pod) -> Result | None:
    missing_drop, adding = [], []
    forbidden: set[str] = set()
    drop_paths: list[Path] = []
    add_paths: list[Path] = []
    for container in pod.containers():
        context = container.security_context
        if not _present(context, "capabilities"):
            missing_drop.append(container.name)
            drop_paths.append(container.at("securityContext") if isinstance(container.raw.get("securityContext"),
                                                                            dict) else container.path)
            continue
        capabilities = _mapping(context.get("capabilities"))
        if "ALL" not in [_text(item) for item in _list(capabilities.get("drop"))]:
            missing_drop.append(container.name)
            drop_paths.append(container.at("securityContext", "capabilities"))
        added_forbidden = False
        for index, capability in enumerate(_list(capabilities.get("add"))):
            capability = _text(capability)
            if capability != "NET_BIND_SERVICE":
                added_forbidden = True
                forbidden.add(capability)
                add_paths.append(container.at("securityContext", "capabilities", "add", index))
        if added_forbidden:
            adding.append(container.name)
    details = []
    if missing_drop:
        details.append(f'{_containers_phrase(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(f"{_containers_phrase(adding)} must not include {join_quote(sorted(forbidden))} in "
                       "securityContext.capabilities.add")
    if not details:
        return None
    return Result("unrestricted capabilities", "; ".join(details), tuple(drop_paths + add_paths))


RESTRICTED_VOLUME_TYPES: tuple[tuple[str, str], ...] = (
    ("hostPath", "hostPath"), ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"), ("gitRepo", "gitRepo"), ("nfs", "nfs"), ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"), ("rbd", "rbd"), ("flexVolume", "flexVolume"), ("cinder", "cinder"),
    ("cephfs", "cephfs"), ("flocker", "flocker"), ("fc", "fc"), ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"), ("quobyte", "quobyte"), ("azureDisk", "azureDisk"),
    ("photonPersistentDisk", "photonPersistentDisk"), ("portworxVolume", "portworxVolume"),
    ("scaleIO", "scaleIO"), ("storageos", "storageos"),
)
"""Volume sources restricted refuses, in upstream's order (manifest key, name in the message)."""
ALLOWED_VOLUME_TYPES: tuple[str, ...] = (
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "image",
)


def restricted_volumes_1_0(pod: Pod) -> Result | None:
    names: list[str] = []
    kinds: set[str] = set()
    paths: list[Path] = []
    for index, volume in enumerate(_list(pod.spec.get("volumes"))):
        volume = _mapping(volume)
        if any(_present(volume, key) for key in ALLOWED_VOLUME_TYPES):
            continue
        names.append(_text(volume.get("name")))
        for key, name in RESTRICTED_VOLUME_TYPES:
            if _present(volume, key):
                kinds.add(name)
                paths.append(("spec", "volumes", index, key))
                break
        else:
            kinds.add("unknown")
            paths.append(("spec", "volumes", index))
    if not names:
        return None
    detail = (f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)} "
              f"{pluralize('uses', 'use', len(names))} "
              f"{pluralize('restricted volume type', 'restricted volume types', len(kinds))} "
              f"{join_quote(sorted(kinds))}")
    return Result("restricted volume types", detail, tuple(paths))


def run_as_non_root_1_0(pod: Pod) -> Result | None:
    if pod.relaxed:
        return None
    setters: list[str] = []
    paths: list[Path] = []
    pod_non_root = False
    value = pod.security_context.get("runAsNonRoot")
    if isinstance(value, bool):
        if not value:
            setters.append("pod")
            paths.append(("spec", "securityContext", "runAsNonRoot"))
        else:
            pod_non_root = True
    explicit, implicit, implicit_paths = [], [], []
    for container in pod.containers():
        value = container.security_context.get("runAsNonRoot")
        if isinstance(value, bool):
            if not value:
                explicit.append(container.name)
                paths.append(container.at("securityContext", "runAsNonRoot"))
        elif not pod_non_root:
            implicit.append(container.name)
            implicit_paths.append(container.path)
    if explicit:
        setters.append(_containers_phrase(explicit))
    if setters:
        return Result("runAsNonRoot != true",
                      f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false", tuple(paths))
    if implicit:
        return Result("runAsNonRoot != true",
                      f"pod or {_containers_phrase(implicit)} must set securityContext.runAsNonRoot=true",
                      tuple(implicit_paths))
    return None


def run_as_user_1_23(pod: Pod) -> Result | None:
    if pod.relaxed:
        return None
    setters: list[str] = []
    paths: list[Path] = []
    if _int(pod.security_context.get("runAsUser")) == 0:
        setters.append("pod")
        paths.append(("spec", "securityContext", "runAsUser"))
    bad = []
    for container in pod.containers():
        if _int(container.security_context.get("runAsUser")) == 0:
            bad.append(container.name)
            paths.append(container.at("securityContext", "runAsUser"))
    if bad:
        setters.append(_containers_phrase(bad))
    if not setters:
        return None
    return Result("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0", tuple(paths))


def seccomp_profile_restricted_1_19(pod: Pod) -> Result | None:
    return _seccomp_fields(pod, lambda kind: kind in ("RuntimeDefault", "Localhost"), require=True)


# --- the registry ---------------------------------------------------------------------------------------------

CheckFunction = Callable[[Pod], "Result | None"]


@record(frozen=True)
class VersionedCheck:
    """One revision of a check: it applies from ``minimum`` (a 1.x minor) until the next revision."""

    minimum: int
    function: CheckFunction
    overrides: tuple[str, ...] = ()
    """Baseline checks this restricted revision replaces at restricted (upstream's ``OverrideCheckIDs``)."""


@record(frozen=True)
class Check:
    id: str
    level: Level
    versions: tuple[VersionedCheck, ...]


CHECKS: tuple[Check, ...] = (
    Check("appArmorProfile", Level.BASELINE, (VersionedCheck(0, app_armor_profile_1_0),)),
    Check("capabilities_baseline", Level.BASELINE, (VersionedCheck(0, capabilities_baseline_1_0),)),
    Check("hostNamespaces", Level.BASELINE, (VersionedCheck(0, host_namespaces_1_0),)),
    Check("hostPathVolumes", Level.BASELINE, (VersionedCheck(0, host_path_volumes_1_0),)),
    Check("hostPorts", Level.BASELINE, (VersionedCheck(0, host_ports_1_0),)),
    Check("hostProbesAndHostLifecycle", Level.BASELINE, (VersionedCheck(34, host_probes_and_host_lifecycle_1_34),)),
    Check("privileged", Level.BASELINE, (VersionedCheck(0, privileged_1_0),)),
    Check("procMount", Level.BASELINE, (VersionedCheck(0, proc_mount_1_0),
                                        VersionedCheck(35, proc_mount_1_35_baseline))),
    Check("seLinuxOptions", Level.BASELINE, (VersionedCheck(0, se_linux_options_1_0),
                                             VersionedCheck(31, se_linux_options_1_31))),
    Check("seccompProfile_baseline", Level.BASELINE, (VersionedCheck(0, seccomp_profile_baseline_1_0),
                                                      VersionedCheck(19, seccomp_profile_baseline_1_19))),
    Check("sysctls", Level.BASELINE, (
        VersionedCheck(0, sysctls_version(SYSCTLS_1_0)), VersionedCheck(27, sysctls_version(SYSCTLS_1_27)),
        VersionedCheck(29, sysctls_version(SYSCTLS_1_29)), VersionedCheck(32, sysctls_version(SYSCTLS_1_32)),
        VersionedCheck(33, sysctls_version(SYSCTLS_1_33)))),
    Check("ulimits", Level.BASELINE, (VersionedCheck(37, ulimits_1_37),)),
    Check("windowsHostProcess", Level.BASELINE, (VersionedCheck(0, windows_host_process_1_0),)),
    Check("allowPrivilegeEscalation", Level.RESTRICTED, (
        VersionedCheck(8, allow_privilege_escalation_1_8),
        VersionedCheck(25, _not_windows(allow_privilege_escalation_1_8)))),
    Check("capabilities_restricted", Level.RESTRICTED, (
        VersionedCheck(22, capabilities_restricted_1_22, ("capabilities_baseline",)),
        VersionedCheck(25, _not_windows(capabilities_restricted_1_22), ("capabilities_baseline",)))),
    Check("procMount_restricted", Level.RESTRICTED, (VersionedCheck(35, proc_mount_1_0, ("procMount",)),)),
    Check("restrictedVolumes", Level.RESTRICTED, (VersionedCheck(0, restricted_volumes_1_0, ("hostPathVolumes",)),)),
    Check("runAsNonRoot", Level.RESTRICTED, (VersionedCheck(0, run_as_non_root_1_0),)),
    Check("runAsUser", Level.RESTRICTED, (VersionedCheck(23, run_as_user_1_23),)),
    Check("seccompProfile_restricted", Level.RESTRICTED, (
        VersionedCheck(19, seccomp_profile_restricted_1_19, ("seccompProfile_baseline",)),
        VersionedCheck(25, _not_windows(seccomp_profile_restricted_1_19), ("seccompProfile_baseline",)))),
)
"""Every check of the newest policy version kubelint knows (v1.37), with its revisions."""

MAX_MINOR = max(version.minimum for check in CHECKS for version in check.versions)
"""The newest policy version any check defines: later versions evaluate as this one."""

_ORDER = [check.id for check in sorted(CHECKS, key=lambda c: (c.level != Level.BASELINE, c.id))]
"""Upstream's evaluation order: baseline check ids sorted, then restricted ones sorted (messages follow it)."""


def _revision(check: Check, minor: int) -> VersionedCheck | None:
    found = None
    for version in check.versions:
        if version.minimum <= minor:
            found = version
    return found


@cache
def checks_for(level: Level, minor: int) -> tuple[tuple[str, CheckFunction], ...]:
    """The (check id, function) pairs the plugin runs at ``level`` for policy minor ``minor``, in its order."""
    if level == Level.PRIVILEGED:
        return ()
    minor = min(minor, MAX_MINOR)
    chosen: dict[str, VersionedCheck] = {}
    overridden: set[str] = set()
    for check in CHECKS:
        if check.level > level:
            continue
        revision = _revision(check, minor)
        if revision is None:
            continue
        chosen[check.id] = revision
        if level == Level.RESTRICTED:
            overridden.update(revision.overrides)
    return tuple((check_id, chosen[check_id].function) for check_id in _ORDER
                 if check_id in chosen and check_id not in overridden)


def evaluate(pod: Pod, level: Level, minor: int) -> list[Violation]:
    """The checks ``pod`` fails at ``level`` for policy minor ``minor`` (empty: admitted)."""
    violations = []
    for check_id, function in checks_for(level, minor):
        result = function(pod)
        if result is not None:
            violations.append(Violation(check_id, result.reason, result.detail, result.paths))
    return violations


def check_level(check_id: str) -> Level:
    """The level a check belongs to."""
    for check in CHECKS:
        if check.id == check_id:
            return check.level
    raise KeyError(check_id)
