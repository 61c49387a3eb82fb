"""Reference resolution: whether an object a tree refers to exists, and when it does not, whether the tree decides.

Every ``uses``, ``binds`` and ``grants`` edge of the resource graph names an object. This analysis answers, for
such a target, one of:

- **defined**: the tree defines it (or, for a key of a ConfigMap or Secret, the object holds the key);
- **declared**: it exists without the tree: Kubernetes creates it (``default`` ServiceAccount, the built-in
  ClusterRoles and PriorityClasses, ``kube-root-ca.crt``), or the configuration's ``external`` entries name it;
- **held**: the tree carries evidence that something creates it at run time, so the finding is held back (``-v``
  shows why): a cert-manager Certificate or an annotated Ingress names the Secret, a trust-manager Bundle of that
  name (its ConfigMap or Secret in every namespace it targets), a SealedSecret, ExternalSecret
  or Vault secret of that name, an unrendered Kustomization's generator, a file the tree could not read that
  defines it, a custom resource whose name starts the target's (operators name what they create after their
  instance: CephCluster ``rook-ceph`` and Secret ``rook-ceph-mon``), a workload of the tree whose ServiceAccount
  may create objects of that kind there (RBAC) and that names the target (its role's ``resourceNames``, its
  containers' configuration) or after which the target is named, or a copy of an object of another namespace that
  a replicator (reflector, kubed) copies. A namespace in which the tree defines no object of that kind at all is
  also held (with ``require_defined``, or when the tree does not decide the namespace): its objects of that kind
  come from elsewhere;
- **uncertain** (reported one level lower): the namespace is not one the tree creates nor the one it is applied
  into, so what is in it is decided elsewhere; or the object is defined in another namespace of the tree but the
  namespaces are not both written, or the reference's namespace has no object of that kind;
- **missing**: none of the above: the tree decides, and the reference dangles.

Lookups cost O(1) per target plus O(segments of its name) for the operator-instance evidence; building indexes
the tree once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import ALWAYS_PRESENT, RBAC_GROUP, ResourceGraph, build_graph
from kubelint.analysis.rbac import build_rbac, service_accounts_of
from kubelint.analysis.unseen import distinctive_word
from kubelint.findings import Location
from kubelint.model.external import declared
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, text
from kubelint.records import value_tuple

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has."""

BUILTIN_CLUSTER_ROLES = frozenset({
    "cluster-admin", "admin", "edit", "view",
    # OpenShift's default cluster roles (a tree that binds them targets OpenShift)
    "basic-user", "cluster-reader", "cluster-status", "self-provisioner", "sudoer", "registry-admin",
    "registry-editor", "registry-viewer", "storage-admin", "cluster-debugger", "cluster-monitoring-view",
    "monitoring-edit", "monitoring-rules-edit", "monitoring-rules-view", "alert-routing-edit",
    "user-workload-monitoring-config-edit", "aggregate-olm-edit", "aggregate-olm-view",
})
"""ClusterRoles that exist without the tree, besides every ``system:*`` one."""

NAMESPACE_KINDS = frozenset({("", "Namespace"), ("project.openshift.io", "Project"),
                             ("project.openshift.io", "ProjectRequest")})
"""Kinds whose objects create a namespace of their name (OpenShift's projects too)."""

KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})

BUILTIN_ROLES = frozenset({("kube-system", "extension-apiserver-authentication-reader")})
"""Roles the API server creates (its bootstrap policy), besides every ``system:*`` Role of ``kube-system`` and
``kube-public``."""

BUILTIN_SERVICES = frozenset({("default", "kubernetes")})
"""Services every cluster has: the API server's."""

BUILTIN_PRIORITY_CLASSES = frozenset({"system-cluster-critical", "system-node-critical"})

ALWAYS_IN_EVERY_NAMESPACE: frozenset[tuple[str, str]] = ALWAYS_PRESENT | frozenset({
    ("ConfigMap", "openshift-service-ca.crt"),  # OpenShift 4.8+ publishes the service CA in every namespace
    ("ConfigMap", "istio-ca-root-cert"),  # istiod publishes its root certificate in every namespace
})
"""Objects a cluster (or the platform named in their name) creates in every namespace."""

