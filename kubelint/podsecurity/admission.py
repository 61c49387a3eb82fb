"""The PodSecurity admission plugin's configuration: its defaults and exemptions, and kubelint's own settings.

The API server reads a ``PodSecurityConfiguration`` (``pod-security.admission.config.k8s.io/v1``, also v1beta1
and v1alpha1) from its ``AdmissionConfiguration`` (``--admission-control-config-file``): ``defaults`` give each
mode's level and version for namespaces without that label (privileged, latest when unset), ``exemptions`` name
namespaces, usernames and RuntimeClasses that are never evaluated. ``--admission-config FILE`` reads either
document; ``--pod-security [MODE=]LEVEL[:VERSION]`` sets a default on top of it (MODE defaults to enforce).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from functools import lru_cache
from typing import Any

from kubelint.podsecurity.levels import (
    MODES,
    LabelError,
    LevelVersion,
    ModePolicy,
    Policy,
    Source,
    default_policy,
    parse_level,
    parse_level_version,
    parse_version,
)
from kubelint.records import record

CONFIG_API_VERSIONS = ("pod-security.admission.config.k8s.io/v1", "pod-security.admission.config.k8s.io/v1beta1",
                       "pod-security.admission.config.k8s.io/v1alpha1")
ADMISSION_API_VERSIONS = ("apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1alpha1")
MAX_CONFIG_BYTES = 1024 * 1024

CONTROLLER_USERS: dict[str, str] = {
    "Deployment": "system:serviceaccount:kube-system:replicaset-controller",
    "ReplicaSet": "system:serviceaccount:kube-system:replicaset-controller",
    "ReplicationController": "system:serviceaccount:kube-system:replication-controller",
    "DeploymentConfig": "system:serviceaccount:kube-system:replication-controller",
    "StatefulSet": "system:serviceaccount:kube-system:statefulset-controller",
    "DaemonSet": "system:serviceaccount:kube-system:daemon-set-controller",
    "Job": "system:serviceaccount:kube-system:job-controller",
    "CronJob": "system:serviceaccount:kube-system:job-controller",
}
"""The user that creates each built-in workload's pods (kube-controller-manager with its default
``--use-service-account-credentials``; without it every controller is ``system:kube-controller-manager``)."""
CONTROLLER_MANAGER = "system:kube-controller-manager"


class AdmissionConfigError(Exception):
    """The admission configuration or a ``--pod-security`` value cannot be used (a usage error)."""


@record(frozen=True)
class Exemptions:
    """Who and what the plugin never evaluates."""

    namespaces: frozenset[str] = frozenset()
    usernames: frozenset[str] = frozenset()
    runtime_classes: frozenset[str] = frozenset()


@record(frozen=True)
class Settings:
    """Everything the evaluation needs besides the tree: the defaults per mode, exemptions, the cluster."""

    defaults: Policy = field(default_factory=default_policy)
    exemptions: Exemptions = Exemptions()
    cluster_minor: int = 37
    """The API server's minor version: ``latest`` and newer label versions evaluate as this one."""
    relax_user_namespaces: bool = False
    """The ``UserNamespacesPodSecurityStandards`` feature gate (off by default upstream)."""

    def pod_creator_exempt(self, kind: str) -> bool:
        """Whether the controller that creates this kind's pods is an exempt user."""
        user = CONTROLLER_USERS.get(kind)
        return bool(user) and (user in self.exemptions.usernames or CONTROLLER_MANAGER in self.exemptions.usernames)


def parse_spec(text: str) -> tuple[str, LevelVersion]:
    """``[MODE=]LEVEL[:VERSION]`` -> (mode, level and version); raise AdmissionConfigError."""
    mode, sep, rest = text.partition("=")
    if not sep:
        mode, rest = "enforce", text
    mode = mode.strip().lower()
    if mode not in MODES:
        raise AdmissionConfigError(f"{text!r}: the mode must be one of {', '.join(MODES)}")
    try:
        return mode, parse_level_version(rest.strip())
    except LabelError as error:
        raise AdmissionConfigError(f"{text!r}: {error}") from error


