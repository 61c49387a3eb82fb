"""Typed views on manifest objects: identities, resources with positions, pod templates and containers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from functools import cached_property
from typing import Any, NamedTuple

from kubelint.findings import MAX_NAME, Location, Path, excerpt
from kubelint.records import record, value_tuple
from kubelint.sources.yaml import Position, nearest_position

CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset({
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"), ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"), ("scheduling.k8s.io", "PriorityClass"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("networking.k8s.io", "IngressClass"), ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"), ("extensions", "PodSecurityPolicy"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
})
"""Built-in kinds that live outside namespaces; a CRD in the tree decides the scope of its own kind."""


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> ``("apps", "v1")``; the core group is ``""``."""
    group, _, version = api_version.rpartition("/")
    return group, version


@value_tuple
class ObjectRef(NamedTuple):
    """The identity of an object: API group, kind, namespace (None when cluster-scoped) and name.

    A :func:`~kubelint.records.value_tuple`: every index of the graph and of the analyses is keyed by objects, and
    its hash is the tuple's, in C; it equals another ObjectRef only."""

    group: str
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        name = excerpt(self.name, MAX_NAME)
        if self.namespace is None:
            return f"{excerpt(self.kind, MAX_NAME)}/{name}"
        return f"{excerpt(self.namespace, MAX_NAME)}/{excerpt(self.kind, MAX_NAME)}/{name}"


def mapping(value: Any) -> Mapping[str, Any]:
    """The value if it is a mapping, else an empty one (manifests may hold any type anywhere)."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """The value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """The value if it is a string, else None."""
    return value if isinstance(value, str) else None


def string_map(value: Any) -> dict[str, str]:
    """A label- or annotation-like mapping with only its string-valued entries (as Kubernetes reads them)."""
    if not isinstance(value, dict):
        return {}
    return {key: item if isinstance(item, str) else _as_label(item) for key, item in value.items()}


def _as_label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@record(frozen=True)
class ContainerPort:
    """A declared container port."""

    number: int | None
    name: str | None
    protocol: str
    path: Path


def service_target(port: Mapping[str, Any]) -> tuple[int | str | None, bool]:
    """The container port a Service port sends to, as the API server defaults it: a ``targetPort`` that is
    absent, ``0`` or ``""`` becomes ``port``. Returns the value (None when it is not a number or name) and
    whether it was defaulted."""
    written = port.get("targetPort")
    defaulted = written is None or (written == 0 and not isinstance(written, bool)) or written == ""
    value = port.get("port") if defaulted else written
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None, defaulted
    return value, defaulted


@record(frozen=True)
class Container:
    """A container or init container of a pod template."""

    name: str
    raw: Mapping[str, Any]
    path: Path
    init: bool = False

    @property
    def image(self) -> str | None:
        return text(self.raw.get("image"))

    @cached_property
    def ports(self) -> tuple[ContainerPort, ...]:
        ports = []
        for index, port in enumerate(sequence(self.raw.get("ports"))):
            port = mapping(port)
            number = port.get("containerPort")
            ports.append(ContainerPort(
                number if isinstance(number, int) and not isinstance(number, bool) else None,
                text(port.get("name")),
                text(port.get("protocol")) or "TCP",
                (*self.path, "ports", index),
            ))
        return tuple(ports)


@record(frozen=True)
class PodTemplate:
    """The pods a workload creates: where the template is, its labels and its spec."""

    path: Path
    """Path of the template (its ``metadata`` and ``spec`` are below it); ``()`` for a Pod."""
    labels: Mapping[str, str]
    spec: Mapping[str, Any]

    @property
    def spec_path(self) -> Path:
        return (*self.path, "spec")

    @property
    def service_account(self) -> str:
        """The ServiceAccount the pods run as: ``serviceAccountName``, else the deprecated ``serviceAccount``,
        else ``default``."""
        return text(self.spec.get("serviceAccountName")) or text(self.spec.get("serviceAccount")) or "default"

    @cached_property
    def containers(self) -> tuple[Container, ...]:
        """Init containers first, then containers, as the kubelet starts them."""
        found = []
        for field_name, init in (("initContainers", True), ("containers", False)):
            for index, raw in enumerate(sequence(self.spec.get(field_name))):
                raw = mapping(raw)
                name = text(raw.get("name")) or f"#{index}"
                found.append(Container(name, raw, (*self.spec_path, field_name, index), init))
        return tuple(found)


