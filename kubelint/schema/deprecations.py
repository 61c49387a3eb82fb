"""apiVersions that Kubernetes deprecated or removed, with the version and the replacement.

The table holds the removals of the Kubernetes deprecation guide (1.16 to 1.32) and the
deprecations that still serve. Beyond it, any apiVersion of a built-in group that one of the
shipped schema versions serves and the target version does not has been removed (alpha and beta
APIs come and go): :func:`status` finds those from the schemas themselves.
"""

from __future__ import annotations

from functools import lru_cache

from kubelint.model.openshift import legacy_group
from kubelint.records import record
from kubelint.schema import builtin


@record(frozen=True)
class Deprecation:
    """One apiVersion of one kind (or of every kind of a group version, ``kind=None``)."""

    api_version: str
    kind: str | None
    deprecated_in: str
    removed_in: str | None
    replacement: str | None
    """The apiVersion to use instead, or a sentence starting with "no successor" when there is none."""


def _entries(api_version: str, kinds: str, deprecated: str, removed: str | None, replacement: str | None
             ) -> list[Deprecation]:
    return [Deprecation(api_version, kind or None, deprecated, removed, replacement) for kind in kinds.split()]


_APPS = "Deployment DaemonSet ReplicaSet StatefulSet ControllerRevision"
TABLE: list[Deprecation] = [
    # removed in 1.16
    *_entries("extensions/v1beta1", "Deployment DaemonSet ReplicaSet", "1.8", "1.16", "apps/v1"),
    *_entries("extensions/v1beta1", "NetworkPolicy", "1.9", "1.16", "networking.k8s.io/v1"),
    *_entries("extensions/v1beta1", "PodSecurityPolicy", "1.10", "1.16", "policy/v1beta1"),
    *_entries("apps/v1beta1", _APPS, "1.9", "1.16", "apps/v1"),
    *_entries("apps/v1beta2", _APPS, "1.9", "1.16", "apps/v1"),
    # removed in 1.14
    *_entries("admissionregistration.k8s.io/v1alpha1", "InitializerConfiguration", "1.13", "1.14",
              "no successor: initializers were replaced by admission webhooks"),
    # removed in 1.22
    *_entries("extensions/v1beta1", "Ingress", "1.14", "1.22", "networking.k8s.io/v1"),
    *_entries("networking.k8s.io/v1beta1", "Ingress IngressClass", "1.19", "1.22", "networking.k8s.io/v1"),
    *_entries("admissionregistration.k8s.io/v1beta1",
              "MutatingWebhookConfiguration ValidatingWebhookConfiguration", "1.16", "1.22",
              "admissionregistration.k8s.io/v1"),
    *_entries("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.16", "1.22", "apiextensions.k8s.io/v1"),
    *_entries("apiregistration.k8s.io/v1beta1", "APIService", "1.19", "1.22", "apiregistration.k8s.io/v1"),
    *_entries("authentication.k8s.io/v1beta1", "TokenReview", "1.19", "1.22", "authentication.k8s.io/v1"),
    *_entries("authorization.k8s.io/v1beta1", "SubjectAccessReview LocalSubjectAccessReview "
              "SelfSubjectAccessReview", "1.19", "1.22", "authorization.k8s.io/v1"),
    *_entries("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.19", "1.22", "certificates.k8s.io/v1"),
    *_entries("coordination.k8s.io/v1beta1", "Lease", "1.19", "1.22", "coordination.k8s.io/v1"),
    *_entries("rbac.authorization.k8s.io/v1beta1", "", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    *_entries("rbac.authorization.k8s.io/v1alpha1", "", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    *_entries("scheduling.k8s.io/v1beta1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1"),
    *_entries("scheduling.k8s.io/v1alpha1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1"),
    *_entries("storage.k8s.io/v1beta1", "CSIDriver CSINode StorageClass VolumeAttachment", "1.19", "1.22",
              "storage.k8s.io/v1"),
    # removed in 1.25
    *_entries("batch/v1beta1", "CronJob", "1.21", "1.25", "batch/v1"),
    *_entries("discovery.k8s.io/v1beta1", "EndpointSlice", "1.21", "1.25", "discovery.k8s.io/v1"),
    *_entries("events.k8s.io/v1beta1", "Event", "1.19", "1.25", "events.k8s.io/v1"),
    *_entries("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.22", "1.25", "autoscaling/v2"),
    *_entries("policy/v1beta1", "PodDisruptionBudget", "1.21", "1.25", "policy/v1"),
    *_entries("policy/v1beta1", "PodSecurityPolicy", "1.21", "1.25",
              "no successor: label namespaces for Pod Security Admission (pod-security.kubernetes.io/*)"),
    *_entries("node.k8s.io/v1beta1", "RuntimeClass", "1.20", "1.25", "node.k8s.io/v1"),
    # removed in 1.26, 1.27, 1.29, 1.32
    *_entries("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema PriorityLevelConfiguration", "1.23", "1.26",
              "flowcontrol.apiserver.k8s.io/v1 (v1beta3 before 1.29)"),
    *_entries("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.23", "1.26", "autoscaling/v2"),
    *_entries("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", "1.27", "storage.k8s.io/v1"),
    *_entries("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema PriorityLevelConfiguration", "1.26", "1.29",
              "flowcontrol.apiserver.k8s.io/v1"),
    *_entries("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema PriorityLevelConfiguration", "1.29", "1.32",
              "flowcontrol.apiserver.k8s.io/v1"),
    # deprecated, still served
    *_entries("v1", "Endpoints", "1.33", None, "discovery.k8s.io/v1 EndpointSlice"),
]


@record(frozen=True)
class Verdict:
    """What the target version makes of an apiVersion: deprecated (still served) or removed."""

    removed: bool
    message: str


_BY_API_VERSION: dict[str, tuple[Deprecation, ...]] = {
    api_version: tuple(entry for entry in TABLE if entry.api_version == api_version)
    for api_version in dict.fromkeys(entry.api_version for entry in TABLE)}
"""The table's entries by apiVersion, in table order."""


def lookup(api_version: str, kind: str) -> Deprecation | None:
    """The table entry of an apiVersion and kind, if any (the first in :data:`TABLE` order)."""
    for entry in _BY_API_VERSION.get(api_version, ()):
        if entry.kind in (kind, None):
            return entry
    return None


@lru_cache(maxsize=4096)
def status(api_version: str, kind: str, target: str) -> Verdict | None:
    """Whether ``kind`` at ``api_version`` is deprecated or removed at Kubernetes ``target`` (a pure function of
    its arguments and the installed schemas: answered once per process for each, as every object of a type asks
    it, twice (deprecated-api and removed-api); bounded, as the names come from the linted files)."""
    group = legacy_group(api_version, kind)
    if group is not None:
        return Verdict(False, f"{api_version} {kind} is OpenShift's legacy API without a group: oc applies it as "
                              f"{group}/v1 with a deprecation warning, other clients refuse it; use {group}/v1")
    key = builtin.version_key(target)
    entry = lookup(api_version, kind)
    if entry is not None:
        instead = ""
        if entry.replacement:
            instead = f"; {'' if entry.replacement.startswith('no successor') else 'use '}{entry.replacement}"
        if entry.removed_in is not None and key >= builtin.version_key(entry.removed_in):
            return Verdict(True, f"{api_version} {kind} was removed in Kubernetes {entry.removed_in}{instead}")
        if key >= builtin.version_key(entry.deprecated_in):
            until = f" and is removed in {entry.removed_in}" if entry.removed_in else ""
            return Verdict(False, f"{api_version} {kind} is deprecated since Kubernetes {entry.deprecated_in}"
                                  f"{until}{instead}")
        return None
    group, _, version = api_version.rpartition("/")
    if group not in builtin.BUILTIN_GROUPS or builtin.kind_schema(target, group, version, kind) is not None:
        return None
    served = builtin.served_in(group, version, kind)
    older = [v for v in served if builtin.version_key(v) < key]
    if not older:
        return None
    versions = builtin.available_versions()
    removed_in = versions[versions.index(older[-1]) + 1]
    others = replacements(group, kind, target)
    instead = f"; use {' or '.join(others)}" if others else ""
    return Verdict(True, f"{api_version} {kind} was removed in Kubernetes {removed_in}{instead}")


def replacements(group: str, kind: str, target: str) -> list[str]:
    """The apiVersions of the same group that serve ``kind`` at the target version (stable first)."""
    lower = f"{kind.lower()}-{group.split('.')[0]}-" if group else f"{kind.lower()}-"
    found = []
    for name in builtin.kinds_of(target):
        if name.startswith(lower) and name.endswith(".json"):
            version = name[len(lower):-len(".json")]
            if "-" not in version and builtin.kind_schema(target, group, version, kind) is not None:
                found.append(f"{group}/{version}" if group else version)
    return sorted(found, key=lambda v: ("alpha" in v, "beta" in v, v))
