"""Availability checks: budgets that allow no eviction, autoscalers that cannot work or are undone by every apply.

They read the resource graph (a budget's pods, an autoscaler's target) and the ``scales`` analysis (how many
pods a workload keeps at its lowest).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from kubelint.analysis.graph import SCALES, SELECTS, ResourceGraph, build_graph
from kubelint.analysis.scale import Scale, build_scales, count
from kubelint.analysis.unseen import evidence_of
from kubelint.checks import Hit, Params, check
from kubelint.findings import Path
from kubelint.model.resource import Container, ObjectRef, PodTemplate, Resource, mapping, sequence, service_target, text
from kubelint.model.selectors import PodGroup, Selector
from kubelint.model.tree import Tree
from kubelint.model.workloads import template_of
from kubelint.records import record

PERCENT = re.compile(r"[0-9]{1,9}%")
"""A percentage as the API accepts it for an int-or-string field (at most 100% passes validation; longer digit
runs are not read: Python refuses to convert more than 4,300 digits)."""


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


# hpa-missing-requests --------------------------------------------------------------------------

DEFAULT_METRIC = "cpu utilization (the default when no metric is given: 80%)"


@record(frozen=True)
class UtilizationMetric:
    """A metric of an autoscaler that divides usage by the pods' requests."""

    resource: str
    container: str | None
    """The one container a ContainerResource metric measures; None: every container of the pod."""
    path: Path
    shown: str


def utilization_metrics(hpa: Resource) -> list[UtilizationMetric]:
    """The metrics of a HorizontalPodAutoscaler that the controller computes as a share of the pods' requests:
    ``Utilization`` targets of Resource and ContainerResource metrics (``targetAverageUtilization`` in
    v2beta1), autoscaling/v1's ``targetCPUUtilizationPercentage``, and the CPU default of an autoscaler that
    names no metric."""
    spec = hpa.spec
    version = hpa.api_version.partition("/")[2]
    if version == "v1":
        if "autoscaling.alpha.kubernetes.io/metrics" in hpa.annotations:
            return []  # metrics of the later versions, kept in an annotation: not read here
        if "targetCPUUtilizationPercentage" in spec:
            return [UtilizationMetric("cpu", None, ("spec", "targetCPUUtilizationPercentage"),
                                      "targetCPUUtilizationPercentage")]
        return [UtilizationMetric("cpu", None, ("spec", "scaleTargetRef"), DEFAULT_METRIC)]
    metrics = spec.get("metrics")
    if metrics is None or metrics == []:
        return [UtilizationMetric("cpu", None, ("spec", "scaleTargetRef"), DEFAULT_METRIC)]
    found = []
    for index, raw in enumerate(sequence(metrics)):
        metric = mapping(raw)
        kind = text(metric.get("type"))
        field_name = {"Resource": "resource", "ContainerResource": "containerResource"}.get(kind or "")
        if field_name is None:
            continue
        source = mapping(metric.get(field_name))
        name = text(source.get("name"))
        utilization = mapping(source.get("target")).get("type") == "Utilization" \
            or "targetAverageUtilization" in source
        if name not in ("cpu", "memory") or not utilization:
            continue
        container = text(source.get("container")) if field_name == "containerResource" else None
        if field_name == "containerResource" and not container:
            continue
        shown = f"{name} utilization" + (f" of container {container}" if container else "")
        found.append(UtilizationMetric(name, container, ("spec", "metrics", index, field_name, "name"), shown))
    return found


def _has_request(raw: Mapping[str, Any], resource: str) -> bool | None:
    """Whether a container (or a pod's ``resources``) requests ``resource``: a limit alone counts, the API server
    copies it to the request. None when the tree does not say (``resources`` is not a mapping)."""
    resources = raw.get("resources")
    if resources is None:
        return False
    if not isinstance(resources, dict):
        return None
    requests, limits = resources.get("requests"), resources.get("limits")
    if any(value is not None and not isinstance(value, dict) for value in (requests, limits)):
        return None
    return resource in mapping(requests) or resource in mapping(limits)


def _limit_range_default(tree: Tree, namespace: str | None, resource: str) -> str | None:
    """Why the pods of ``namespace`` may get a default request for ``resource`` at admission: a LimitRange of
    the tree there that defaults it, or an ``external`` entry declaring LimitRanges there."""
    for limit_range in tree.by_ref.values():
        if limit_range.kind != "LimitRange" or limit_range.ref.group != "" or limit_range.namespace != namespace:
            continue
        for item in sequence(limit_range.spec.get("limits")):
            item = mapping(item)
            if text(item.get("type")) not in (None, "Container"):
                continue
            if any(resource in mapping(item.get(key)) for key in ("defaultRequest", "default", "max")):
                return f"LimitRange {limit_range.name} in namespace {namespace} gives containers a default " \
                       f"{resource} request"
    for external in tree.options.external:
        # an entry naming LimitRanges of the namespace (any name it lists) declares that one exists
        name = external.names[0] if external.names else "limits"
        if external.kinds and external.matches("LimitRange", namespace, name):
            return f"{external.describe()} declares a LimitRange in namespace {namespace}"
    return None


