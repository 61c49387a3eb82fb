"""How many pods a workload runs at its lowest: its ``replicas``, or the ``minReplicas`` of the autoscaler that
scales it.

Availability rules (a PodDisruptionBudget that allows no eviction, a rolling update that may take every pod
down) compare a number with the pods a workload keeps. The tree decides that number only for the built-in
kinds that have a scale (Deployment, ReplicaSet, StatefulSet, ReplicationController): ``spec.replicas``, which
the API server defaults to 1, or, when a HorizontalPodAutoscaler scales the workload, the autoscaler's
``minReplicas`` (defaulted to 1): the scale it falls back to when load is low. Everything else is unknown and
the rules stay quiet: a DaemonSet runs one pod per matching node, an operator decides its own pods, a value that
is not a number (a template placeholder) is not a count, two autoscalers on one workload fight each other, and a
KEDA ScaledObject scales its target through an autoscaler it creates at run time (to zero by default).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import SCALES, build_graph
from kubelint.findings import Location
from kubelint.model.resource import ObjectRef, Resource, mapping, text
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.selectors import PodGroup
    from kubelint.model.tree import Tree

SCALED_KINDS = frozenset({
    ("apps", "Deployment"), ("extensions", "Deployment"), ("apps", "ReplicaSet"), ("extensions", "ReplicaSet"),
    ("apps", "StatefulSet"), ("", "ReplicationController"),
})
"""Built-in kinds whose pod count is ``spec.replicas`` (defaulted to 1)."""


@record(frozen=True)
class Scale:
    """A workload's lowest pod count and where the tree decides it."""

    pods: int
    location: Location
    """Where the number is written: ``spec.replicas``, the autoscaler's ``minReplicas``, or the object itself
    when the default applies."""
    reason: str
    """The number as messages say it: ``replicas: 2``, ``replicas unset: 1``, ``HorizontalPodAutoscaler web,
    minReplicas: 1``."""
    controller: bool = True
    """Whether the pods have a controller with a scale (a bare Pod has none: percentages do not apply to it)."""
    autoscaler: Resource | None = None


def count(value: Any) -> int | None:
    """A non-negative integer as written in a manifest, else None (a string, a bool, a template placeholder)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


class Scales:
    """The lowest scale of each workload of a tree."""

    def __init__(self, tree: Tree) -> None:
        graph = build_graph(tree)
        self._autoscalers: dict[ObjectRef, list[Resource]] = defaultdict(list)
        for edge in graph.edges(SCALES):
            hpa = graph.resource(edge.source)
            if hpa is not None and graph.resource(edge.target) is not None:
                self._autoscalers[edge.target].append(hpa)
        self._other_scalers: dict[tuple[str | None, str], Resource] = {}
        """Workloads (namespace, name) that a KEDA ScaledObject scales through an autoscaler it creates at run
        time, down to its minReplicaCount (0 by default): their scale is not the tree's to decide."""
        for resource in tree.resources:
            if resource.kind == "ScaledObject" and resource.ref.group == "keda.sh":
                name = text(mapping(resource.spec.get("scaleTargetRef")).get("name"))
                if name:
                    self._other_scalers[(resource.namespace, name)] = resource

    def autoscalers(self, ref: ObjectRef) -> list[Resource]:
        """The HorizontalPodAutoscalers of the tree that scale ``ref``."""
        return list(self._autoscalers.get(ref, ()))

    def of(self, group: PodGroup) -> Scale | None:
        """The lowest number of pods ``group`` runs, or None when the tree does not decide it."""
        resource = group.resource
        key = (resource.ref.group, resource.kind)
        if key == ("", "Pod"):
            return Scale(1, resource.where(), "a bare Pod", controller=False)
        if key not in SCALED_KINDS or (resource.namespace, resource.name) in self._other_scalers:
            return None
        autoscalers = self._autoscalers.get(resource.ref, [])
        if len(autoscalers) > 1:
            return None
        if autoscalers:
            hpa = autoscalers[0]
            if "minReplicas" not in hpa.spec:
                return Scale(1, hpa.where(("spec",)), f"HorizontalPodAutoscaler {hpa.name}, minReplicas unset: 1",
                             autoscaler=hpa)
            minimum = count(hpa.spec["minReplicas"])
            if minimum is None:
                return None
            return Scale(minimum, hpa.where(("spec", "minReplicas")),
                         f"HorizontalPodAutoscaler {hpa.name}, minReplicas: {minimum}", autoscaler=hpa)
        if "replicas" not in resource.spec:
            return Scale(1, resource.where(("spec",)), "replicas unset: 1")
        replicas = count(resource.spec["replicas"])
        if replicas is None:
            return None
        return Scale(replicas, resource.where(("spec", "replicas")), f"replicas: {replicas}")


@analysis_of("scales")
def build_scales(tree: Tree) -> Scales:
    """The lowest scale of every workload of a tree, computed once per tree."""
    return Scales(tree)
