"""The built-in Kubernetes schemas, as the ``kubernetes-validate`` package ships them.

``kubernetes-validate`` carries, for every Kubernetes minor it supports, a folder
``kubernetes-json-schema/v1.X.0-local-strict/`` with one JSON Schema (draft 2020-12) per
kind and apiVersion (``deployment-apps-v1.json``: kind lowercased, the first label of the group,
the version) and one ``_definitions.json`` (about 2 MB) that every kind schema refers to with
``$ref``. The strict flavour forbids unknown fields (``additionalProperties: false``); kubelint
only reads that one and relaxes it itself for ``--no-strict``. Nothing here imports the package's
code (it pulls in PyYAML and more): only its data folder is located.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from functools import cache
from typing import Any

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
QUANTITY_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
"""A resource quantity as ``resource.ParseQuantity`` accepts it (``500m``, ``1.5Gi``, ``1e3``)."""

BUILTIN_GROUPS: frozenset[str] = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
    "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
})
"""API groups served by the Kubernetes API server itself (everything else comes from a CRD or an aggregated API)."""

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): ("Always", "Never", "IfNotPresent"),
    ("io.k8s.api.core.v1.EphemeralContainer", "imagePullPolicy"): ("Always", "Never", "IfNotPresent"),
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy"): ("File", "FallbackToLogsOnError"),
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): ("TCP", "UDP", "SCTP"),
    ("io.k8s.api.core.v1.ServicePort", "protocol"): ("TCP", "UDP", "SCTP"),
    ("io.k8s.api.networking.v1.NetworkPolicyPort", "protocol"): ("TCP", "UDP", "SCTP"),
    ("io.k8s.api.core.v1.ServiceSpec", "type"): ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity"): ("ClientIP", "None"),
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy"): ("Cluster", "Local"),
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy"): ("Cluster", "Local"),
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy"): ("Always", "OnFailure", "Never"),
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy"): ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): ("Recreate", "RollingUpdate"),
    ("io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "type"): ("OnDelete", "RollingUpdate"),
    ("io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "type"): ("OnDelete", "RollingUpdate"),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy"): ("OrderedReady", "Parallel"),
    ("io.k8s.api.networking.v1.HTTPIngressPath", "pathType"): ("Exact", "Prefix", "ImplementationSpecific"),
    ("io.k8s.api.batch.v1.CronJobSpec", "concurrencyPolicy"): ("Allow", "Forbid", "Replace"),
}
"""Values the API server's validation accepts that the OpenAPI schemas only name in a description."""

_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.0-local-strict$")


class SchemaError(Exception):
    """The schemas cannot be used as asked (no such Kubernetes version, package missing): a usage error."""


