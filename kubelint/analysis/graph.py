"""The resource graph: typed edges between the objects of a tree, built once per run.

Nodes are :class:`~kubelint.model.ObjectRef`s; a node whose object is not in the tree (a dangling
reference) has ``resource=None``. Edges carry a ``relation`` and the ``path`` inside the source
object where the reference is written:

- Service ``selects`` workload (``group``: the selected :class:`~kubelint.model.selectors.PodGroup`)
- Ingress ``routes`` Service (``port``, ``port_path``: the backend port as written)
- HorizontalPodAutoscaler ``scales`` workload
- PodDisruptionBudget ``protects`` workload
- StatefulSet ``governed-by`` Service
- workload ``uses`` ServiceAccount / ConfigMap / Secret / PersistentVolumeClaim / PriorityClass / RuntimeClass
  (``optional``, ``via``, ``keys``: the ConfigMap or Secret keys it reads); Ingress ``uses`` Secret (TLS) and
  IngressClass; ServiceAccount ``uses`` Secret (image pull); PersistentVolumeClaim and StatefulSet claim templates
  ``use`` StorageClass; BackendTLSPolicy ``uses`` ConfigMap (CA certificates, key ``ca.crt``)
- RoleBinding / ClusterRoleBinding ``binds`` Role / ClusterRole (``roleRef``) and ``grants`` ServiceAccount
  (each subject; ``namespace_given``)

NetworkPolicy edges are left to their own module; :attr:`ResourceGraph.pods` (a
:class:`~kubelint.model.selectors.PodIndex`) is the shared lookup of pods by namespace and label.

Building is linear in the number of objects: pod groups are indexed by label once, and each
selector inspects only the candidates of its most selective requirement.

The checks use the graph as an adjacency store, so it is kept in plain indexes (nodes in order, each
source's edges by target) and linting never imports networkx; :meth:`ResourceGraph.to_networkx` gives a
``networkx.MultiDiGraph`` of the same nodes and edges for views and analyses that want its algorithms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from kubelint.analysis import analysis_of
from kubelint.findings import Path
from kubelint.model.resource import (
    POD_TEMPLATE_PATHS,
    ObjectRef,
    PodTemplate,
    Resource,
    mapping,
    sequence,
    split_api_version,
    string_map,
    text,
)
from kubelint.model.selectors import IN, PodGroup, PodIndex, Selector
from kubelint.model.workloads import CONTROLLER_LABELS, WorkloadKind, template_of
from kubelint.records import record, value_tuple

if TYPE_CHECKING:
    from kubelint.model.tree import Tree
    from kubelint.sources.read import Source

SELECTS = "selects"
ROUTES = "routes"
SCALES = "scales"
PROTECTS = "protects"
GOVERNED_BY = "governed-by"
USES = "uses"
BINDS = "binds"
GRANTS = "grants"
RBAC_GROUP = "rbac.authorization.k8s.io"

ALWAYS_PRESENT: frozenset[tuple[str, str]] = frozenset({
    ("ServiceAccount", "default"),
    ("ConfigMap", "kube-root-ca.crt"),
})
"""Objects Kubernetes creates in every namespace: a reference to them is never dangling."""

INGRESS_GROUPS = frozenset({"networking.k8s.io", "extensions"})
GATEWAY_API_GROUP = "gateway.networking.k8s.io"
POLICY_GROUP = "policy"
AUTOSCALING_GROUP = "autoscaling"

_MOVED_KINDS = frozenset({"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"})
"""Kinds served under ``extensions`` (or ``apps`` betas) before ``apps``: the same objects."""


@value_tuple
class Edge(NamedTuple):
    """One typed edge: ``source`` refers to ``target`` at ``path`` (inside the source object)."""

    source: ObjectRef
    target: ObjectRef
    relation: str
    path: Path
    data: Mapping[str, Any]


@record(frozen=True)
class Backend:
    """An Ingress backend that names a Service."""

    name: str
    path: Path
    """Path of the service name."""
    port: int | str | None
    port_path: Path


@value_tuple
class Reference(NamedTuple):
    """A reference from an object (its pod spec, an Ingress, a ServiceAccount, a claim) to another object."""

    kind: str
    name: str
    path: Path
    optional: bool = False
    via: str = ""
    """What kind of reference: env, envFrom, volume, projected, imagePullSecrets, serviceAccountName, tls,
    storageClassName, ingressClassName, priorityClassName, runtimeClassName."""
    keys: tuple[tuple[str, Path], ...] = ()
    """The keys the reference reads from a ConfigMap or Secret, each with the path where it is written."""
    group: str = ""
    """The API group of the target's kind (``storage.k8s.io`` for a StorageClass)."""
    cluster: bool = False
    """Whether the target is cluster-scoped (a class): then it has no namespace."""

    def target(self, namespace: str | None) -> ObjectRef:
        """The referenced object, for a reference written by an object of ``namespace``."""
        return ObjectRef(self.group, self.kind, None if self.cluster else namespace, self.name)