def _strings(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AdmissionConfigError(f"{where} must be a list of strings")
    return frozenset(value)


def _pod_security_document(data: Any, file: str) -> Mapping[str, Any] | None:
    """The PodSecurityConfiguration in ``data``: the document itself, or the PodSecurity plugin's
    ``configuration`` inside an AdmissionConfiguration (None when it configures no PodSecurity)."""
    if not isinstance(data, dict):
        raise AdmissionConfigError(f"{file}: not a mapping")
    kind = data.get("kind")
    if kind == "PodSecurityConfiguration":
        if data.get("apiVersion") not in CONFIG_API_VERSIONS:
            raise AdmissionConfigError(f"{file}: apiVersion {data.get('apiVersion')!r} is not one of "
                                       f"{', '.join(CONFIG_API_VERSIONS)}")
        return data
    if kind != "AdmissionConfiguration":
        raise AdmissionConfigError(f"{file}: expected an AdmissionConfiguration or a PodSecurityConfiguration, "
                                   f"found kind {kind!r}")
    if data.get("apiVersion") not in ADMISSION_API_VERSIONS:
        raise AdmissionConfigError(f"{file}: apiVersion {data.get('apiVersion')!r} is not one of "
                                   f"{', '.join(ADMISSION_API_VERSIONS)}")
    plugins = data.get("plugins") or []
    if not isinstance(plugins, list):
        raise AdmissionConfigError(f"{file}: plugins must be a list")
    for index, plugin in enumerate(plugins):
        if not isinstance(plugin, dict) or plugin.get("name") != "PodSecurity":
            continue
        if "configuration" in plugin:
            return _pod_security_document(plugin["configuration"], f"{file}: plugins[{index}].configuration")
        path = plugin.get("path")
        if isinstance(path, str):
            return _pod_security_document(_read_nested(file, path), path)
        raise AdmissionConfigError(f"{file}: plugins[{index}] (PodSecurity) has neither configuration nor path")
    return None


def _read_nested(file: str, path: str) -> Any:
    """A plugin configuration ``path`` of an admission configuration: only inside that file's folder."""
    folder = os.path.realpath(os.path.dirname(os.path.abspath(file)))
    target = os.path.realpath(os.path.join(folder, path))
    if os.path.isabs(path) or not target.startswith(folder + os.sep):
        raise AdmissionConfigError(f"{file}: PodSecurity path {path!r} must be a file in the same folder or below")
    return _read_yaml(target)


def _read_yaml(path: str) -> Any:
    from kubelint.sources.yaml import parse

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise AdmissionConfigError(f"{path}: {error.strerror or error}") from error
    if len(raw) > MAX_CONFIG_BYTES:
        raise AdmissionConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
    documents, problems = parse(raw.decode("utf-8", errors="replace"))
    if problems:
        raise AdmissionConfigError(f"{path}:{problems[0].line}:{problems[0].column}: {problems[0].message}")
    if len(documents) != 1:
        raise AdmissionConfigError(f"{path}: expected one YAML document, found {len(documents)}")
    return documents[0].data


def read_admission_config(path: str) -> tuple[Policy, Exemptions]:
    """The defaults and exemptions of an AdmissionConfiguration or PodSecurityConfiguration file."""
    document = _pod_security_document(_read_yaml(path), path)
    if document is None:
        raise AdmissionConfigError(f"{path}: the AdmissionConfiguration configures no PodSecurity plugin")
    defaults_raw = document.get("defaults") or {}
    if not isinstance(defaults_raw, dict):
        raise AdmissionConfigError(f"{path}: defaults must be a mapping")
    modes = {}
    for mode in MODES:
        try:
            level = parse_level(str(defaults_raw.get(mode, "privileged")))
            version = parse_version(str(defaults_raw.get(f"{mode}-version", "latest")))
        except LabelError as error:
            raise AdmissionConfigError(f"{path}: defaults.{mode}: {error}") from error
        modes[mode] = ModePolicy(LevelVersion(level, version), Source("default", f"admission configuration {path}"))
    exemptions_raw = document.get("exemptions") or {}
    if not isinstance(exemptions_raw, dict):
        raise AdmissionConfigError(f"{path}: exemptions must be a mapping")
    exemptions = Exemptions(_strings(exemptions_raw.get("namespaces"), f"{path}: exemptions.namespaces"),
                            _strings(exemptions_raw.get("usernames"), f"{path}: exemptions.usernames"),
                            _strings(exemptions_raw.get("runtimeClasses"), f"{path}: exemptions.runtimeClasses"))
    return Policy(modes), exemptions


def settings(specs: Iterable[str], admission_config: str | None, cluster_minor: int,
             relax_user_namespaces: bool = False) -> Settings:
    """The evaluation settings of a run (raise AdmissionConfigError for an unusable value or file)."""
    return _settings(tuple(specs), admission_config, _stamp(admission_config), cluster_minor, relax_user_namespaces)


def _stamp(path: str | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


@lru_cache(maxsize=16)
def _settings(specs: tuple[str, ...], admission_config: str | None, stamp: tuple[int, int] | None,
              cluster_minor: int, relax: bool) -> Settings:
    defaults, exemptions = (read_admission_config(admission_config) if admission_config is not None
                            else (default_policy(), Exemptions()))
    modes = dict(defaults.modes)
    for spec in specs:
        mode, level_version = parse_spec(spec)
        modes[mode] = ModePolicy(level_version, Source("default", f"--pod-security {spec}"))
    return Settings(Policy(modes), exemptions, cluster_minor, relax)
