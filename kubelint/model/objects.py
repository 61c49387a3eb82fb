"""From parsed documents to resources: identities, namespaces, scopes and ``kind: List`` items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubelint.findings import Path
from kubelint.model.openshift import CLUSTER_SCOPED as OPENSHIFT_CLUSTER_SCOPED
from kubelint.model.openshift import legacy_group
from kubelint.model.resource import (
    BUILTIN_KINDS,
    CLUSTER_SCOPED,
    ObjectRef,
    Resource,
    mapping,
    split_api_version,
    text,
)
from kubelint.sources.read import Source
from kubelint.sources.yaml import Document, Problem, nearest_position

NOT_CLUSTER_OBJECTS: frozenset[tuple[str, str]] = frozenset({
    ("kustomize.config.k8s.io", "Kustomization"),
    ("kustomize.config.k8s.io", "Component"),
})
"""Files with apiVersion and kind that are tool configuration, never applied to a cluster."""


def crd_scopes(sources: Iterable[Source]) -> dict[tuple[str, str], bool]:
    """``(group, kind) -> namespaced`` for every CustomResourceDefinition in the tree."""
    scopes: dict[tuple[str, str], bool] = {}
    for source in sources:
        for document in source.documents:
            data = document.data
            if isinstance(data, dict) and data.get("kind") == "CustomResourceDefinition":
                spec = mapping(data.get("spec"))
                group, kind = text(spec.get("group")), text(mapping(spec.get("names")).get("kind"))
                if group is not None and kind is not None:
                    scopes[(group, kind)] = spec.get("scope") != "Cluster"
    return scopes


def is_namespaced(group: str, kind: str, crds: dict[tuple[str, str], bool]) -> bool:
    """Whether objects of a kind live in a namespace: CRDs in the tree decide, then the built-in table.

    An unknown custom kind is namespaced unless its name starts with ``Cluster`` (ClusterIssuer,
    ClusterPolicy, ClusterSecretStore: the convention every operator follows).
    """
    known = crds.get((group, kind))
    if known is not None:
        return known
    if (group, kind) in CLUSTER_SCOPED or (group, kind) in OPENSHIFT_CLUSTER_SCOPED:
        return False
    if group.endswith(".k8s.io") or group in ("", "apps", "batch", "policy", "autoscaling", "extensions"):
        return True
    return not kind.startswith("Cluster")


def resources_of(
    source: Source, default_namespace: str, crds: dict[tuple[str, str], bool]
) -> tuple[list[Resource], list[Any]]:
    """The resources in a source, and the documents skipped as not Kubernetes objects (for ``-v``)."""
    resources: list[Resource] = []
    skipped: list[Any] = []
    for document in source.documents:
        _collect(source, document, document.data, (), default_namespace, crds, resources, skipped)
    return resources, skipped


def _collect(
    source: Source,
    document: Document,
    data: Any,
    base: Path,
    default_namespace: str,
    crds: dict[tuple[str, str], bool],
    resources: list[Resource],
    skipped: list[Any],
) -> None:
    if not isinstance(data, dict):
        line, column = _where(document, base)
        if isinstance(data, list) and any(isinstance(item, dict) and "kind" in item for item in data):
            source.problems.append(Problem(
                "invalid-manifest", "a top-level sequence is not a manifest; wrap the objects in a "
                "`kind: List` or separate them with `---`", line, column))
        elif not isinstance(data, list):
            source.problems.append(Problem(
                "invalid-manifest", f"a manifest must be a mapping, not a {_type_name(data)}", line, column))
        else:
            skipped.append((source.display, line, "a sequence of non-objects"))
        return
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if api_version is None and kind is None:
        skipped.append((source.display, _where(document, base)[0], "no apiVersion and kind"))
        return
    if (isinstance(api_version, str) and isinstance(kind, str)
            and (split_api_version(api_version)[0], kind) in NOT_CLUSTER_OBJECTS):
        skipped.append((source.display, _where(document, base)[0], f"{kind} is tool configuration"))
        return
    problem = _identity_problem(data, api_version, kind)
    if problem is not None:
        if "metadata" not in data and (api_version is None or not isinstance(kind, str) or kind not in BUILTIN_KINDS):
            # kubeconfig, KubeletConfiguration, scheduler policies: configuration files, not objects
            skipped.append((source.display, _where(document, base)[0], "not a Kubernetes object (no metadata)"))
            return
        path, message = problem
        at = nearest_position(document.positions, (*base, *path))
        source.problems.append(Problem("invalid-manifest", message, *at))
        return
    assert isinstance(api_version, str) and isinstance(kind, str)
    group = legacy_group(api_version, kind) or split_api_version(api_version)[0]
    if kind.endswith("List") and isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            _collect(source, document, item, (*base, "items", index), default_namespace, crds, resources,
                     skipped)
        return
    metadata = mapping(data.get("metadata"))
    name = text(metadata.get("name"))
    if name is None:
        name = f"{metadata['generateName']}*"  # validated by _identity_problem
    namespace = text(metadata.get("namespace"))
    namespaced = is_namespaced(group, kind, crds)
    ref = ObjectRef(group, kind, (namespace or default_namespace) if namespaced else None, name)
    resources.append(Resource(ref, api_version, data, source.display, document.positions, base,
                              namespace_given=namespace is not None, implicit=document.implicit, via=source.via,
                              unit=source.unit))


def _where(document: Document, base: Path) -> tuple[int, int]:
    """Where the object at ``base`` starts (a whole document's start needs no position table)."""
    return document.root_position if not base else document.positions.get(base, (1, 1))


def _identity_problem(data: dict[str, Any], api_version: Any, kind: Any) -> tuple[Path, str] | None:
    if not isinstance(api_version, str) or not api_version:
        return ("apiVersion",), "missing or non-string apiVersion" + _got(api_version)
    if not isinstance(kind, str) or not kind:
        return ("kind",), "missing or non-string kind" + _got(kind)
    if kind.endswith("List") and "items" in data:
        if not isinstance(data["items"], list):
            return ("items",), f"items of a {kind} must be a sequence" + _got(data["items"])
        return None
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return ("metadata",), "missing metadata: every object needs metadata.name" + _got(metadata)
    name = metadata.get("name")
    if name is None and isinstance(metadata.get("generateName"), str) and metadata["generateName"]:
        return None
    if not isinstance(name, str) or not name:
        return ("metadata", "name"), "missing or non-string metadata.name" + _got(name)
    namespace = metadata.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        return ("metadata", "namespace"), "metadata.namespace must be a string" + _got(namespace)
    return None


def _got(value: Any) -> str:
    return "" if value is None else f" (got {_type_name(value)})"


def _type_name(value: Any) -> str:
    return {dict: "mapping", list: "sequence", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)