class ResourceGraph:
    """The graph of one tree, with its pod index and the pod groups each selector selects."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._nodes: dict[ObjectRef, Resource | None] = {}
        """Every node in the order it was added: the tree's objects, then dangling targets."""
        self._out: dict[ObjectRef, dict[ObjectRef, list[Edge]]] = {}
        """Each source's edges, by target in the order each target was first met (networkx's order)."""
        self._by_relation: dict[str | None, list[Edge]] | None = None
        """Every edge (key None) and the edges of each relation in :meth:`edges`' order; made when first asked
        for, dropped when an edge is added."""
        self.pods = PodIndex()
        self.table = tree.workloads
        self.selected: dict[ObjectRef, list[PodGroup]] = {}
        """For each Service and PodDisruptionBudget: the pod groups its selector selects."""
        self._by_name: dict[tuple[str, str | None, str], list[Resource]] = defaultdict(list)
        self._kinds: set[tuple[str, str | None]] = set()
        self._by_kind_name: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        self._unread = [source for source in tree.sources
                        if source.text and any(problem.code in UNREAD_PROBLEMS for problem in source.problems)]
        """Files with text the graph could not read as objects (templates, broken YAML)."""
        self._mention_cache: dict[tuple[tuple[str, str], ...], str | None] = {}
        self._line_pairs: dict[int, frozenset[tuple[str, str]]] = {}

    # queries ---------------------------------------------------------------------------------

    def __contains__(self, ref: object) -> bool:
        """Whether ``ref`` is a node: an object of the tree or the target of an edge."""
        return ref in self._nodes

    def exists(self, ref: ObjectRef) -> bool:
        """Whether a referenced object exists: defined in the tree, or one Kubernetes always creates."""
        return self.resource(ref) is not None or (ref.group == "" and (ref.kind, ref.name) in ALWAYS_PRESENT)

    def resource(self, ref: ObjectRef) -> Resource | None:
        """The object of a node, or None when the tree does not define it."""
        return self._nodes.get(ref)

    def find(self, kind: str, namespace: str | None, name: str, group: str | None = None) -> Resource | None:
        """The object of a kind and name in a namespace; ``group`` None accepts any API group."""
        for resource in self._by_name.get((kind, namespace, name), ()):
            if group is None or _same_group(group, resource.ref.group, kind):
                return resource
        return None

    def definitions(self, kind: str, namespace: str | None, name: str) -> list[Resource]:
        """Every definition of an object of a kind and name in a namespace (any API group; duplicates too)."""
        return list(self._by_name.get((kind, namespace, name), ()))

    def elsewhere(self, kind: str, namespace: str | None, name: str, group: str | None = None) -> list[Resource]:
        """Objects of a kind and name in namespaces other than ``namespace`` (a reference written in the wrong
        namespace); ``group`` None accepts any API group."""
        return [resource for resource in self._by_kind_name.get((kind, name), ())
                if resource.namespace not in (namespace, None)
                and (group is None or _same_group(group, resource.ref.group, kind))]

    def has_kind(self, kind: str, namespace: str | None) -> bool:
        """Whether the tree defines any object of a kind in a namespace."""
        return (kind, namespace) in self._kinds

    def edges(self, relation: str | None = None, source: ObjectRef | None = None) -> Iterator[Edge]:
        """Edges of one relation (all when None), optionally only those leaving ``source``; sources in node
        order, then targets in the order first met, then edges as added."""
        if source is not None:
            return self._edges_from(source, relation)
        if self._by_relation is None:  # a dozen checks each ask for one relation: list them all in one pass
            by_relation: dict[str | None, list[Edge]] = {None: []}
            for start in self._nodes:
                for edge in self._edges_from(start, None):
                    by_relation[None].append(edge)
                    by_relation.setdefault(edge.relation, []).append(edge)
            self._by_relation = by_relation
        return iter(self._by_relation.get(relation, ()))

    def _edges_from(self, source: ObjectRef, relation: str | None) -> Iterator[Edge]:
        for edges in self._out.get(source, {}).values():
            for edge in edges:
                if relation is None or edge.relation == relation:
                    yield edge

    def to_networkx(self) -> Any:
        """The graph as a ``networkx.MultiDiGraph`` (nodes carry ``resource``, edges ``relation``, ``path`` and
        their data), for views and analyses that use networkx's algorithms or exporters."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        for ref, resource in self._nodes.items():
            graph.add_node(ref, resource=resource)
        for key, edge in enumerate(self.edges()):
            graph.add_edge(edge.source, edge.target, key=key, relation=edge.relation, path=edge.path, **edge.data)
        return graph

    def unread_mention(self, selector: Selector) -> str | None:
        """A file of the tree that could not be read as objects (a template, broken YAML) but whose
        text mentions every ``key: value`` the selector requires: the pods may be defined there."""
        wanted = tuple(sorted((r.key, next(iter(r.values))) for r in selector.requirements
                              if r.operator is IN and len(r.values) == 1))
        if not wanted or not self._unread:
            return None
        if wanted not in self._mention_cache:
            self._mention_cache[wanted] = next(
                (source.display for source in self._unread
                 if all(pair in self._pairs(source) for pair in wanted)), None)
        return self._mention_cache[wanted]

    def unread_defines(self, ref: ObjectRef) -> str | None:
        """A file of the tree that could not be read as objects but whose text has ``kind: <kind>``
        and ``name: <name>`` lines: the referenced object may be defined there."""
        if not self._unread:
            return None
        key = (("kind", ref.kind), ("name", ref.name))
        if key not in self._mention_cache:
            self._mention_cache[key] = next(
                (source.display for source in self._unread
                 if key[0] in self._pairs(source) and key[1] in self._pairs(source)), None)
        return self._mention_cache[key]

    def _pairs(self, source: Source) -> frozenset[tuple[str, str]]:
        found = self._line_pairs.get(id(source))
        if found is None:
            found = self._line_pairs[id(source)] = _line_pairs(source.text)
        return found

    def template(self, resource: Resource) -> PodTemplate | None:
        """The pod template of a built-in workload or of a custom kind declared with a template."""
        return template_of(resource, self.table)

    # building --------------------------------------------------------------------------------

    def _node(self, ref: ObjectRef, resource: Resource | None = None) -> None:
        if ref not in self._nodes:
            self._nodes[ref] = resource

    def add_edge(self, source: ObjectRef, target: ObjectRef, relation: str, path: Path, **data: Any) -> None:
        """Add a typed edge (a missing source or target becomes a node without resource); for the analyses
        that add their own relations, such as NetworkPolicy's."""
        self._node(source)
        self._node(target)
        self._by_relation = None
        by_target = self._out.get(source)
        if by_target is None:
            by_target = self._out[source] = {}
        edge = Edge(source, target, relation, path, data)
        found = by_target.get(target)
        if found is None:
            by_target[target] = [edge]
        else:
            found.append(edge)

    def build(self) -> ResourceGraph:
        resources = list(self.tree.by_ref.values())
        # every definition creates pods, even an object defined twice (duplicate-object reports that):
        # which one wins depends on the order of applying, so no selector may count on either alone
        for resource in self.tree.resources:
            self._node(resource.ref, resource)
            self._by_name[(resource.kind, resource.namespace, resource.name)].append(resource)
            self._kinds.add((resource.kind, resource.namespace))
            self._by_kind_name[(resource.kind, resource.name)].append(resource)
            group = pod_group(resource, self.table)
            if group is not None:
                self.pods.add(group)
        for resource in resources:
            ref = resource.ref
            if ref.kind == "Service" and ref.group == "":
                self._service(resource)
            elif ref.kind == "Ingress" and ref.group in INGRESS_GROUPS:
                for backend in ingress_backends(resource):
                    self.add_edge(ref, ObjectRef("", "Service", ref.namespace, backend.name), ROUTES, backend.path,
                               port=backend.port, port_path=backend.port_path)
            elif ref.kind == "HorizontalPodAutoscaler" and ref.group == AUTOSCALING_GROUP:
                self._hpa(resource)
            elif ref.kind == "PodDisruptionBudget" and ref.group == POLICY_GROUP:
                selector = Selector.parse(resource.spec.get("selector"), "PodDisruptionBudget", resource.api_version)
                self._selects(resource, selector, PROTECTS, ("spec", "selector"))
            if ref.kind == "StatefulSet" and ref.group in ("apps", "extensions"):
                service = text(resource.spec.get("serviceName"))
                if service:
                    self.add_edge(ref, ObjectRef("", "Service", ref.namespace, service), GOVERNED_BY,
                               ("spec", "serviceName"))
            for reference in self.references(resource):
                self.add_edge(ref, reference.target(ref.namespace), USES, reference.path,
                              optional=reference.optional, via=reference.via, keys=reference.keys)
            if ref.group == RBAC_GROUP and ref.kind in ("RoleBinding", "ClusterRoleBinding"):
                self._binding(resource)
        return self

    def _service(self, resource: Resource) -> None:
        if resource.spec.get("type") == "ExternalName":
            return
        self._selects(resource, Selector.parse(resource.spec.get("selector"), "Service"), SELECTS,
                      ("spec", "selector"))

    def _selects(self, resource: Resource, selector: Selector, relation: str, path: Path) -> None:
        if selector.problems:
            return
        groups = self.pods.pods_matching(resource.namespace, selector)
        self.selected[resource.ref] = groups
        for group in groups:
            self.add_edge(resource.ref, group.owner, relation, path, group=group)

    def _hpa(self, resource: Resource) -> None:
        target = mapping(resource.spec.get("scaleTargetRef"))
        kind, name = text(target.get("kind")), text(target.get("name"))
        if not kind or not name:
            return
        api_version = text(target.get("apiVersion"))
        group = split_api_version(api_version)[0] if api_version else None
        found = self.find(kind, resource.namespace, name, group)
        ref = found.ref if found is not None else ObjectRef(group or "", kind, resource.namespace, name)
        self.add_edge(resource.ref, ref, SCALES, ("spec", "scaleTargetRef", "name"))

    def references(self, resource: Resource) -> list[Reference]:
        """What an object refers to: its pods' service account, config maps, secrets, claims and classes; an
        Ingress's TLS Secrets and class; a ServiceAccount's image pull Secrets; a claim's storage class."""
        template = self.template(resource)
        found = pod_spec_references(template) if template is not None else []
        group, kind = resource.ref.group, resource.kind
        if template is None:
            entry = self.table.get((group, kind))
            if entry is not None and entry.service_account is not None:
                name = text(resource.get(entry.service_account))
                if name:
                    found.append(Reference("ServiceAccount", name, entry.service_account, via="serviceAccountName"))
        if kind == "StatefulSet" and group in ("apps", "extensions"):
            for index, claim in enumerate(sequence(resource.spec.get("volumeClaimTemplates"))):
                found += claim_references(mapping(mapping(claim).get("spec")),
                                          ("spec", "volumeClaimTemplates", index, "spec"))
        elif kind == "PersistentVolumeClaim" and group == "":
            found += claim_references(resource.spec, ("spec",))
        elif kind == "Ingress" and group in INGRESS_GROUPS:
            found += ingress_references(resource)
        elif kind == "ServiceAccount" and group == "":
            for index, secret in enumerate(sequence(resource.raw.get("imagePullSecrets"))):
                _add(found, "Secret", secret, "name", ("imagePullSecrets", index), "imagePullSecrets")
        elif kind == "BackendTLSPolicy" and group == GATEWAY_API_GROUP:
            found += tls_policy_references(resource)
        return found

    def _binding(self, resource: Resource) -> None:
        """A RoleBinding's or ClusterRoleBinding's edges: ``binds`` its role, ``grants`` each ServiceAccount."""
        role_ref = mapping(resource.raw.get("roleRef"))
        kind, name = text(role_ref.get("kind")), text(role_ref.get("name"))
        if kind in ("Role", "ClusterRole") and name:
            namespace = resource.namespace if kind == "Role" else None
            self.add_edge(resource.ref, ObjectRef(RBAC_GROUP, kind, namespace, name), BINDS, ("roleRef", "name"))
        for index, raw in enumerate(sequence(resource.raw.get("subjects"))):
            subject = mapping(raw)
            if text(subject.get("kind")) != "ServiceAccount" or not text(subject.get("name")):
                continue
            namespace = text(subject.get("namespace")) or resource.namespace
            self.add_edge(resource.ref, ObjectRef("", "ServiceAccount", namespace, subject["name"]), GRANTS,
                          ("subjects", index, "name"), namespace_given=bool(text(subject.get("namespace"))))


