"""What to say about a selector that selects no pods of its namespace (Services, PodDisruptionBudgets,
NetworkPolicy pod selectors and peers share it).

In order:

1. Pods the tree does not show may match (the ``unseen-pods`` analysis: an operator, a template): the finding
   is held back with the evidence as its reason (``-v`` shows it).
2. It matches pods of another namespace of the tree: the selector is in the wrong namespace. An error at the
   object's ``metadata.namespace``; one level lower when the selector's own namespace has no pods and either
   side names no namespace (objects without one go where they are applied: the tree cannot tell).
3. The tree creates no pods in the namespace (with ``require_pods``): its workloads are deployed from
   elsewhere, held back.
4. Otherwise the error points at the label that differs from the nearest pods (the first requirement their
   labels fail, preferring a key they carry with another value), and names what those pods have. When no pod
   of the namespace has any of the selector's keys, the pods are more likely deployed from elsewhere than
   mislabelled: one level lower.
"""

from __future__ import annotations

from kubelint.analysis.graph import ResourceGraph
from kubelint.analysis.unseen import evidence_of
from kubelint.checks import Hit
from kubelint.findings import Location, Path
from kubelint.model.resource import Resource
from kubelint.model.selectors import PodGroup, Requirement, Selector


def describe(group: PodGroup) -> str:
    return f"{group.owner.kind} {group.owner.name}"


def labels_of(groups: list[PodGroup]) -> tuple[Location, ...]:
    """Related locations: the labels of each group's pods."""
    related = []
    for group in groups:
        base: Path = group.template_path or ()
        path: Path = (*base, "metadata", "labels") if group.containers is not None else base
        related.append(group.resource.where(path, f"labels of {describe(group)}"))
    return tuple(related)


def orphan_hit(graph: ResourceGraph, resource: Resource, selector: Selector, selector_path: Path, base: str,
               require_pods: bool = True, elsewhere_hint: str = "") -> Hit:
    """The hit for ``selector`` (written at ``selector_path`` in ``resource``) selecting no pods of the resource's
    namespace; ``base`` starts the message. ``elsewhere_hint``, for a selector whose element (not whose
    object) sees the wrong namespace, ends the message of that case and keeps the finding at the selector."""
    namespace = resource.namespace
    at_selector = resource.where(selector_path)
    evidence = evidence_of(graph.tree, namespace, selector)
    if evidence is not None:
        return Hit(base, at_selector, held=evidence.reason)
    own = graph.pods.in_namespace(namespace)
    elsewhere = graph.pods.elsewhere(namespace, selector)
    if elsewhere:
        first = elsewhere[0]
        others = f" (and {len(elsewhere) - 1} more)" if len(elsewhere) > 1 else ""
        explicit = resource.namespace_given and all(group.resource.namespace_given for group in elsewhere)
        moved = resource.namespace_given and not elsewhere_hint
        where = resource.where(("metadata", "namespace")) if moved else at_selector
        hint = elsewhere_hint or "a selector only sees the pods of its own namespace"
        return Hit(f"{base}; it matches {describe(first)} in namespace {first.namespace}{others}, not in "
                   f"{namespace}: {hint}", where, labels_of(elsewhere), weaker=not own and not explicit)
    if not own:
        reason = f"the tree creates no pods in namespace {namespace}: its workloads are deployed from elsewhere"
        return Hit(base, at_selector, held=reason if require_pods else "")
    nearest = graph.pods.nearest(namespace, selector)
    assert nearest is not None
    group, failing = nearest
    differing = _differing(failing, group)
    where = resource.where((*selector_path, *differing.path)) if differing.path else at_selector
    if not any(r.key in group.labels or r.key in group.open_keys for r in selector.requirements):
        return Hit(f"{base}; no pod template there has any of these label keys (are its pods deployed from "
                   "elsewhere?)", where, weaker=True)
    hints = ", ".join(_hint(requirement, group) for requirement in failing)
    return Hit(f"{base}; nearest: {describe(group)} has {hints}", where, labels_of([group]))


def _differing(failing: list[Requirement], group: PodGroup) -> Requirement:
    """The requirement to point at: the first the group fails on a key it carries (another value), else the
    first it fails."""
    for requirement in failing:
        if requirement.key in group.labels:
            return requirement
    return failing[0]


def _hint(requirement: Requirement, group: PodGroup) -> str:
    if requirement.key in group.labels:
        return f"{requirement.key}={group.labels[requirement.key]}"
    import difflib

    close = difflib.get_close_matches(requirement.key, list(group.labels), n=1)
    if close:
        return f"{close[0]}={group.labels[close[0]]}"
    return f"no label {requirement.key}"
