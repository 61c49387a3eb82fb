"""``api-validation``: what the API server's hand-written validation refuses, in its words, at the node.

The OpenAPI schemas (``schema-invalid``) say which fields exist and their types; the API server checks much
more in code (:mod:`kubelint.apivalidation`). An error means the object is refused (``Deployment.apps "web" is
invalid: ...``), or, for a StatefulSet's pod template, that the StatefulSet is accepted and its pods are refused.
What the API server only warns about (it accepts the object and kubectl prints ``Warning: ...``) is reported one
level lower, as a warning. A value holding a placeholder (``{{uid}}``, ``<node-hostname>``, ``${NAME}``) is
replaced before the file is applied: kubelint cannot know the value the API server will see and says nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.apivalidation.names import is_placeholder
from kubelint.apivalidation.objects import validate
from kubelint.checks import Hit, Params, object_check
from kubelint.model.resource import Resource
from kubelint.podsecurity.text import go_quote


def _kind(resource: Resource) -> str:
    """``Deployment.apps``: how the API server names a kind in its errors."""
    group = resource.ref.group
    return f"{resource.kind}.{group}" if group else resource.kind


@object_check("api-validation")
def api_validation(resource: Resource, params: Params) -> Iterator[Hit]:
    """The API server's hand-written validation of one object."""
    if resource.ref.group not in ("", "apps", "batch", "networking.k8s.io", "policy", "autoscaling"):
        return
    for problem in validate(resource):
        error = problem.error
        if is_placeholder(error.value):
            continue  # a template filled in before it is applied: the value checked is not the one written
        if error.warning:
            message = f"{resource.kind} accepted with a warning: {error.text()}"
        elif problem.pods_of:
            message = (f"{resource.kind} accepted; its pods will be rejected: Pod {go_quote(problem.pods_of)} is "
                       f"invalid: {error.text()}")
        else:
            message = f"{_kind(resource)} {go_quote(resource.name)} is invalid: {error.text()}"
        yield Hit(message, resource.where(error.path), weaker=error.warning)