RESOURCES: dict[str, tuple[str, str]] = {
    "Secret": ("", "secrets"), "ConfigMap": ("", "configmaps"), "ServiceAccount": ("", "serviceaccounts"),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims"), "Role": (RBAC_GROUP, "roles"),
}
"""The API group and resource of the kinds whose creation by a controller of the tree counts as evidence."""

DEFAULT_CREATING_ROLES: dict[str, frozenset[str]] = {
    "cluster-admin": frozenset({"secrets", "configmaps", "serviceaccounts", "persistentvolumeclaims", "roles"}),
    "admin": frozenset({"secrets", "configmaps", "serviceaccounts", "persistentvolumeclaims", "roles"}),
    "edit": frozenset({"secrets", "configmaps", "serviceaccounts", "persistentvolumeclaims"}),
}
"""What the default ClusterRoles let their subjects create."""

REPLICATOR_ANNOTATIONS = (
    "reflector.v1.k8s.emberstack.com/reflection-auto-enabled", "reflector.v1.k8s.emberstack.com/reflection-allowed",
    "kubed.appscode.com/sync", "replicator.v1.mittwald.de/replicate-to",
)
"""Annotations with which a replicator copies a Secret or ConfigMap into other namespaces."""

CERT_MANAGER_INGRESS_ANNOTATIONS = (
    "cert-manager.io/issuer", "cert-manager.io/cluster-issuer", "kubernetes.io/tls-acme",
)
"""Ingress annotations with which cert-manager's ingress-shim creates the TLS Secrets of the Ingress."""


@value_tuple
class Resolution(NamedTuple):
    """What the tree says about one referenced object."""

    state: str
    """``defined``, ``declared``, ``held``, ``uncertain`` or ``missing``."""
    reason: str = ""
    """Why it is declared, held or uncertain."""
    found: Resource | None = None
    """The object, when defined."""
    elsewhere: tuple[Resource, ...] = ()
    """Objects of that kind and name in other namespaces of the tree."""
    evidence: Location | None = None

    @property
    def exists(self) -> bool:
        return self.state in ("defined", "declared")


