"""Usage: which ConfigMaps, Secrets, ServiceAccounts, Roles and ClusterRoles of a tree something in it uses.

An object is **used** when:

- an edge of the resource graph reaches it: a pod reads a ConfigMap or Secret (env, envFrom, volumes, projected
  volumes, image pull Secrets, optional ones too), runs as a ServiceAccount, an Ingress terminates TLS with a
  Secret, a ServiceAccount names image pull Secrets, a binding binds a role or grants it to a ServiceAccount;
- any other object of the tree names it in a string (an operator's custom resource, a controller's
  ``--configmap=$(POD_NAMESPACE)/name`` flag, an annotation such as ``nginx.ingress.kubernetes.io/auth-secret``,
  a webhook's or APIService's, a StorageClass's secret parameters, a Gateway's certificateRefs, a script in a
  ConfigMap): names, labels and selectors of other objects do not count, everything else does;
- a file the tree could not read as objects (an unrendered template) mentions it;
- a label key of it is named by another object (a sidecar that collects ConfigMaps by label, Grafana's
  ``grafana_dashboard``), or a custom resource's label selector matches it;
- a role aggregates into another (``aggregate-to-*`` labels, or an ``aggregationRule`` of the tree selects it).

An object the tree cannot decide about is **held** (the rule says nothing; ``-v`` lists why):

- anything in ``kube-system``, ``kube-public``, ``kube-node-lease`` and OpenShift's namespaces (the platform reads
  them);
- a ConfigMap, Secret or ServiceAccount that an RBAC rule of the tree lets a ServiceAccount read through the API
  (``get``, ``list``, ``watch``) by name, or all objects of its kind in its namespace or cluster-wide: the
  program decides at run time what it reads (Argo CD's ``argocd-cm``, leader election locks);
- Secrets whose type names their consumer (service account tokens, TLS Secrets that ingress controllers and
  meshes read by name, image pull Secrets that are often attached to the ``default`` ServiceAccount outside the
  tree, bootstrap tokens, Helm release records): only ``Opaque``, ``basic-auth`` and ``ssh-auth`` Secrets are
  decided;
- a ConfigMap that is a leader-election lock, the ConfigMaps the platform publishes in every namespace, the
  ``default`` ServiceAccount;
- a ClusterRole with an ``aggregationRule`` (it is meant to be bound by users) or whose name starts with
  ``system:``, and any other ClusterRole that no ServiceAccount of the tree is named after: ClusterRoles are
  meant to be bound from anywhere (another unit, another repository, a cluster administrator for users).

Everything else is **unused**. Building costs one pass over the graph's edges, one over the RBAC rules, and one
over the strings of the tree's objects (each tokenised once), so it is linear in the size of the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import BINDS, GRANTS, RBAC_GROUP, UNREAD_PROBLEMS, USES, build_graph
from kubelint.analysis.rbac import build_rbac, service_accounts_of
from kubelint.analysis.references import ALWAYS_IN_EVERY_NAMESPACE, BUILTIN_NAMESPACES
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, text
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

KINDS: dict[str, tuple[str, str]] = {
    "ConfigMap": ("", "configmaps"), "Secret": ("", "secrets"), "ServiceAccount": ("", "serviceaccounts"),
    "Role": (RBAC_GROUP, "roles"), "ClusterRole": (RBAC_GROUP, "clusterroles"),
}
"""The kinds whose usage is decided, with their API group and resource."""

DECIDED_SECRET_TYPES = frozenset({"Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth"})
"""Secret types whose consumers the tree shows: any other type names a consumer that reads it by name."""

READ_VERBS = frozenset({"get", "list", "watch", "*"})

DEFAULT_READERS: dict[str, frozenset[str]] = {
    "cluster-admin": frozenset({"configmaps", "secrets", "serviceaccounts"}),
    "admin": frozenset({"configmaps", "secrets", "serviceaccounts"}),
    "edit": frozenset({"configmaps", "secrets", "serviceaccounts"}),
    "view": frozenset({"configmaps", "serviceaccounts"}),
}
"""What the default ClusterRoles let their subjects read."""

LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"

COMMON_LABEL_KEYS = frozenset({"app", "name", "component", "version", "tier", "release", "chart", "heritage",
                               "k8s-app", "role", "instance", "part-of", "managed-by", "team", "env"})
"""Label keys every chart writes: another object naming one of them does not select this object."""

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
"""Runs of the characters object names are made of (and ``:``, in role names), split at anything else (``/``,
``=``, spaces, quotes, ``$(``); linear: one unbounded repeat."""

_SKIPPED_METADATA = frozenset({"name", "namespace", "labels", "uid", "resourceVersion", "generation",
                               "creationTimestamp", "managedFields", "ownerReferences", "generateName"})
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_NAME_ONLY_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers", "ports", "volumes",
                              "volumeMounts", "volumeDevices", "env"})
"""Lists whose entries' ``name`` names the entry itself (a container, port, volume, variable), not an object."""
_SKIPPED_KEYS = frozenset({"labels", "matchLabels", "image"})

MAX_SCANNED = 1 << 20
"""Characters of one string that are searched for names (a longer value is cut)."""


@record(frozen=True)
class Usage:
    """What the tree says about one object's use."""

    state: str
    """``used``, ``held`` or ``unused``."""
    reason: str = ""


class Usages:
    """Usage of every ConfigMap, Secret, ServiceAccount, Role and ClusterRole of one tree."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.graph = build_graph(tree)
        self._referenced: dict[ObjectRef, str] = {}
        """Objects a graph edge reaches, with how."""
        self._readers: dict[tuple[str, str | None], str] = {}
        """(resource, namespace or None: every namespace) -> the RBAC object that lets a ServiceAccount read all
        objects of that resource there."""
        self._read_by_name: dict[tuple[str, str | None, str], str] = {}
        """(resource, namespace or None, name) -> the RBAC object that lets a ServiceAccount read it by name."""
        self._service_accounts: set[str] = set()
        self.usage: dict[ObjectRef, Usage] = {}
        self._index_edges()
        self._index_rbac()
        self._decide()

    # queries ---------------------------------------------------------------------------------------------------

    def of(self, ref: ObjectRef) -> Usage | None:
        """The usage of an object of the tree (None: not a kind whose usage is decided)."""
        return self.usage.get(ref)

    def named_after(self, role: str) -> str | None:
        """The ServiceAccount of the tree a ClusterRole is named after (``my-operator``, ``my-operator-role``)."""
        for account in sorted(self._service_accounts):
            if role == account or role.startswith(account + "-"):
                return account
        return None

    def unused(self, kind: str, namespace: str | None) -> list[Resource]:
        """The unused objects of a kind in a namespace."""
        found = []
        for ref, usage in self.usage.items():
            if usage.state == "unused" and ref.kind == kind and ref.namespace == namespace:
                resource = self.tree.by_ref.get(ref)
                if resource is not None:
                    found.append(resource)
        return found

    # building --------------------------------------------------------------------------------------------------

    def _index_edges(self) -> None:
        graph = self.graph
        for edge in graph.edges():
            if edge.relation not in (USES, BINDS, GRANTS):
                continue
            source = graph.resource(edge.source)
            if source is None:
                continue
            via = edge.data.get("via") or ("roleRef" if edge.relation == BINDS else "subjects")
            self._referenced.setdefault(edge.target, f"{source.kind} {source.name} names it ({via})")

    def _index_rbac(self) -> None:
        for resource in self.tree.by_ref.values():
            if resource.ref.group == "" and resource.kind == "ServiceAccount":
                self._service_accounts.add(resource.name)
        rbac = build_rbac(self.tree)
        bound: set[tuple[str, str | None, str]] = set()
        for grant in rbac.grants:
            binding, kind, name, scope = grant.binding, grant.kind, grant.name, grant.scope
            if not any(service_accounts_of(binding)):
                continue
            bound.add((kind, binding.namespace if kind == "Role" else None, name))
            label = f"{binding.kind} {binding.name}"
            if grant.role is not None:
                self._add_readers(grant.role.raw.get("rules"), scope, f"{label} (to {kind} {name})")
            elif kind == "ClusterRole" and name in DEFAULT_READERS:
                for plural in DEFAULT_READERS[name]:
                    self._readers.setdefault((plural, scope), f"{label} (to ClusterRole {name})")
        for (kind, namespace, name), role in rbac.roles.items():
            if (kind, namespace, name) in bound:
                continue
            # a role the tree does not bind may be bound elsewhere: its reads count where it could apply
            self._add_readers(role.raw.get("rules"), namespace, f"{kind} {name} (if bound)")

    def _add_readers(self, rules: Any, scope: str | None, label: str) -> None:
        for raw in sequence(rules):
            rule = mapping(raw)
            verbs, groups, resources = (_strings(rule.get(key)) for key in ("verbs", "apiGroups", "resources"))
            if not verbs & READ_VERBS or not groups & {"", "*"}:
                continue
            names = _strings(rule.get("resourceNames"))
            for plural in ("configmaps", "secrets", "serviceaccounts"):
                if plural not in resources and "*" not in resources:
                    continue
                if names:
                    for name in names:
                        self._read_by_name.setdefault((plural, scope, name), label)
                else:
                    self._readers.setdefault((plural, scope), label)

    def _decide(self) -> None:
        candidates: dict[ObjectRef, Resource] = {}
        for ref, resource in self.tree.by_ref.items():
            if KINDS.get(ref.kind, ("?",))[0] != ref.group:
                continue
            if not self.tree.is_member(resource):
                continue
            reason = self._referenced.get(ref)
            if reason:
                self.usage[ref] = Usage("used", reason)
                continue
            if ref.kind == "ClusterRole" and any("aggregate-to-" in key for key in resource.labels):
                self.usage[ref] = Usage("used", "aggregated into another ClusterRole (aggregate-to-* label)")
                continue
            held = self._held(resource)
            if held:
                self.usage[ref] = Usage("held", held)
                continue
            candidates[ref] = resource
        if not candidates:
            return
        mentions = self._mentions(candidates)
        for ref in candidates:
            reason = mentions.get(ref)
            self.usage[ref] = Usage("used", reason) if reason else Usage("unused")

    def _held(self, resource: Resource) -> str:
        kind, namespace, name = resource.kind, resource.namespace, resource.name
        if namespace is not None and (namespace in BUILTIN_NAMESPACES - {"default"} or namespace == "openshift"
                                      or namespace.startswith("openshift-")):
            return f"the platform reads objects of namespace {namespace}"
        if kind == "ServiceAccount" and name == "default":
            return "every namespace has the default ServiceAccount"
        if kind == "ConfigMap":
            if ("ConfigMap", name) in ALWAYS_IN_EVERY_NAMESPACE:
                return "the platform publishes it in every namespace"
            if LEADER_ANNOTATION in resource.annotations:
                return "a leader-election lock"
        if kind == "Secret":
            secret_type = text(resource.raw.get("type")) or "Opaque"
            if ("kubernetes.io/service-account.name" in resource.annotations
                    or secret_type == "kubernetes.io/service-account-token"):
                return "a token Secret of a ServiceAccount"
            if secret_type not in DECIDED_SECRET_TYPES:
                return f"a Secret of type {secret_type} is read by name by its consumer, which the tree may not show"
        if kind == "ClusterRole":
            if "aggregationRule" in resource.raw:
                return "an aggregated ClusterRole: meant to be bound by users"
            if name.startswith("system:"):
                return "a system ClusterRole"
            if self.named_after(name) is None:
                return ("ClusterRoles are meant to be bound from anywhere (another unit or repository, an "
                        "administrator for users), and no ServiceAccount of the tree is named after it")
        plural = KINDS[kind][1]
        for scope in (namespace, None):
            reader = self._read_by_name.get((plural, scope, name))
            if reader:
                return f"RBAC lets a ServiceAccount read it by name: {reader}"
            reader = self._readers.get((plural, scope))
            if reader:
                where = f"namespace {namespace}" if scope is not None else "every namespace"
                return f"RBAC lets a ServiceAccount read the {plural} of {where}: {reader}"
        return ""

    def _mentions(self, candidates: Mapping[ObjectRef, Resource]) -> dict[ObjectRef, str]:
        """For each candidate another object (or an unread file) names, who names it."""
        names: dict[str, list[ObjectRef]] = {}
        label_keys: dict[str, list[ObjectRef]] = {}
        by_label: dict[tuple[str, str], list[ObjectRef]] = {}
        for ref, resource in candidates.items():
            names.setdefault(ref.name, []).append(ref)
            for pair in resource.labels.items():
                by_label.setdefault(pair, []).append(ref)
            for key in resource.labels:
                short = key.rsplit("/", 1)[-1]
                if short not in COMMON_LABEL_KEYS and not key.startswith(("app.kubernetes.io/", "helm.sh/")):
                    label_keys.setdefault(key, []).append(ref)
        found: dict[ObjectRef, str] = {}
        for resource in self.tree.resources:
            own = resource.ref
            custom = "." in resource.ref.group and not resource.ref.group.endswith(".k8s.io")
            for value in _strings_of(resource.raw):
                for ref in label_keys.get(value, ()):
                    if ref != own:
                        found.setdefault(ref, f"{resource.kind} {resource.name} names its label {value}")
                for token in _tokens(value):
                    for ref in names.get(token, ()):
                        if ref != own:
                            found.setdefault(ref, f"{resource.kind} {resource.name} names it")
                    for ref in label_keys.get(token, ()):
                        if ref != own:
                            found.setdefault(ref, f"{resource.kind} {resource.name} names its label {token}")
            if custom:
                for selector in _selectors(resource.raw):
                    if not selector:
                        continue
                    for ref in by_label.get(next(iter(selector.items())), ()):
                        labels = candidates[ref].labels
                        if ref not in found and all(labels.get(k) == v for k, v in selector.items()):
                            found[ref] = f"{resource.kind} {resource.name} selects it by label"
        unread = [source for source in self.tree.sources
                  if source.text and any(problem.code in UNREAD_PROBLEMS for problem in source.problems)]
        for source in unread:
            tokens = set(_tokens(source.text[:MAX_SCANNED * 8]))
            for name, refs in names.items():
                if name in tokens:
                    for ref in refs:
                        found.setdefault(ref, f"{source.display} (not readable as objects) mentions it")
        return found


def _tokens(value: str) -> Iterator[str]:
    """The name-like words of a string, and their parts between ``.`` and ``:``."""
    for match in _TOKEN.finditer(value, 0, MAX_SCANNED):
        token = match.group()
        yield token
        if "." in token or ":" in token:
            yield from (part for part in re.split(r"[.:]", token) if part)


def _strings_of(raw: Mapping[str, Any]) -> Iterator[str]:
    """Every string value of an object that may name another object. Left out: the object's own identity and
    labels, label maps and selectors' ``matchLabels``, images, the ``name`` of containers, ports, volumes,
    volume mounts and environment variables, mapping keys, and the last applied configuration annotation."""
    stack: list[tuple[Any, str]] = []
    for key, value in raw.items():
        if key == "metadata":
            annotations = mapping(mapping(value).get("annotations"))
            stack.extend((item, "") for name, item in annotations.items() if name != _LAST_APPLIED)
        else:
            stack.append((value, str(key)))
    while stack:
        value, parent = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            named_here = parent in _NAME_ONLY_LISTS
            for key, item in value.items():
                if key in _SKIPPED_KEYS or (key == "name" and named_here):
                    continue
                if key == "metadata" and isinstance(item, dict):
                    item = {k: v for k, v in item.items() if k not in _SKIPPED_METADATA}
                stack.append((item, str(key)))
        elif isinstance(value, list):
            stack.extend((item, parent) for item in value)


def _selectors(raw: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """The ``matchLabels`` of a custom resource's label selectors (``ruleSelector``, ``configMapSelector``,
    ...)."""
    stack: list[Any] = [raw.get("spec")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "matchLabels" and isinstance(item, dict):
                    yield {str(k): str(v) for k, v in item.items()}
                else:
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)


def _strings(value: Any) -> set[str]:
    return {item for item in sequence(value) if isinstance(item, str)}


@analysis_of("usage")
def build_usage(tree: Tree) -> Usages:
    """Usage of a tree's ConfigMaps, Secrets, ServiceAccounts and roles, built once per tree on first use."""
    return Usages(tree)