@cache
def schema_root() -> str | None:
    """The ``kubernetes-json-schema`` folder of the installed ``kubernetes-validate``, or None."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = os.path.join(location, "kubernetes-json-schema")
        if os.path.isdir(candidate):
            return candidate
    return None


@cache
def available_versions() -> tuple[str, ...]:
    """The Kubernetes minors with schemas, oldest first (``("1.25", ..., "1.37")``)."""
    root = schema_root()
    if root is None:
        return ()
    found = []
    for name in os.listdir(root):
        match = _VERSION_DIR.match(name)
        if match:
            found.append((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}" for major, minor in sorted(found))


def resolve_version(wanted: str | None) -> str:
    """The minor to validate against: ``wanted`` (``1.30``, ``v1.30``, ``1.30.2``) or the newest shipped."""
    versions = available_versions()
    if not versions:
        raise SchemaError("the Kubernetes schemas are missing: install the `kubernetes-validate` package")
    if wanted is None:
        return versions[-1]
    match = re.fullmatch(r"v?(\d+)\.(\d+)(\.\d+)?", wanted.strip())
    version = f"{int(match.group(1))}.{int(match.group(2))}" if match else wanted
    if version not in versions:
        raise SchemaError(f"no schemas for Kubernetes {wanted}: choose one of {versions[0]} to {versions[-1]}")
    return version


def version_key(version: str) -> tuple[int, int]:
    """``"1.9"`` -> ``(1, 9)``, so that versions compare as numbers."""
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def _folder(version: str) -> str:
    root = schema_root()
    if root is None:
        raise SchemaError("the Kubernetes schemas are missing: install the `kubernetes-validate` package")
    return os.path.join(root, f"v{version}.0-local-strict")


def file_name(group: str, version: str, kind: str) -> str:
    """``("rbac.authorization.k8s.io", "v1", "Role")`` -> ``role-rbac-v1.json``."""
    prefix = f"{group.split('.')[0]}-" if group else ""
    return f"{kind.lower()}-{prefix}{version}.json"


@cache
def definitions(version: str) -> dict[str, Any]:
    """``_definitions.json`` of a version, with int-or-string and quantities rewritten for plain messages.

    The package spells both as a ``oneOf`` of nullable types, which fails on ``null`` (it matches
    both branches) and accepts any string as a quantity; kubelint uses one type list and, for
    quantities, the pattern the API server parses them with.
    """
    with open(os.path.join(_folder(version), "_definitions.json"), encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    defs = data.get("$defs", {})
    for name in {owner for owner, _ in ENUMS}:
        if name in defs:
            _add_enums(name, defs[name])
    for name, replaced in REWRITTEN.items():
        defs[name] = dict(replaced)
    return data


REWRITTEN: dict[str, dict[str, Any]] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": ["string", "integer", "null"]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": ["string", "number", "null"],
                                                       "pattern": QUANTITY_PATTERN},
}
"""Definitions kubelint replaces (see :func:`definitions`)."""


def _add_enums(name: str, definition: Any) -> None:
    """Give definition ``name`` the enums of :data:`ENUMS` its schema only describes."""
    for (owner, field), values in ENUMS.items():
        prop = definition.get("properties", {}).get(field) if owner == name and isinstance(definition, dict) else None
        if isinstance(prop, dict) and "enum" not in prop:
            prop["enum"] = [*values, None]


_START = b'{\n  "$defs": {\n    "'
_ENTRY = b'\n    "'
"""How ``_definitions.json`` starts, and where each next definition starts, as the package writes it: with
two-space indents a line of four spaces and a quote holds a key of ``$defs`` (deeper keys are indented further;
JSON strings hold no newline)."""


@cache
def _definition_texts(version: str) -> dict[str, bytes] | None:
    """Each definition's text (see :func:`cut_definitions`) in ``_definitions.json``, or None when the file is
    not laid out as expected (then it is parsed whole)."""
    with open(os.path.join(_folder(version), "_definitions.json"), "rb") as handle:
        return cut_definitions(handle.read())


def cut_definitions(text: bytes) -> dict[str, bytes] | None:
    """``{"$defs": {name: {...}, ...}, ...}`` written with two-space indents -> name -> ``name": {...}`` (the
    text from the name to the next definition); None for another layout. :func:`definition` checks each text
    it parses."""
    end = text.find(b"\n  }")  # the first line of two spaces and a brace closes $defs
    if not text.startswith(_START) or end == -1:
        return None
    texts = text[len(_START):end].split(_ENTRY)
    names = b"\n".join([entry[:entry.find(b'"')] for entry in texts])
    try:
        keys = names.decode().split("\n")
    except ValueError:
        return None
    if b"\\" in names or len(keys) != len(texts):
        return None  # an escaped key, or not a key at all
    return dict(zip(keys, texts, strict=True))


@cache
def definition(version: str, name: str) -> Any:
    """Definition ``name`` of a version as :func:`definitions` holds it (KeyError when there is none), parsed
    alone: a kind reaches a seventh of the 2 MB file, and parsing all of it was most of a one-file lint's schema
    check."""
    if name in REWRITTEN:
        return dict(REWRITTEN[name])
    texts = _definition_texts(version)
    if texts is not None:
        text = texts[name]  # KeyError: no such definition
        key = f'{name}": {{\n'.encode()
        if text.startswith(key):
            try:
                found = json.loads(text[len(key) - 2:].rstrip().removesuffix(b","))
            except ValueError:
                pass  # not the layout it seemed: read the whole file
            else:
                _add_enums(name, found)
                return found
    return definitions(version).get("$defs", {})[name]


@cache
def kind_schema(version: str, group: str, api_version: str, kind: str) -> dict[str, Any] | None:
    """The schema of a built-in kind at a Kubernetes version, or None when that version has none (cached)."""
    path = os.path.join(_folder(version), file_name(group, api_version, kind))
    try:
        with open(path, encoding="utf-8") as handle:
            schema: dict[str, Any] = json.load(handle)
    except (OSError, ValueError):
        return None
    # the file name keeps only the first label of the group: make sure it is the group asked for
    kinds = schema.get("x-kubernetes-group-version-kind") or []
    if not any(isinstance(entry, dict) and entry.get("group", "") == group and entry.get("kind") == kind
               and entry.get("version") == api_version for entry in kinds):
        return None
    return schema


@cache
def kinds_of(version: str) -> frozenset[str]:
    """The schema file names of a version (cheap: one directory listing)."""
    try:
        return frozenset(os.listdir(_folder(version)))
    except OSError:
        return frozenset()


def served_in(group: str, api_version: str, kind: str) -> list[str]:
    """The shipped Kubernetes minors that have a schema for this kind and apiVersion."""
    name = file_name(group, api_version, kind)
    return [version for version in available_versions() if name in kinds_of(version)]


def kind_names(version: str) -> dict[str, str]:
    """Lowercased kind -> file names of a version's kinds (to suggest a kind for a typo)."""
    found: dict[str, str] = {}
    for name in kinds_of(version):
        if name.endswith(".json") and not name.startswith("_"):
            found.setdefault(name.split("-", 1)[0], name)
    return found


def closure(schema: dict[str, Any], version: str) -> dict[str, Any]:
    """The definitions a schema reaches through ``$ref`` (transitively), by name."""
    found: dict[str, Any] = {}
    for name in _refs(schema):
        for reached in _reach(version, name):
            found[reached] = definition(version, reached)
    return found


@cache
def _reach(version: str, name: str) -> tuple[str, ...]:
    """The definition ``name`` and every definition it reaches (cached per name)."""
    seen: dict[str, None] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        try:
            found = definition(version, current)
        except KeyError:
            continue
        seen[current] = None
        pending.extend(_refs(found))
    return tuple(seen)


def _refs(schema: Any) -> list[str]:
    """The definition names a schema refers to directly (``#/$defs/NAME``)."""
    names: list[str] = []
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and "#/$defs/" in value:
                    names.append(value.rsplit("/", 1)[-1])
                elif isinstance(value, (dict, list)):
                    pending.append(value)
        elif isinstance(node, list):
            pending.extend(item for item in node if isinstance(item, (dict, list)))
    return names