class References:
    """Resolution of the references of one tree (see the module docstring)."""

    def __init__(self, tree: Tree, graph: ResourceGraph) -> None:
        self.tree = tree
        self.graph = graph
        self.namespaces: set[str] = set()
        """Namespaces the tree creates (Namespace, OpenShift Project and ProjectRequest objects)."""
        self.creates_namespaces = False
        self._named: dict[tuple[str, str | None, str], tuple[Resource, str]] = {}
        """(kind, namespace, name) -> the object of the tree that creates it at run time, and how."""
        self._generated: dict[tuple[str, str], tuple[str, str]] = {}
        """(kind, name) -> the kustomization file generating it, and how (namespace: wherever it is applied)."""
        self._custom: dict[tuple[str | None, str], Resource] = {}
        self._creators: dict[tuple[str | None, str, str], tuple[Resource, str, Resource]] = {}
        """(namespace or None: every namespace, word, resource) -> a workload whose ServiceAccount may create
        that resource there, its ServiceAccount and the binding that allows it."""
        self._creators_of: dict[tuple[str | None, str, str], tuple[Resource, str, Resource]] = {}
        """(namespace or None, object name, resource) -> such a workload that names the object (in its role's
        resourceNames, or in its containers' configuration)."""
        self._index()

    # queries ---------------------------------------------------------------------------------------------------

    def namespace_known(self, namespace: str | None) -> bool:
        """Whether the tree decides what a namespace holds: it creates the namespace, or is applied into it."""
        return namespace is None or namespace in self.namespaces or namespace == self.tree.options.namespace

    def namespace_exists(self, namespace: str) -> str | None:
        """Why a namespace exists without an object of the tree creating it (None: it does not, as far as the
        tree and the configuration tell)."""
        if namespace in self.namespaces:
            return "created by the tree"
        if namespace in BUILTIN_NAMESPACES:
            return "every cluster has it"
        if namespace == "openshift" or namespace.startswith("openshift-"):
            return "OpenShift creates it"
        if namespace == self.tree.options.namespace:
            return "the namespace the tree is applied into"
        entry = declared(self.tree.options.external, "Namespace", None, namespace)
        if entry is not None:
            return f"declared by the configuration's {entry.describe()}"
        return None

    def resolve(self, target: ObjectRef, require_defined: bool = True) -> Resolution:
        """What the tree says about ``target`` (see the module docstring). ``require_defined``: a namespace in
        which the tree defines no object of the target's kind is held (its objects come from elsewhere); without
        it, only a namespace the tree does not decide (:meth:`namespace_known`) is."""
        graph = self.graph
        found = graph.find(target.kind, target.namespace, target.name, target.group or None)
        if found is not None:
            return Resolution("defined", found=found)
        reason = self.declared(target)
        if reason:
            return Resolution("declared", reason)
        held = self._held(target)
        if held is not None:
            return held
        elsewhere = tuple(graph.elsewhere(target.kind, target.namespace, target.name, target.group or None))
        copied = next((resource for resource in elsewhere
                       if any(key in resource.annotations for key in REPLICATOR_ANNOTATIONS)), None)
        if copied is not None:
            return Resolution("held", f"{copied.kind} {copied.name} of namespace {copied.namespace} is annotated to "
                                      "be copied into other namespaces", evidence=copied.where(()))
        defined_here = graph.has_kind(target.kind, target.namespace)
        known = self.namespace_known(target.namespace)
        if elsewhere:
            explicit = all(resource.namespace_given for resource in elsewhere)
            return Resolution("missing" if explicit and defined_here and known else "uncertain", elsewhere=elsewhere)
        if not defined_here and (require_defined or not known):
            where = f"namespace {target.namespace}" if target.namespace is not None else "the tree"
            return Resolution("held", f"the tree defines no {target.kind} in {where}: they come from elsewhere")
        if not known:
            return Resolution("uncertain", f"the tree neither creates namespace {target.namespace} nor is applied "
                                           "into it")
        return Resolution("missing")

    def keys(self, target: ObjectRef) -> tuple[set[str], str] | None:
        """The keys every definition of a ConfigMap or Secret holds, or None when they cannot be known (the
        object is not defined, or a definition holds no data: a controller fills it at run time). The second
        value names a Secret type whose controller adds keys (service account tokens)."""
        definitions = [resource for resource in self.graph.definitions(target.kind, target.namespace, target.name)
                       if target.group == resource.ref.group]
        if not definitions:
            return None
        common: set[str] | None = None
        for resource in definitions:
            keys: set[str] = set()
            for field_name in ("data", "binaryData", "stringData"):
                value = resource.raw.get(field_name)
                if isinstance(value, dict):
                    keys.update(str(key) for key in value)
            if not keys:
                return None
            common = keys if common is None else common & keys
        assert common is not None
        kind = text(definitions[0].raw.get("type")) or ""
        return common, kind

    # evidence --------------------------------------------------------------------------------------------------

    def declared(self, target: ObjectRef) -> str:
        """Why ``target`` exists although the tree does not define it: Kubernetes (or the platform) creates it, or
        an ``external`` entry of the configuration declares it; empty when neither says so. Every reference rule
        asks this (through :func:`declared_reason` when it has no other use for the analysis)."""
        kind, name = target.kind, target.name
        if target.namespace is not None and (kind, name) in ALWAYS_IN_EVERY_NAMESPACE:
            return "Kubernetes (or the platform it is named after) creates it in every namespace"
        if kind == "ClusterRole" and (name in BUILTIN_CLUSTER_ROLES or name.startswith("system:")):
            return "a built-in ClusterRole"
        if kind == "Role" and ((target.namespace, name) in BUILTIN_ROLES or (
                name.startswith("system:") and target.namespace in ("kube-system", "kube-public"))):
            return "a Role the API server creates"
        if kind == "Service" and target.group == "" and (target.namespace, name) in BUILTIN_SERVICES:
            return "the API server's Service"
        if kind == "PriorityClass" and name in BUILTIN_PRIORITY_CLASSES:
            return "a built-in PriorityClass"
        if kind == "Namespace":
            return self.namespace_exists(name) or ""
        entry = declared(self.tree.options.external, kind, target.namespace, name)
        if entry is not None:
            reason = f" ({entry.reason})" if entry.reason else ""
            return f"declared by the configuration's {entry.describe()}{reason}"
        return ""

    def _held(self, target: ObjectRef) -> Resolution | None:
        kind, namespace, name = target.kind, target.namespace, target.name
        named = self._named.get((kind, namespace, name))
        if named is not None:
            maker, how = named
            return Resolution("held", f"{maker.kind} {maker.name} {how}", evidence=maker.where(()))
        generated = self._generated.get((kind, name))
        if generated is not None:
            file, how = generated
            return Resolution("held", f"{file} {how}")
        unread = self.graph.unread_defines(target)
        if unread is not None:
            return Resolution("held", f"{unread} could not be read as objects and defines a {kind} named {name}")
        if namespace is not None:
            parts = name.split("-")
            for end in range(len(parts), 0, -1):
                instance = self._custom.get((namespace, "-".join(parts[:end])))
                if instance is not None:
                    return Resolution("held", f"{instance.kind} {instance.name} ({instance.ref.group}) may create it: "
                                              "operators name what they create after their instance",
                                      evidence=instance.where(()))
        resource = RESOURCES.get(kind)
        if resource is None:
            return None
        plural = resource[1]
        creator = self._creators_of.get((namespace, name, plural)) or self._creators_of.get((None, name, plural))
        why = f"and names {name} (in its role's resourceNames or its containers' configuration)"
        word = distinctive_word(name)
        if creator is None and word is not None:
            creator = self._creators.get((namespace, word, plural)) or self._creators.get((None, word, plural))
            why = f"and {name} is named after it ({word})"
        if creator is None:
            return None
        workload, account, binding = creator
        scope = f"namespace {namespace}" if binding.kind == "RoleBinding" else "every namespace"
        return Resolution("held", f"{workload.kind} {workload.name} may create {plural} in {scope} ({binding.kind} "
                                  f"{binding.name} lets its ServiceAccount {account} do so), {why}",
                          evidence=binding.where(()))

    # building --------------------------------------------------------------------------------------------------

    def _index(self) -> None:
        for resource in self.tree.by_ref.values():
            if (resource.ref.group, resource.kind) in NAMESPACE_KINDS:
                self.namespaces.add(resource.name)
                self.creates_namespaces = True
            self._index_creator_object(resource)
        self._index_creators()
        self._index_generators()

    def _index_creator_object(self, resource: Resource) -> None:
        group, kind, namespace = resource.ref.group, resource.kind, resource.namespace
        spec = resource.spec
        secret: str | None = None
        how = ""
        if group == "cert-manager.io" and kind == "Certificate":
            secret, how = text(spec.get("secretName")), "(cert-manager) writes its certificate into this Secret"
        elif group == "bitnami.com" and kind == "SealedSecret":
            template = mapping(mapping(spec.get("template")).get("metadata"))
            secret, how = text(template.get("name")) or resource.name, "is unsealed into this Secret"
        elif group == "external-secrets.io" and kind in ("ExternalSecret", "ClusterExternalSecret"):
            target = mapping(spec.get("target"))
            secret, how = text(target.get("name")) or resource.name, "(external-secrets) creates this Secret"
        elif group in ("kubernetes-client.io", "onepassword.com", "ricoberger.de", "secretgenerator.mittwald.de"):
            secret, how = resource.name, "creates a Secret of its name"
        elif group == "secrets.hashicorp.com":
            secret, how = text(mapping(spec.get("destination")).get("name")), "(Vault) creates this Secret"
        elif group == "trust.cert-manager.io" and kind == "Bundle":
            target = mapping(spec.get("target"))
            for key, target_kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                if key in target:
                    self._generated.setdefault((target_kind, resource.name), (
                        f"Bundle {resource.name}", "(trust-manager) writes its CA bundle into an object of this name "
                                                   "in the namespaces it targets"))
        elif group in ("networking.k8s.io", "extensions") and kind == "Ingress":
            if any(key in resource.annotations for key in CERT_MANAGER_INGRESS_ANNOTATIONS):
                for entry in sequence(spec.get("tls")):
                    name = text(mapping(entry).get("secretName"))
                    if name:
                        self._named.setdefault(("Secret", namespace, name), (
                            resource, "is annotated for cert-manager, which creates its TLS Secrets"))
        elif (namespace is not None and "." in group and not group.endswith(".k8s.io")
              and resource.pod_template is None):
            self._custom.setdefault((namespace, resource.name), resource)
        if secret:
            self._named.setdefault(("Secret", namespace, secret), (resource, how))

    def _index_generators(self) -> None:
        """The generators of the tree's kustomization files: what they generate is in a rendered tree as objects,
        but not when the tree is linted unrendered (``--no-render``, a render that failed)."""
        for source in self.tree.sources:
            if os.path.basename(source.display) not in KUSTOMIZATION_FILES:
                continue
            for document in source.documents:
                data = mapping(document.data)
                for field_name, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
                    for entry in sequence(data.get(field_name)):
                        name = text(mapping(entry).get("name"))
                        if name:
                            self._generated.setdefault((kind, name), (source.display, f"generates it ({field_name})"))

    def _index_creators(self) -> None:
        allowed: dict[tuple[str | None, str], dict[tuple[str | None, str], tuple[Resource, set[str]]]] = {}
        """(namespace, ServiceAccount) -> {(scope, resource): the binding, the names its role lists}."""
        for grant in build_rbac(self.tree).grants:
            if grant.role is not None:
                creatable = creatable_resources(grant.role.raw.get("rules"))
            elif grant.kind == "ClusterRole" and grant.name in DEFAULT_CREATING_ROLES:
                creatable = {plural: set() for plural in DEFAULT_CREATING_ROLES[grant.name]}
            else:
                continue
            for subject in service_accounts_of(grant.binding):
                for plural, names in creatable.items():
                    entry = allowed.setdefault(subject, {}).setdefault((grant.scope, plural), (grant.binding, set()))
                    entry[1].update(names)
        if not allowed:
            return
        for group in self.graph.pods:
            workload = group.resource
            template = workload.pod_template
            if template is None:
                continue
            account = template.service_account
            scopes = allowed.get((workload.namespace, account))
            if not scopes:
                continue
            words = {distinctive_word(value) for value in (workload.name, account, *template.labels.values())}
            mentioned = _mentioned(template.spec)
            for (scope, plural), (binding, names) in scopes.items():
                creator = (workload, account, binding)
                for word in words:
                    if word is not None:
                        self._creators.setdefault((scope, word, plural), creator)
                for name in names | mentioned:
                    self._creators_of.setdefault((scope, name, plural), creator)


