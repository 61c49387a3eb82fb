"""RBAC as a tree states it: its Roles and ClusterRoles, and the role each binding grants, in which scope.

Three analyses ask the same questions of a tree's RBAC objects: which workloads may create pods (unseen pods),
which may create the objects a reference names (references), and which objects a program may read through the
API (usage). This analysis indexes the roles and resolves each binding's ``roleRef`` once per tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import RBAC_GROUP
from kubelint.model.resource import Resource, mapping, sequence, text

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

RoleKey = tuple[str, "str | None", str]
"""(kind, namespace, name) of a Role (namespace None for a ClusterRole)."""


class Grant(NamedTuple):
    """One binding's ``roleRef``, resolved against the tree."""

    binding: Resource
    kind: str
    """``Role`` or ``ClusterRole``."""
    name: str
    role: Resource | None
    """The tree's definition of the role; None when the tree does not define it (a built-in, or elsewhere)."""
    scope: str | None
    """The namespace the grant applies in; None for every namespace (a ClusterRoleBinding)."""


class Rbac(NamedTuple):
    """A tree's Roles and ClusterRoles by (kind, namespace, name), and the grants of its bindings in tree order."""

    roles: dict[RoleKey, Resource]
    grants: list[Grant]


@analysis_of("rbac")
def build_rbac(tree: Tree) -> Rbac:
    """The roles of a tree and what each of its bindings grants (a roleRef of another kind grants nothing)."""
    roles: dict[RoleKey, Resource] = {}
    bindings: list[Resource] = []
    for resource in tree.by_ref.values():
        if resource.ref.group != RBAC_GROUP:
            continue
        if resource.kind in ("Role", "ClusterRole"):
            roles[(resource.kind, resource.namespace, resource.name)] = resource
        elif resource.kind in ("RoleBinding", "ClusterRoleBinding"):
            bindings.append(resource)
    grants: list[Grant] = []
    for binding in bindings:
        role_ref = mapping(binding.raw.get("roleRef"))
        kind, name = text(role_ref.get("kind")) or "", text(role_ref.get("name"))
        if kind not in ("Role", "ClusterRole") or not name:
            continue
        role = roles.get((kind, binding.namespace if kind == "Role" else None, name))
        scope = binding.namespace if binding.kind == "RoleBinding" else None
        grants.append(Grant(binding, kind, name, role, scope))
    return Rbac(roles, grants)


def service_accounts_of(binding: Resource) -> Iterable[tuple[str | None, str]]:
    """The ServiceAccounts a binding's subjects name, as (namespace, name); ``system:serviceaccounts`` groups
    are left out (every account of a namespace is no one controller)."""
    for raw in sequence(binding.raw.get("subjects")):
        subject = mapping(raw)
        kind, name = text(subject.get("kind")), text(subject.get("name"))
        if kind == "ServiceAccount" and name:
            yield text(subject.get("namespace")) or binding.namespace, name
        elif kind == "User" and name and name.startswith("system:serviceaccount:"):
            parts = name.split(":")
            if len(parts) == 4:
                yield parts[2], parts[3]
