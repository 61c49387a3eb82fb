"""Claims and volume mounts: pod volumes that name a PersistentVolumeClaim the tree does not define, and volume
mounts that name no volume of the pod (nor, in a StatefulSet, one of its ``volumeClaimTemplates``)."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.analysis.graph import USES, build_graph
from kubelint.analysis.references import build_references
from kubelint.checks import Hit, Params, check, object_check
from kubelint.checks.references import REQUIRE_DEFINED, reference_hit
from kubelint.model.resource import Resource, mapping, sequence, text
from kubelint.model.tree import Tree


@check("missing-claim", params=REQUIRE_DEFINED)
def missing_claim(tree: Tree, params: Params) -> Iterator[Hit]:
    """A pod volume that names a PersistentVolumeClaim the tree does not define."""
    graph = build_graph(tree)
    references = build_references(tree)
    require = params.get("require_defined", True)
    for edge in graph.edges(USES):
        target = edge.target
        if target.kind != "PersistentVolumeClaim" or target.group != "":
            continue
        source = graph.resource(edge.source)
        assert source is not None
        resolution = references.resolve(target, require)
        hit = reference_hit(source, edge, resolution, f"PersistentVolumeClaim {target.name!r}",
                            "the pods stay Pending until it exists", "pods mount only claims of their own namespace")
        if hit is not None:
            yield hit


@object_check("unknown-volume-mount")
def unknown_volume_mount(resource: Resource, params: Params) -> Iterator[Hit]:
    """A container's ``volumeMounts`` (or ``volumeDevices``) entry whose name is not a volume of the pod; in a
    StatefulSet the names of its ``volumeClaimTemplates`` count as volumes (the controller adds them)."""
    template = resource.pod_template
    if template is None:
        return
    volumes = {text(mapping(volume).get("name")) for volume in sequence(template.spec.get("volumes"))}
    claims: set[str | None] = set()
    if resource.kind == "StatefulSet":
        claims = {text(mapping(mapping(claim).get("metadata")).get("name"))
                  for claim in sequence(resource.spec.get("volumeClaimTemplates"))}
    known = volumes | claims
    for container in template.containers:
        for field_name in ("volumeMounts", "volumeDevices"):
            for index, raw in enumerate(sequence(container.raw.get(field_name))):
                name = text(mapping(raw).get("name"))
                if not name or name in known:
                    continue
                if resource.kind == "StatefulSet":
                    consequence = ("the StatefulSet controller cannot create the pods (the API server refuses them: "
                                   "volumeMounts name not found)")
                    declared = "neither a volume of the pod nor a volumeClaimTemplate"
                else:
                    consequence = "the API server refuses the object (volumeMounts name not found)"
                    declared = "not a volume of the pod"
                yield Hit(f"container {container.name!r} mounts volume {name!r}, which is {declared}; {consequence}",
                          resource.where((*container.path, field_name, index, "name")))
