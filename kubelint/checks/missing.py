"""What to say about a reference to an object the tree does not define (routes' parents and backends, Gateway
certificates, Istio hosts and gateways share it).

In order:

0. Kubernetes creates it, or the configuration's ``external`` entries declare it
   (:func:`kubelint.analysis.references.declared_reason`, the test every reference rule makes): nothing to say.
1. An object of that kind and name sits in another namespace of the tree, and the reference did not write its
   namespace (it defaults to the referring object's): the wrong namespace. An error when both objects write their
   namespace; one level lower when one of them goes wherever it is applied and the target namespace holds no object
   of that kind.
2. The tree defines objects of that kind in the target namespace, not this one: an error.
3. Otherwise the tree shows nothing of that kind there: such objects are applied from elsewhere (shared
   infrastructure, another repository); the finding is held back with that reason (``-v`` lists it).
"""

from __future__ import annotations

from kubelint.analysis.graph import ResourceGraph
from kubelint.analysis.references import declared_reason
from kubelint.checks import Hit
from kubelint.findings import Path
from kubelint.model.resource import ObjectRef, Resource


def missing_target(graph: ResourceGraph, source: Resource, target: ObjectRef, path: Path, namespace_written: bool,
                   what: str, present: bool) -> Hit | None:
    """The hit for ``source`` referring (at ``path``) to ``target``, which the tree does not define (None when it
    exists anyway: built in, or an ``external`` entry). ``what`` starts the message (``backendRef Service``);
    ``present``: the tree defines objects of the target's group and kind in its namespace."""
    if declared_reason(graph.tree, target):
        return None
    where = source.where(path)
    base = f"{what} {target.name!r} is not defined in namespace {target.namespace}"
    elsewhere = [found for found in graph.elsewhere(target.kind, target.namespace, target.name, target.group or None)
                 if found.ref.group == target.group]
    if elsewhere and not namespace_written:
        first = elsewhere[0]
        explicit = source.namespace_given and all(found.namespace_given for found in elsewhere)
        return Hit(f"{base}; it matches {first.kind} {first.name} in namespace {first.namespace}: name that "
                   f"namespace (the reference means the {source.kind}'s own)", where,
                   tuple(found.where((), f"{found.kind} {found.name}") for found in elsewhere[:3]),
                   weaker=not explicit and not present)
    if present:
        return Hit(base, where)
    return Hit(base, where, held=f"the tree defines no {target.kind} in namespace {target.namespace}: they are "
                                 "applied from elsewhere")
