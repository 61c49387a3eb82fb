"""Unused objects: ConfigMaps, Secrets, ServiceAccounts, Roles and ClusterRoles that nothing in the tree uses.

What counts as a use, and what the tree cannot decide (held back: ``-v`` says why), is the ``usage`` analysis
(:mod:`kubelint.analysis.usage`). Off by default and hardening advice (info): an unused object costs nothing
but confusion, and is often the other half of a misspelled reference (``missing-configmap`` and
``missing-secret`` point at it).
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.analysis.usage import KINDS, build_usage
from kubelint.checks import Hit, Params, check
from kubelint.model.tree import Tree

WHAT_USES: dict[str, str] = {
    "ConfigMap": "no pod reads it (env, envFrom, volumes), no other object names it, and no RBAC rule of the tree "
                 "lets a program read it through the API",
    "Secret": "no pod reads it (env, envFrom, volumes, imagePullSecrets), no Ingress or ServiceAccount names it, no "
              "other object names it, and no RBAC rule of the tree lets a program read it through the API",
    "ServiceAccount": "no pod runs as it, no binding grants it a role, and no other object names it",
    "Role": "no RoleBinding binds it and no other object names it, so it grants nothing",
    "ClusterRole": "no binding binds it, no other object names it, and it is not aggregated, so it grants nothing",
}

KIND_PARAM = {"kinds": {
    "type": "array", "items": {"enum": sorted(KINDS)}, "uniqueItems": True,
    "description": "The kinds to report (default: all of ConfigMap, Secret, ServiceAccount, Role, ClusterRole)."}}


@check("unused-object", params=KIND_PARAM)
def unused_object(tree: Tree, params: Params) -> Iterator[Hit]:
    """ConfigMaps, Secrets, ServiceAccounts, Roles and ClusterRoles of the tree that nothing in it uses."""
    kinds = set(params.get("kinds") or KINDS)
    usages = build_usage(tree)
    for ref, usage in usages.usage.items():
        if ref.kind not in kinds or usage.state == "used":
            continue
        resource = tree.by_ref.get(ref)
        if resource is None:
            continue
        where = resource.where(("metadata", "name") if "name" in resource.metadata else ())
        message = f"{ref.kind} {ref.name} is used by nothing in the tree: {WHAT_USES[ref.kind]}"
        if ref.kind == "ClusterRole":
            account = usages.named_after(ref.name)
            if account is not None:
                message += f" (ServiceAccount {account} is named after it: is its binding missing?)"
        message += "; delete it if it is left over, or check the references meant for it"
        if usage.state == "held":
            yield Hit(message, where, held=usage.reason)
        else:
            yield Hit(message, where)