@check("hpa-missing-requests")
def hpa_missing_requests(tree: Tree, params: Params) -> Iterator[Hit]:
    """A HorizontalPodAutoscaler on CPU or memory utilization whose target's containers do not request it."""
    graph = build_graph(tree)
    for hpa in tree.linted:
        if hpa.kind != "HorizontalPodAutoscaler" or hpa.ref.group != "autoscaling":
            continue
        edge = next(graph.edges(SCALES, hpa.ref), None)
        target = graph.resource(edge.target) if edge is not None else None
        template = graph.template(target) if target is not None else None
        if target is None or template is None:
            continue  # orphan-hpa-target, or pods an operator builds
        for metric in utilization_metrics(hpa):
            hit = _missing_request(tree, hpa, target, template, metric)
            if hit is not None:
                yield hit


def _missing_request(tree: Tree, hpa: Resource, target: Resource, template: PodTemplate,
                     metric: UtilizationMetric) -> Hit | None:
    if _has_request(template.spec, metric.resource) is not False:
        return None  # pod-level resources (or a spec the tree does not show)
    measured = [container for container in template.containers
                if (not container.init or container.raw.get("restartPolicy") == "Always")
                and (metric.container is None or container.name == metric.container)]
    lacking = []
    for container in measured:
        has = _has_request(container.raw, metric.resource)
        if has is None:
            return None
        if not has:
            lacking.append(container)
    if not lacking:
        return None
    names = ", ".join(f'"{container.name}"' for container in lacking)
    who = f"container {names} of {target.kind} {target.name} requests" if len(lacking) == 1 else \
        f"containers {names} of {target.kind} {target.name} request"
    how = "that container's request" if metric.container else \
        f"the {metric.resource} requests of every container, sidecars included"
    message = (f"{metric.shown} cannot be computed: {who} no {metric.resource} (the autoscaler divides usage by "
               f"{how}), so it reports 'missing request for {metric.resource}' and never scales on this metric")
    related = tuple(target.where(container.path, f"container {container.name}") for container in lacking)
    held = _limit_range_default(tree, hpa.namespace, metric.resource) or ""
    return Hit(message, hpa.where(metric.path), related, held=held)


# rolling-update-downtime -----------------------------------------------------------------------

DEPLOYMENT_GROUPS = frozenset({"apps", "extensions"})


