"""Best-practice checks that JSON Schema cannot say: values inherited between pod and container, and namespaces.

Everything a schema can express lives in ``rules/*.yaml`` as ``container-schema``/``podspec-schema`` rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kubelint.checks import Hit, Params, check
from kubelint.checks.policy import pod_template, selected
from kubelint.findings import Path
from kubelint.model.resource import mapping, text
from kubelint.progress import processing_each

if TYPE_CHECKING:
    from kubelint.model.tree import Tree


def _effective(pod: Any, container: Any, key: str, kind: type, pod_path: Path, container_path: Path
               ) -> tuple[Any, Path | None]:
    """The value of a securityContext field as the kubelet sees it: the container's overrides the pod's."""
    for context, path in ((mapping(container), container_path), (mapping(pod), pod_path)):
        value = context.get(key)
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value, (*path, key)
    return None, None


@check("run-as-root")
def run_as_root(tree: Tree, params: Params) -> Iterator[Hit]:
    """Containers that may run as root: neither runAsNonRoot true nor a non-zero runAsUser applies to them.

    Pod-level ``securityContext`` applies to every container unless the container sets the same field;
    a container whose effective ``runAsUser`` is 0 runs as root whatever ``runAsNonRoot`` says (the
    kubelet then refuses to start it). Windows pods (``spec.os.name: windows``) are skipped.
    """
    with processing_each() as current:
        for resource in tree.linted:
            current.file = resource.file
            if not selected(resource, params):
                continue
            template = pod_template(resource, tree.workloads)
            if template is None or text(mapping(template.spec.get("os")).get("name")) == "windows":
                continue
            pod_context = template.spec.get("securityContext")
            pod_path = (*template.spec_path, "securityContext")
            # one finding per decisive node: a pod-level setting shared by three containers is one finding
            decisive: dict[Path, tuple[str, list[str]]] = {}
            for container in template.containers:
                container_context = container.raw.get("securityContext")
                container_path = (*container.path, "securityContext")
                uid, uid_path = _effective(pod_context, container_context, "runAsUser", int, pod_path,
                                           container_path)
                if uid is not None and uid_path is not None:
                    if uid == 0:
                        decisive.setdefault(uid_path, ("runs as root (runAsUser: 0)", []))[1].append(
                            container.name)
                    continue
                non_root, non_root_path = _effective(pod_context, container_context, "runAsNonRoot", bool,
                                                     pod_path, container_path)
                if non_root is True:
                    continue
                where = non_root_path if non_root_path is not None else container.path
                why = ("may run as root (runAsNonRoot: false and no runAsUser)" if non_root is False else
                       "may run as root (neither runAsNonRoot: true nor a non-zero runAsUser is set "
                       "for it or its pod)")
                decisive.setdefault(where, (why, []))[1].append(container.name)
            for where, (why, names) in decisive.items():
                label = "container" if len(names) == 1 else "containers"
                quoted = ", ".join(f'"{name}"' for name in names)
                yield Hit(f"{label} {quoted} of {resource.kind} {resource.name} {why}", resource.where(where))


@check("default-namespace")
def default_namespace(tree: Tree, params: Params) -> Iterator[Hit]:
    """Namespaced objects that end up in the ``default`` namespace (named there, or naming none)."""
    for resource in tree.linted:
        if resource.namespace != "default" or not selected(resource, params):
            continue
        if resource.namespace_given:
            yield Hit(f"{resource.kind} {resource.name} is in the default namespace",
                      resource.where(("metadata", "namespace")))
        else:
            yield Hit(f"{resource.kind} {resource.name} names no namespace and is linted as being in the "
                      "default namespace", resource.where(("metadata",)))