UNREAD_PROBLEMS = frozenset({"unrenderable-template", "yaml-syntax"})
"""Reading problems that leave (part of) a file's objects invisible to the graph."""


def _line_pairs(source_text: str) -> frozenset[tuple[str, str]]:
    """The ``key: value`` pairs of a text's block-style lines (``- key: value`` too; quotes and a trailing
    comment dropped), read line by line in linear time."""
    pairs = set()
    for line in source_text.splitlines():
        body = line.lstrip()
        if body.startswith("-"):
            body = body[1:].lstrip()
        key, colon, rest = body.partition(":")
        if not colon:
            continue
        comment = _COMMENT_START.search(rest)
        if comment is not None:
            rest = rest[: comment.start()]
        pairs.add((_unquoted(key.rstrip()), _unquoted(rest.strip())))
    return frozenset(pairs)


_COMMENT_START = re.compile(r"\s#")


def _unquoted(text: str) -> str:
    text = text[1:] if text[:1] in ("'", '"') else text
    return text[:-1] if text[-1:] in ("'", '"') else text


@analysis_of("graph")
def build_graph(tree: Tree) -> ResourceGraph:
    """The resource graph of a tree, built once per tree on first use."""
    return ResourceGraph(tree).build()


def _same_group(wanted: str, actual: str, kind: str) -> bool:
    if wanted == actual:
        return True
    return kind in _MOVED_KINDS and {wanted, actual} <= {"apps", "extensions"}