def _fencepost(value: object, pods: int, round_up: bool) -> int | None:
    """A rolling update's ``maxSurge`` (rounded up) or ``maxUnavailable`` (rounded down) as a number of pods,
    as the deployment controller resolves it; None for a value the tree does not decide (a placeholder)."""
    share = percent(value)
    if share is not None:
        return -(-share * pods // 100) if round_up else share * pods // 100
    return count(value)


def _sole_services(graph: ResourceGraph) -> dict[ObjectRef, Resource]:
    """For each workload, the first Service of the tree (in edge order) whose only backend is its pods (another
    workload behind the same Service keeps serving while this one rolls)."""
    found: dict[ObjectRef, Resource] = {}
    for edge in graph.edges(SELECTS):
        if edge.target in found:
            continue
        groups = graph.selected.get(edge.source, [])
        service = graph.resource(edge.source)
        if service is not None and all(group.owner == edge.target for group in groups):
            found[edge.target] = service
    return found


def _claims(template: PodTemplate) -> list[str]:
    return [text(mapping(mapping(volume).get("persistentVolumeClaim")).get("claimName")) or ""
            for volume in sequence(template.spec.get("volumes"))
            if isinstance(mapping(volume).get("persistentVolumeClaim"), dict)]


@check("rolling-update-downtime")
def rolling_update_downtime(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Service's only Deployment whose rolling update may stop every pod before a new one is ready."""
    graph = build_graph(tree)
    scales = build_scales(tree)
    groups = {id(group.resource): group for group in graph.pods.groups}
    sole_services = _sole_services(graph)
    for deployment in tree.linted:
        if deployment.kind != "Deployment" or deployment.ref.group not in DEPLOYMENT_GROUPS:
            continue
        strategy = mapping(deployment.spec.get("strategy"))
        if text(strategy.get("type")) not in (None, "RollingUpdate"):
            continue  # Recreate: stopping the old pods first is what it asks for
        group = groups.get(id(deployment))
        service = sole_services.get(deployment.ref)
        scale = scales.of(group) if group is not None else None
        if service is None or scale is None or scale.pods == 0:
            continue
        hit = _downtime(deployment, strategy, scale, service)
        if hit is None:
            continue
        template = deployment.pod_template
        claims = _claims(template) if template is not None else []
        if claims:
            hit = replace(hit, held=f"the pods mount PersistentVolumeClaim {claims[0]}: a ReadWriteOnce volume "
                                    "cannot follow a new pod to another node while the old pod runs, so stopping "
                                    "the old pod first may be deliberate")
        yield hit


def _downtime(deployment: Resource, strategy: Mapping[str, Any], scale: Scale, service: Resource) -> Hit | None:
    rolling = mapping(strategy.get("rollingUpdate"))
    # extensions/v1beta1 defaulted both to 1, which stops a single pod at once; but the API server no longer
    # serves that version, and the apps/v1 that removed-api asks for defaults both to 25%: judge those
    surge_value = rolling.get("maxSurge", "25%")
    unavailable_value = rolling.get("maxUnavailable", "25%")
    pods = scale.pods
    surge = _fencepost(surge_value, pods, round_up=True)
    unavailable = _fencepost(unavailable_value, pods, round_up=False)
    if surge is None or unavailable is None:
        return None
    base: Path = ("spec", "strategy", "rollingUpdate")
    if surge == 0 and unavailable == 0:
        # the controller then allows one unavailable pod, so that the rollout can proceed at all
        unavailable, why, path = 1, f"maxSurge {surge_value} adds no pod first and maxUnavailable " \
            f"{unavailable_value} rounds down to 0, so the controller lets one pod go", (*base, "maxSurge")
    else:
        written = "maxUnavailable" in rolling
        why = f"maxUnavailable {unavailable_value}" + ("" if written else " (the default)")
        if percent(unavailable_value) is not None:
            why += f" of {pods} pod{'s' if pods != 1 else ''} is {unavailable}"
        path = (*base, "maxUnavailable") if written else ("spec", "strategy") if strategy else ("spec",)
    if unavailable < pods:
        return None
    lowest = "at its lowest scale, " if scale.autoscaler is not None else ""
    return Hit(f"a rolling update may stop all {pods} pod{'s' if pods != 1 else ''} of this Deployment before a "
               f"new one is ready ({why}; {lowest}{scale.reason}): Service {service.name}, which has no other "
               "backend, answers nothing during every rollout; use maxUnavailable: 0 with maxSurge: 1, or run more "
               "replicas", deployment.where(path),
               (service.where(("spec", "selector"), f"Service {service.name}"), scale.location))


# missing-readiness-probe -----------------------------------------------------------------------

RUN_TO_COMPLETION = frozenset({"Job", "CronJob"})
"""Kinds whose pods finish: no Service waits for them to be ready."""


@check("readiness-probe")
def readiness_probe(tree: Tree, params: Params) -> Iterator[Hit]:
    """Containers of long-running workloads without a readiness probe; for a Deployment that a Service sends
    traffic to and that rolls, the message says what the gap costs (the container that serves the Service)."""
    # every object of the unit, not only tree.linted: the message of a Deployment depends on the Services
    # beside it, so the commit gate must not keep this rule's findings of unchanged files (the engine reports
    # only the unit's own files)
    backends: dict[ObjectRef, list[Resource]] | None = None
    for resource in tree.resources:
        if resource.kind in RUN_TO_COMPLETION:
            continue
        template = template_of(resource, tree.workloads)
        if template is None:
            continue
        lacking = [container for container in template.containers
                   if not container.init and isinstance(resource.get(container.path), dict)
                   and "readinessProbe" not in container.raw]
        if not lacking:
            continue
        if backends is None:
            backends = _services_by_backend(build_graph(tree))
        services = backends.get(resource.ref, []) if _rolls(resource) else []
        for container in lacking:
            message = f'container "{container.name}" of {resource.kind} {resource.name} has no readiness probe'
            serving = [service for service in services if _serves(service, container, template.containers)]
            if serving and "startupProbe" not in container.raw:
                service = serving[0]
                yield Hit(f"{message}: Service {service.name} sends it traffic as soon as it starts, before the "
                          "application can answer, and a rolling update stops old pods as soon as new ones have "
                          "started", resource.where(container.path),
                          (service.where(("spec", "selector"), f"Service {service.name}"),))
            else:
                yield Hit(message, resource.where(container.path))


def _rolls(resource: Resource) -> bool:
    """Whether the object is a Deployment that updates by rolling (the default strategy)."""
    return resource.kind == "Deployment" and resource.ref.group in DEPLOYMENT_GROUPS \
        and text(mapping(resource.spec.get("strategy")).get("type")) in (None, "RollingUpdate")


def _services_by_backend(graph: ResourceGraph) -> dict[ObjectRef, list[Resource]]:
    """For each workload, the Services that select its pods."""
    found: dict[ObjectRef, list[Resource]] = defaultdict(list)
    for edge in graph.edges(SELECTS):
        service = graph.resource(edge.source)
        if service is not None and all(known.ref != service.ref for known in found[edge.target]):
            found[edge.target].append(service)
    return found


def _serves(service: Resource, container: Container, containers: tuple[Container, ...]) -> bool:
    """Whether ``container`` receives the Service's traffic: it declares a port the Service targets, or no
    container of the pod declares one (then any may listen on it)."""
    targets = [service_target(mapping(port))[0] for port in sequence(service.spec.get("ports"))]

    def declares(candidate: Container) -> bool:
        return any(port.number in targets or (port.name is not None and port.name in targets)
                   for port in candidate.ports)

    if declares(container):
        return True
    return not any(declares(other) for other in containers if not other.init or
                   other.raw.get("restartPolicy") == "Always")