def _mentioned(spec: Mapping[str, Any]) -> set[str]:
    """The strings a pod spec's containers are configured with (env values, command and args, and what follows
    ``=`` in ``--flag=value``): a controller names there what it creates (``METALLB_ML_SECRET_NAME=memberlist``)."""
    found: set[str] = set()
    for field_name in ("initContainers", "containers"):
        for container in sequence(spec.get(field_name)):
            container = mapping(container)
            values = [mapping(variable).get("value") for variable in sequence(container.get("env"))]
            values += sequence(container.get("command")) + sequence(container.get("args"))
            for value in values:
                if isinstance(value, str) and len(value) <= 253:
                    found.add(value)
                    if "=" in value:
                        found.add(value.partition("=")[2])
    return found


def creatable_resources(rules: Any) -> dict[str, set[str]]:
    """The resources of :data:`RESOURCES` that RBAC rules allow to ``create`` (``*`` counts), each with the object
    names the rules list for it in ``resourceNames`` (for any verb: a controller that creates an object usually
    reads or updates it by name)."""
    creatable: set[str] = set()
    names: dict[str, set[str]] = {}
    for raw in sequence(rules):
        rule = mapping(raw)
        verbs, groups, resources = (_strings(rule.get(key)) for key in ("verbs", "apiGroups", "resources"))
        for group, plural in RESOURCES.values():
            if (group in groups or "*" in groups) and (plural in resources or "*" in resources):
                if verbs & {"create", "*"}:
                    creatable.add(plural)
                names.setdefault(plural, set()).update(_strings(rule.get("resourceNames")))
    return {plural: names.get(plural, set()) for plural in creatable}


def _strings(value: Any) -> set[str]:
    return {item for item in sequence(value) if isinstance(item, str)}


@analysis_of("references")
def build_references(tree: Tree) -> References:
    """Reference resolution of a tree, built once per tree on first use."""
    return References(tree, build_graph(tree))


def declared_reason(tree: Tree, target: ObjectRef) -> str:
    """Why ``target`` exists without the tree defining it (built in, or declared by an ``external`` entry), or
    empty: the one test every rule that reports "not in the tree" makes before it says so."""
    return build_references(tree).declared(target)