# pods ------------------------------------------------------------------------------------------


def pod_group(resource: Resource, table: Mapping[tuple[str, str], WorkloadKind]) -> PodGroup | None:
    """The pods an object creates, or None when it creates none (a PodTemplate creates none)."""
    key = (resource.ref.group, resource.kind)
    if key in POD_TEMPLATE_PATHS:
        if resource.kind == "PodTemplate":
            return None
        template = resource.pod_template
        assert template is not None
        added = CONTROLLER_LABELS.get(resource.kind, {})
        builtin = WorkloadKind(resource.ref.group, resource.kind, added=added)
        known, open_keys = builtin.added_labels(resource.name)
        return PodGroup(resource.ref, resource, {**template.labels, **known}, open_keys, template.containers,
                        template.path)
    entry = table.get(key)
    if entry is None:
        return None
    known, open_keys = entry.added_labels(resource.name)
    if entry.template is not None:
        template = template_of(resource, table)
        if template is None:
            return None
        return PodGroup(resource.ref, resource, {**template.labels, **known}, open_keys, template.containers,
                        template.path)
    assert entry.labels is not None
    labels = string_map(resource.get(entry.labels))
    return PodGroup(resource.ref, resource, {**labels, **known}, open_keys, None, entry.labels)


def pod_spec_references(template: PodTemplate) -> list[Reference]:
    """Every reference a pod spec makes to a ServiceAccount, ConfigMap, Secret, claim or class."""
    spec, base = template.spec, template.spec_path
    found: list[Reference] = []
    for field_name in ("serviceAccountName", "serviceAccount"):
        name = text(spec.get(field_name))
        if name:
            found.append(Reference("ServiceAccount", name, (*base, field_name), via="serviceAccountName"))
            break
    for field_name, kind, group in (("priorityClassName", "PriorityClass", "scheduling.k8s.io"),
                                    ("runtimeClassName", "RuntimeClass", "node.k8s.io")):
        name = text(spec.get(field_name))
        if name:
            found.append(Reference(kind, name, (*base, field_name), via=field_name, group=group, cluster=True))
    for index, volume in enumerate(sequence(spec.get("volumes"))):
        volume = mapping(volume)
        path = (*base, "volumes", index)
        _add(found, "ConfigMap", volume.get("configMap"), "name", (*path, "configMap"), "volume")
        _add(found, "Secret", volume.get("secret"), "secretName", (*path, "secret"), "volume")
        claim = mapping(volume.get("persistentVolumeClaim"))
        if text(claim.get("claimName")):
            found.append(Reference("PersistentVolumeClaim", claim["claimName"],
                                   (*path, "persistentVolumeClaim", "claimName"), via="volume"))
        projected = mapping(volume.get("projected"))
        for number, source in enumerate(sequence(projected.get("sources"))):
            source = mapping(source)
            source_path = (*path, "projected", "sources", number)
            _add(found, "ConfigMap", source.get("configMap"), "name", (*source_path, "configMap"), "projected")
            _add(found, "Secret", source.get("secret"), "name", (*source_path, "secret"), "projected")
    for index, secret in enumerate(sequence(spec.get("imagePullSecrets"))):
        _add(found, "Secret", secret, "name", (*base, "imagePullSecrets", index), "imagePullSecrets")
    for container in template.containers:
        raw, path = container.raw, container.path
        for index, variable in enumerate(sequence(raw.get("env"))):
            value_from = mapping(mapping(variable).get("valueFrom"))
            env_path = (*path, "env", index, "valueFrom")
            _add(found, "ConfigMap", value_from.get("configMapKeyRef"), "name", (*env_path, "configMapKeyRef"), "env")
            _add(found, "Secret", value_from.get("secretKeyRef"), "name", (*env_path, "secretKeyRef"), "env")
        for index, source in enumerate(sequence(raw.get("envFrom"))):
            source = mapping(source)
            _add(found, "ConfigMap", source.get("configMapRef"), "name", (*path, "envFrom", index, "configMapRef"),
                 "envFrom")
            _add(found, "Secret", source.get("secretRef"), "name", (*path, "envFrom", index, "secretRef"), "envFrom")
    return found