BUILTIN_KINDS: frozenset[str] = frozenset({kind for _, kind in CLUSTER_SCOPED} | {
    "Pod", "PodTemplate", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
    "Job", "CronJob", "Service", "Endpoints", "EndpointSlice", "Ingress", "NetworkPolicy", "ConfigMap",
    "Secret", "ServiceAccount", "PersistentVolumeClaim", "Role", "RoleBinding", "HorizontalPodAutoscaler",
    "PodDisruptionBudget", "LimitRange", "ResourceQuota", "Event", "Lease", "ControllerRevision",
})
"""Kind names of the built-in API: a document of such a kind is meant to be an object."""

POD_TEMPLATE_PATHS: dict[tuple[str, str], Path] = {
    ("", "Pod"): (),
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): ("spec", "template"),
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("extensions", "Deployment"): ("spec", "template"),
    ("extensions", "ReplicaSet"): ("spec", "template"),
    ("extensions", "DaemonSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
    ("apps.openshift.io", "DeploymentConfig"): ("spec", "template"),
}
"""Where each pod-bearing built-in kind keeps its pod template."""


@record
class Resource:
    """One manifest object with its identity, raw value and the source position of every node."""

    ref: ObjectRef
    api_version: str
    raw: dict[str, Any]
    file: str
    positions: Mapping[Path, Position] = field(repr=False)
    base: Path = ()
    """Where the object sits inside its document (``("items", 3)`` for an item of a List)."""
    namespace_given: bool = True
    implicit: Mapping[Path, str] = field(default_factory=dict, repr=False)
    via: str = ""
    """What produced the object when it is not its file (the Kustomize root that rendered it); see
    ``Source.via``."""
    unit: str = ""
    """The deployable unit the object belongs to (see :mod:`kubelint.model.units`); ``Source.unit``."""
    kind: str = field(init=False, repr=False, compare=False)
    """``ref.kind``, ``ref.name`` and ``ref.namespace`` as plain attributes (every check reads them, most for
    every object: a property cost a call each time)."""
    name: str = field(init=False, repr=False, compare=False)
    namespace: str | None = field(init=False, repr=False, compare=False)
    metadata: Mapping[str, Any] = field(init=False, repr=False, compare=False)
    """``raw``'s metadata and spec as mappings (empty when absent or not one), read once: most objects are asked for
    them by several checks."""
    spec: Mapping[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.kind, self.name, self.namespace = self.ref.kind, self.ref.name, self.ref.namespace
        self.metadata, self.spec = mapping(self.raw.get("metadata")), mapping(self.raw.get("spec"))

    @property
    def labels(self) -> dict[str, str]:
        return string_map(self.metadata.get("labels"))

    @property
    def annotations(self) -> dict[str, str]:
        return string_map(self.metadata.get("annotations"))

    @cached_property
    def controller(self) -> ObjectRef | None:
        """The object that manages this one (its ``ownerReferences`` entry with ``controller: true``), as in
        cluster dumps: a live Pod's ReplicaSet, a ReplicaSet's Deployment. Owners share the namespace."""
        for owner in sequence(self.metadata.get("ownerReferences")):
            owner = mapping(owner)
            api_version, kind, name = text(owner.get("apiVersion")), text(owner.get("kind")), text(owner.get("name"))
            if owner.get("controller") is True and api_version and kind and name:
                return ObjectRef(split_api_version(api_version)[0], kind, self.ref.namespace, name)
        return None

    def get(self, path: Path, default: Any = None) -> Any:
        """The value at a path inside the object, or ``default``."""
        node: Any = self.raw
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    return default
            elif not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def position(self, path: Path = ()) -> Position:
        """The 1-based (line, column) of the node at ``path``, or of its nearest existing parent."""
        return nearest_position(self.positions, (*self.base, *path))

    def where(self, path: Path = (), message: str = "") -> Location:
        """The location of the node at ``path`` (a whole-object finding uses ``()``: the first line)."""
        line, column = self.position(path)
        return Location(self.file, line, column, self.ref, self.api_version, path, message, self.via)

    def implicit_text(self, path: Path) -> str | None:
        """The source text of an unquoted scalar that YAML 1.1 read as a bool, number or null."""
        return self.implicit.get((*self.base, *path))

    @cached_property
    def pod_template(self) -> PodTemplate | None:
        """The pod template of a pod-bearing kind, or None."""
        path = POD_TEMPLATE_PATHS.get((self.ref.group, self.ref.kind))
        if path is None:
            return None
        template = mapping(self.get(path)) if path else self.raw
        return PodTemplate(
            path,
            string_map(mapping(template.get("metadata")).get("labels")),
            mapping(template.get("spec")),
        )

    def containers(self) -> Iterator[Container]:
        """Every container and init container of the object's pod template."""
        template = self.pod_template
        if template is not None:
            yield from template.containers
