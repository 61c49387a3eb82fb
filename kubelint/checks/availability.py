"""Availability checks: budgets that allow no eviction, autoscalers that cannot work or are undone by every apply.

They read the resource graph (a budget's pods, an autoscaler's target) and the ``scales`` analysis (how many
pods a workload keeps at its lowest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from kubelint.analysis.graph import SCALES, build_graph
from kubelint.analysis.scale import Scale, build_scales, count
from kubelint.analysis.unseen import evidence_of
from kubelint.checks import Hit, Params, check
from kubelint.model.resource import Resource
from kubelint.model.selectors import PodGroup, Selector
from kubelint.model.tree import Tree

PERCENT = re.compile(r"[0-9]+%")
"""A percentage as the API accepts it for an int-or-string budget field."""


def percent(value: object) -> int | None:
    """The number of a percentage string (``"50%"``), else None."""
    if isinstance(value, str) and PERCENT.fullmatch(value):
        return int(value[:-1])
    return None


def _is_budget(resource: Resource) -> bool:
    return resource.ref.group == "policy" and resource.kind == "PodDisruptionBudget"


# pdb-blocks-eviction ---------------------------------------------------------------------------


@check("pdb-blocks-eviction")
def pdb_blocks_eviction(tree: Tree, params: Params) -> Iterator[Hit]:
    """A PodDisruptionBudget that allows no voluntary disruption of the pods it selects."""
    graph = build_graph(tree)
    for budget in tree.linted:
        if not _is_budget(budget):
            continue
        spec = budget.spec
        selector = Selector.parse(spec.get("selector"), "PodDisruptionBudget", budget.api_version)
        if selector.problems or selector.selects_nothing:
            continue  # orphan-pdb-selector: it protects nothing
        max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
        if max_unavailable is not None and min_available is not None:
            continue  # refused by the API server (schema-invalid)
        if max_unavailable is not None:
            if (max_unavailable == 0 and not isinstance(max_unavailable, bool)) or percent(max_unavailable) == 0:
                yield Hit(f"maxUnavailable {max_unavailable} allows no voluntary disruption: every eviction of the "
                          "pods it selects is refused, so node drains and cluster upgrades wait forever",
                          budget.where(("spec", "maxUnavailable")))
            continue
        if min_available is None:
            yield Hit("neither minAvailable nor maxUnavailable is set: the disruption controller then expects no "
                      "pods and allows no disruption, so every eviction of the pods it selects is refused and node "
                      "drains wait forever", budget.where(("spec",)))
            continue
        hit = _min_available(tree, budget, selector, graph.selected.get(budget.ref, []), min_available)
        if hit is not None:
            yield hit


def _min_available(tree: Tree, budget: Resource, selector: Selector, groups: list[PodGroup],
                   value: object) -> Hit | None:
    """The hit for a ``minAvailable`` that keeps every selected pod, when the tree decides how many there are."""
    if not groups or evidence_of(tree, budget.namespace, selector) is not None:
        return None  # no pods in the tree, or pods an operator creates may be selected too
    if any(requirement.key in group.open_keys for group in groups for requirement in selector.requirements):
        return None  # a label a controller adds per pod (statefulset pod-name): a subset of the pods
    scales = build_scales(tree)
    found: list[tuple[PodGroup, Scale]] = []
    for group in groups:
        scale = scales.of(group)
        if scale is None:
            return None
        found.append((group, scale))
    total = sum(scale.pods for _, scale in found)
    if total == 0:
        return None
    share = percent(value)
    if share is not None:
        if not all(scale.controller for _, scale in found):
            return None
        wanted = -(-share * total // 100)  # the disruption controller rounds up
        shown = f"minAvailable {value} of {total} pod{'s' if total != 1 else ''} rounds up to {wanted}, which"
    elif isinstance(value, int) and not isinstance(value, bool):
        wanted = value
        shown = f"minAvailable {value}"
    else:
        return None
    if wanted < total:
        return None
    lowest = any(scale.autoscaler is not None for _, scale in found)
    pods = "; ".join(f"{group.title}: {scale.reason}" for group, scale in found)
    when = " when its autoscaler is at its lowest" if lowest else ""
    return Hit(f"{shown} is every pod the budget selects{when} ({pods}), so no voluntary disruption is allowed: "
               "node drains and cluster upgrades wait forever; use maxUnavailable: 1 or lower minAvailable",
               budget.where(("spec", "minAvailable")),
               tuple(replace(scale.location, message=f"{group.title}: {scale.reason}") for group, scale in found))


# hpa-target-sets-replicas ----------------------------------------------------------------------


@check("hpa-target-sets-replicas")
def hpa_target_sets_replicas(tree: Tree, params: Params) -> Iterator[Hit]:
    """A workload that a HorizontalPodAutoscaler scales and that also writes ``spec.replicas``."""
    graph = build_graph(tree)
    linted = {resource.ref for resource in tree.linted}
    for edge in graph.edges(SCALES):
        target, hpa = graph.resource(edge.target), graph.resource(edge.source)
        if target is None or hpa is None or target.ref not in linted:
            continue
        replicas = count(target.spec.get("replicas"))
        if replicas is None:
            continue  # unset (or null), or not a number the tree decides (a template placeholder)
        yield Hit(f"spec.replicas is {replicas}, but HorizontalPodAutoscaler {hpa.name} scales this "
                  f"{target.kind}: every apply of this manifest resets the scale the autoscaler chose to "
                  f"{replicas}; leave replicas out", target.where(("spec", "replicas")),
                  (hpa.where(("spec", "scaleTargetRef"), f"HorizontalPodAutoscaler {hpa.name}"),))