def claim_references(spec: Mapping[str, Any], path: Path) -> list[Reference]:
    """The StorageClass a claim (or a StatefulSet's claim template) asks for; ``""`` asks for none."""
    name = text(spec.get("storageClassName"))
    if not name:
        return []
    return [Reference("StorageClass", name, (*path, "storageClassName"), via="storageClassName",
                      group="storage.k8s.io", cluster=True)]


def ingress_references(resource: Resource) -> list[Reference]:
    """An Ingress's TLS Secrets (each must hold ``tls.crt`` and ``tls.key``) and its IngressClass."""
    found: list[Reference] = []
    for index, entry in enumerate(sequence(resource.spec.get("tls"))):
        name = text(mapping(entry).get("secretName"))
        if name:
            path: Path = ("spec", "tls", index, "secretName")
            found.append(Reference("Secret", name, path, via="tls", keys=(("tls.crt", path), ("tls.key", path))))
    name = text(resource.spec.get("ingressClassName"))
    if name:
        found.append(Reference("IngressClass", name, ("spec", "ingressClassName"), via="ingressClassName",
                               group="networking.k8s.io", cluster=True))
    return found


def tls_policy_references(resource: Resource) -> list[Reference]:
    """A BackendTLSPolicy's CA certificate ConfigMaps (each must hold ``ca.crt``; other kinds are an
    implementation's own)."""
    found: list[Reference] = []
    validation = mapping(resource.spec.get("validation"))
    for index, raw in enumerate(sequence(validation.get("caCertificateRefs"))):
        raw = mapping(raw)
        name = text(raw.get("name"))
        if name and text(raw.get("group")) == "" and text(raw.get("kind")) == "ConfigMap":
            path: Path = ("spec", "validation", "caCertificateRefs", index, "name")
            found.append(Reference("ConfigMap", name, path, via="caCertificateRefs", keys=(("ca.crt", path),)))
    return found


