"""Classes and namespaces: a StorageClass, IngressClass, PriorityClass or RuntimeClass the tree does not define
although it defines objects of that kind; an Ingress without a class when the tree's IngressClasses have no
default; an object in a namespace that the tree does not create although it creates namespaces, when the
namespace is a near miss of one it creates.

Each is reported only when the tree decides: a tree that defines no class of a kind leaves the classes to the
cluster (held back, ``-v`` says so), and a tree that creates no Namespace is applied into namespaces made
elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.analysis.graph import INGRESS_GROUPS, USES, build_graph
from kubelint.analysis.references import NAMESPACE_KINDS, build_references
from kubelint.checks import Hit, Params, check
from kubelint.checks.references import near_miss, reference_hit
from kubelint.model.resource import Resource, text
from kubelint.model.tree import Tree

CONSEQUENCES = {
    "StorageClass": "no provisioner serves the claim: it stays Pending, and so do the pods that mount it",
    "IngressClass": "no ingress controller serves this Ingress",
    "PriorityClass": "the API server refuses the pods (no PriorityClass with that name), so none are created",
    "RuntimeClass": "the API server refuses the pods (RuntimeClass not found), so none are created",
}
"""What happens while a class a reference names does not exist."""

DEFAULT_INGRESS_CLASS = "ingressclass.kubernetes.io/is-default-class"
LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class"


@check("missing-class")
def missing_class(tree: Tree, params: Params) -> Iterator[Hit]:
    """A class a claim, Ingress or pod names that the tree does not define, when the tree defines classes of
    that kind; an Ingress with no class when the tree defines IngressClasses and none is the default."""
    graph = build_graph(tree)
    references = build_references(tree)
    for edge in graph.edges(USES):
        target = edge.target
        if target.kind not in CONSEQUENCES or target.namespace is not None:
            continue
        source = graph.resource(edge.source)
        assert source is not None
        resolution = references.resolve(target, require_defined=True)
        hit = reference_hit(source, edge, resolution, f"{target.kind} {target.name!r}", CONSEQUENCES[target.kind],
                            "")
        if hit is not None:
            yield hit
    yield from _ingresses_without_class(tree)


def _ingresses_without_class(tree: Tree) -> Iterator[Hit]:
    """Ingresses that name no class (neither ``ingressClassName`` nor the legacy annotation) in a tree whose
    IngressClasses mark none as the default. Controllers that also serve Ingresses without a class exist
    (ingress-nginx with ``--watch-ingress-without-class``), so this is the rule's weaker case."""
    classes = [resource for resource in tree.by_ref.values()
               if resource.kind == "IngressClass" and resource.ref.group == "networking.k8s.io"]
    if not classes or any(resource.annotations.get(DEFAULT_INGRESS_CLASS) == "true" for resource in classes):
        return
    names = ", ".join(sorted(resource.name for resource in classes)[:4])
    for resource in tree.by_ref.values():
        if resource.kind != "Ingress" or resource.ref.group not in INGRESS_GROUPS:
            continue
        if text(resource.spec.get("ingressClassName")) or LEGACY_INGRESS_CLASS in resource.annotations:
            continue
        path = ("spec",) if "spec" in resource.raw else ()
        yield Hit(f"Ingress {resource.name} names no class, and none of the tree's IngressClasses ({names}) is the "
                  f"default ({DEFAULT_INGRESS_CLASS}: \"true\"): no controller serves it unless one is configured to "
                  "serve Ingresses without a class", resource.where(path),
                  tuple(cls.where((), f"IngressClass {cls.name}") for cls in classes[:3]), weaker=True)


@check("missing-namespace")
def missing_namespace(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects in a namespace that the tree does not create, when it creates namespaces and the namespace is a
    near miss of one it creates (a typo): one finding per file and namespace, at the first such object's
    namespace. Any other namespace is held back: trees that create their own namespaces also put objects into
    namespaces another installation sets up (``istio-system``, ``linkerd``, an alternative file's)."""
    references = build_references(tree)
    if not references.creates_namespaces:
        return
    created = sorted(references.namespaces)
    seen: set[tuple[str, str]] = set()
    for resource in tree.by_ref.values():
        namespace = resource.namespace
        if namespace is None or not resource.namespace_given or (resource.ref.group, resource.kind) in NAMESPACE_KINDS:
            continue
        if references.namespace_exists(namespace) is not None or (resource.file, namespace) in seen:
            continue
        seen.add((resource.file, namespace))
        yield _namespace_hit(resource, namespace, created)


def _namespace_hit(resource: Resource, namespace: str, created: list[str]) -> Hit:
    path = ("metadata", "namespace") if "namespace" in resource.metadata else ()
    near = next((name for name in created if near_miss(namespace, name)), None)
    shown = ", ".join(created[:4]) + (", ..." if len(created) > 4 else "")
    message = (f"namespace {namespace} is not created by the tree, which creates namespaces ({shown}): applying "
               f"{resource.kind} {resource.name} (and the file's other objects in {namespace}) fails with "
               f"'namespaces \"{namespace}\" not found' unless it is created first")
    if near is None:
        return Hit(message, resource.where(path), held=f"namespace {namespace} is not a near miss of one the tree "
                   "creates: it is likely set up by another installation (declare it in the configuration's "
                   "external entries)")
    return Hit(f"{message}; did you mean {near}?", resource.where(path))
