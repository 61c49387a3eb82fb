"""Pods the tree does not show: evidence that pods created at run time may carry the labels a selector asks for.

Operators create pods that no manifest of the tree describes (Rook's mon and osd pods from a CephCluster, the
pods of a Kafka cluster from a Kafka object, a CSI driver's DaemonSet from its deployer). A selector that
matches no pod of the tree may be meant for such pods; it is only reported when the tree carries no evidence
of them. The evidence, in the order it is looked for:

1. **A file the tree could not read as objects** (an unrendered template, broken YAML) mentions every
   ``key: value`` the selector requires.
2. **An operator kind of the workload table whose objects the namespace does not show**: the selector asks
   for the labels its operator gives every pod (``prometheus: <name>``) with some object name; the object may
   be applied from elsewhere. When the namespace does show objects of that kind, they are the ones meant.
3. **A custom resource of the namespace** (a kind whose pods kubelint does not know) whose name is the value
   of an operator-style key (not ``app``, ``name``, ``app.kubernetes.io/*`` ...: ``rook_cluster: rook-ceph``
   and CephCluster rook-ceph, ``strimzi.io/cluster: events`` and Kafka events), or whose API group lies in the
   domain of a required label key.
4. **A CustomResourceDefinition of the tree** whose API group lies in the domain of a required label key
   (``kafka.strimzi.io`` and ``strimzi.io/cluster``): its operator labels the pods it creates under its domain.
5. **A workload allowed to create pods in the namespace**: its ServiceAccount is bound (RoleBinding in that
   namespace, or ClusterRoleBinding) to a Role or ClusterRole that may ``create`` pods or pod controllers
   (``pods``, ``deployments``, ``statefulsets``, ``daemonsets``, ``replicasets``, ``jobs``, ...; ``*``
   counts; the default ``cluster-admin``, ``admin`` and ``edit`` ClusterRoles too). Such a controller names
   and labels its pods after itself, so the evidence is scoped: it counts only for a selector one of whose
   values starts with the controller's own distinctive word (``rook`` for Deployment rook-ceph-operator, from
   its name, its ServiceAccount's or its app labels). A controller with wildcard permissions everywhere (Argo
   CD, Flux) thereby vouches only for ``argocd-*`` or ``flux-*`` pods, not for every selector of the tree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import ResourceGraph, build_graph
from kubelint.analysis.rbac import build_rbac, service_accounts_of
from kubelint.findings import Location
from kubelint.model.resource import Resource, mapping, sequence, text
from kubelint.model.selectors import EXISTS, IN, Requirement, Selector
from kubelint.model.workloads import WorkloadKind
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree


POD_MAKING: dict[str, frozenset[str]] = {
    "": frozenset({"pods", "replicationcontrollers"}),
    "apps": frozenset({"deployments", "replicasets", "statefulsets", "daemonsets"}),
    "extensions": frozenset({"deployments", "replicasets", "daemonsets"}),
    "batch": frozenset({"jobs", "cronjobs"}),
    "apps.openshift.io": frozenset({"deploymentconfigs"}),
}
"""Per API group, the resources whose ``create`` makes pods (directly, or through the object's controller)."""

DEFAULT_CREATOR_ROLES = frozenset({"cluster-admin", "admin", "edit"})
"""ClusterRoles every cluster has that may create pods: a binding to them needs no definition in the tree."""

COMMON_KEYS = frozenset({
    "app", "name", "component", "tier", "role", "version", "k8s-app", "run", "release", "instance", "env",
    "environment", "team", "type", "service",
})
"""Label keys every chart and example uses for its own pods: a value there is no operator's instance name."""

GENERIC_WORDS = frozenset({
    "app", "apps", "the", "and", "my", "kube", "k8s", "default", "system", "test", "demo", "example", "sample",
    "main", "web", "api", "server", "service", "svc", "controller", "operator", "manager", "worker", "node",
    "data", "db", "http", "https", "grpc", "true", "false", "prod", "production", "dev", "staging", "frontend",
    "backend", "proxy", "agent", "cluster", "sidecar", "monitoring", "metrics",
})
"""Words too common to tie a selector to one controller (``web-api`` is nobody's own name)."""

NAME_LIKE_LABELS = ("app", "app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/instance",
                    "k8s-app", "name", "operator")
"""Pod labels that name the workload: their values join its name and ServiceAccount as its own words."""

_WORD = re.compile(r"[-_./:]+")

MAX_NAMES = 16
"""How many values of one ``In`` requirement are tried as an operator object's name (bounds a hostile selector)."""


def distinctive_word(value: str) -> str | None:
    """The first word of a name that is neither generic nor short (``rook`` in ``rook-ceph-mgr``)."""
    for word in _WORD.split(value.lower()):
        if len(word) >= 3 and not word.isdigit() and word not in GENERIC_WORDS:
            return word
    return None


def _domain(key: str) -> str | None:
    """The domain of a label key (``strimzi.io`` in ``strimzi.io/cluster``), None for built-in domains."""
    prefix, slash, _ = key.partition("/")
    if not slash or "." not in prefix or prefix.endswith(("kubernetes.io", "k8s.io")):
        return None
    return prefix


def _suffixes(group: str) -> list[str]:
    """A group and the domains it lies in, of two labels or more: ``kafka.strimzi.io``, ``strimzi.io``."""
    parts = group.split(".")
    return [".".join(parts[index:]) for index in range(len(parts) - 1)]


def _positive(selector: Selector) -> list[Requirement]:
    return [r for r in selector.requirements if r.operator in (IN, EXISTS)]


@record(frozen=True)
class Evidence:
    """Why pods the tree does not show may match a selector."""

    reason: str
    location: Location | None = None
    """The object that is the evidence, when it is one."""


@record(frozen=True)
class Creator:
    """A workload allowed to create pods, and the binding that allows it."""

    workload: Resource
    service_account: str
    binding: Resource


class UnseenPods:
    """The evidence of one tree, indexed so that each selector's lookup costs O(its requirements)."""

    def __init__(self, tree: Tree, graph: ResourceGraph) -> None:
        self.tree = tree
        self.graph = graph
        self._custom_by_name: dict[tuple[str | None, str], Resource] = {}
        self._custom_by_domain: dict[tuple[str | None, str], Resource] = {}
        self._crd_by_domain: dict[str, Resource] = {}
        self._creators: dict[tuple[str | None, str], Creator] = {}
        """(namespace, word) -> a creator; namespace None: allowed in every namespace."""
        self._operator_kinds = [entry for entry in tree.workloads.values() if entry.labels is not None]
        self._index_custom()
        self._index_creators()

    # lookup ---------------------------------------------------------------------------------------

    def evidence(self, namespace: str | None, selector: Selector) -> Evidence | None:
        """Why pods the tree does not show may carry the labels ``selector`` requires in ``namespace``, or None."""
        if selector.selects_nothing or not selector.requirements:
            return None
        mention = self.graph.unread_mention(selector)
        if mention is not None:
            return Evidence(f"{mention} could not be read as objects and mentions these labels: the pods may be "
                            "defined there")
        wanted = _positive(selector)
        if not wanted:
            return None
        for entry in self._operator_kinds:
            name = _operator_name(entry, selector)
            if name is not None and not self.graph.has_kind(entry.kind, namespace):
                return Evidence(f"the operator of {entry.kind} ({entry.group}) gives these labels to the pods of "
                                f"a {entry.kind} named {name}, which may be applied from elsewhere")
        return (self._custom_evidence(namespace, wanted) or self._crd_evidence(wanted)
                or self._creator_evidence(namespace, wanted))

    def _custom_evidence(self, namespace: str | None, wanted: list[Requirement]) -> Evidence | None:
        for requirement in wanted:
            if requirement.key not in COMMON_KEYS and not requirement.key.startswith("app.kubernetes.io/"):
                for value in sorted(requirement.values):
                    found = self._custom_by_name.get((namespace, value))
                    if found is not None:
                        return Evidence(f"{found.kind} {found.name} ({found.ref.group}) is named in label "
                                        f"{requirement.key}: its operator may create pods labelled so",
                                        found.where((), f"{found.kind} {found.name}"))
            domain = _domain(requirement.key)
            found = self._custom_by_domain.get((namespace, domain)) if domain else None
            if found is not None:
                return Evidence(f"{found.kind} {found.name} belongs to API group {found.ref.group}, in the domain "
                                f"of label {requirement.key}: its operator may create pods labelled so",
                                found.where((), f"{found.kind} {found.name}"))
        return None

    def _crd_evidence(self, wanted: list[Requirement]) -> Evidence | None:
        for requirement in wanted:
            domain = _domain(requirement.key)
            found = self._crd_by_domain.get(domain) if domain else None
            if found is not None:
                group = text(found.spec.get("group")) or ""
                return Evidence(f"CustomResourceDefinition {found.name} defines API group {group}, in the domain of "
                                f"label {requirement.key}: its operator may create pods labelled so",
                                found.where((), "the CustomResourceDefinition"))
        return None

    def _creator_evidence(self, namespace: str | None, wanted: list[Requirement]) -> Evidence | None:
        if not self._creators:
            return None
        for requirement in wanted:
            for value in sorted(requirement.values) or [requirement.key]:
                word = distinctive_word(value)
                if word is None:
                    continue
                creator = self._creators.get((namespace, word)) or self._creators.get((None, word))
                if creator is not None:
                    workload, binding = creator.workload, creator.binding
                    scope = f"namespace {namespace}" if binding.kind == "RoleBinding" else "every namespace"
                    return Evidence(f"{workload.kind} {workload.name} may create pods in {scope}: {binding.kind} "
                                    f"{binding.name} lets its ServiceAccount {creator.service_account} do so; "
                                    f"{requirement.key}={value} is named after it ({word})",
                                    binding.where((), f"{binding.kind} {binding.name}"))
        return None

    # building -------------------------------------------------------------------------------------

    def _index_custom(self) -> None:
        table = self.tree.workloads
        for resource in self.tree.by_ref.values():
            group = resource.ref.group
            if resource.kind == "CustomResourceDefinition" and group == "apiextensions.k8s.io":
                crd_group = text(resource.spec.get("group")) or ""
                for domain in _suffixes(crd_group):
                    self._crd_by_domain.setdefault(domain, resource)
                continue
            if (resource.namespace is None or "." not in group or group.endswith(".k8s.io")
                    or (group, resource.kind) in table or resource.pod_template is not None):
                continue
            self._custom_by_name.setdefault((resource.namespace, resource.name), resource)
            for domain in _suffixes(group):
                self._custom_by_domain.setdefault((resource.namespace, domain), resource)

    def _index_creators(self) -> None:
        allowed = self._allowed_service_accounts()
        if not allowed:
            return
        for group in self.graph.pods:
            workload = group.resource
            template = workload.pod_template
            if template is None:
                continue
            account = template.service_account
            scopes = allowed.get((workload.namespace, account), {})
            if not scopes:
                continue
            words = {distinctive_word(name) for name in (workload.name, account,
                                                         *(template.labels.get(key, "") for key in NAME_LIKE_LABELS))}
            for scope, binding in scopes.items():
                for word in words - {None}:
                    assert word is not None
                    self._creators.setdefault((scope, word), Creator(workload, account, binding))

    def _allowed_service_accounts(self) -> dict[tuple[str | None, str], dict[str | None, Resource]]:
        """(namespace, ServiceAccount) -> {namespace it may create pods in (None: all): the binding}."""
        found: dict[tuple[str | None, str], dict[str | None, Resource]] = {}
        for grant in build_rbac(self.tree).grants:
            if grant.role is None and not (grant.kind == "ClusterRole" and grant.name in DEFAULT_CREATOR_ROLES):
                continue
            if grant.role is not None and not creates_pods(grant.role.raw.get("rules")):
                continue
            for account in service_accounts_of(grant.binding):
                found.setdefault(account, {}).setdefault(grant.scope, grant.binding)
        return found


def creates_pods(rules: Any) -> bool:
    """Whether RBAC rules allow ``create`` on pods or on a kind whose controller makes pods (``*`` counts)."""
    for raw in sequence(rules):
        rule = mapping(raw)
        verbs, groups, resources = (_strings(rule.get(key)) for key in ("verbs", "apiGroups", "resources"))
        if not verbs & {"create", "*"}:
            continue
        for group in (POD_MAKING if "*" in groups else groups & POD_MAKING.keys()):
            if "*" in resources or resources & POD_MAKING[group]:
                return True
    return False


def _strings(value: Any) -> set[str]:
    return {item for item in sequence(value) if isinstance(item, str)}


def _operator_name(entry: WorkloadKind, selector: Selector) -> str | None:
    """The object name for which the pods of an operator kind would meet the selector, or None.

    The selector must ask for a label whose value is the object's name (``prometheus: <name>``, not one of the
    ``app.kubernetes.io/*`` keys every chart uses); requirements on other keys the operator sets must hold, and
    requirements on keys it does not set may be met by the labels written in the object (``podMetadata``)."""
    named = [key for key, value in entry.added.items()
             if value == "{name}" and not key.startswith("app.kubernetes.io/")]
    for requirement in selector.requirements:
        if requirement.key not in named or requirement.operator is not IN:
            continue
        for name in sorted(requirement.values)[:MAX_NAMES]:
            known, open_keys = entry.added_labels(name)
            if all(r.matches(known, open_keys) for r in selector.requirements if r.key in entry.added):
                return name
    return None


@analysis_of("unseen-pods")
def build_unseen(tree: Tree) -> UnseenPods:
    """The evidence of pods the tree does not show, built once per tree on first use."""
    return UnseenPods(tree, build_graph(tree))


def evidence_of(tree: Tree, namespace: str | None, selector: Selector) -> Evidence | None:
    """Why pods the tree does not show may match ``selector`` in ``namespace``, or None."""
    return build_unseen(tree).evidence(namespace, selector)