def _add(found: list[Reference], kind: str, raw: Any, name_field: str, path: Path, via: str) -> None:
    if not isinstance(raw, dict):
        return
    name = text(raw.get(name_field))
    if not name:
        return
    keys: list[tuple[str, Path]] = []
    key = text(raw.get("key"))
    if key is not None:
        keys.append((key, (*path, "key")))
    for index, item in enumerate(sequence(raw.get("items"))):
        item_key = text(mapping(item).get("key"))
        if item_key is not None:
            keys.append((item_key, (*path, "items", index, "key")))
    found.append(Reference(kind, name, (*path, name_field), raw.get("optional") is True, via, tuple(keys)))


# ingress ---------------------------------------------------------------------------------------


def ingress_backends(resource: Resource) -> list[Backend]:
    """The Service backends of an Ingress: ``defaultBackend``, the old ``backend``, every path's."""
    spec = resource.spec
    places: list[tuple[Any, Path]] = [
        (spec.get("defaultBackend"), ("spec", "defaultBackend")),
        (spec.get("backend"), ("spec", "backend")),
    ]
    for rule_index, rule in enumerate(sequence(spec.get("rules"))):
        http = mapping(mapping(rule).get("http"))
        for path_index, entry in enumerate(sequence(http.get("paths"))):
            places.append((mapping(entry).get("backend"),
                           ("spec", "rules", rule_index, "http", "paths", path_index, "backend")))
    found = []
    for raw, path in places:
        backend = _backend(raw, path)
        if backend is not None:
            found.append(backend)
    return found


def _backend(raw: Any, path: Path) -> Backend | None:
    backend = mapping(raw)
    service = backend.get("service")
    if isinstance(service, dict):
        name = text(service.get("name"))
        if not name:
            return None
        port = mapping(service.get("port"))
        if "number" in port:
            return Backend(name, (*path, "service", "name"), _port_value(port["number"]),
                           (*path, "service", "port", "number"))
        if "name" in port:
            return Backend(name, (*path, "service", "name"), _port_value(port["name"]),
                           (*path, "service", "port", "name"))
        return Backend(name, (*path, "service", "name"), None, (*path, "service"))
    name = text(backend.get("serviceName"))
    if not name:
        return None
    return Backend(name, (*path, "serviceName"), _port_value(backend.get("servicePort")), (*path, "servicePort"))


def _port_value(value: Any) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return value
    return None
