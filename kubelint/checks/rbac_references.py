"""RBAC reference checks: a binding's ``roleRef`` to a Role or ClusterRole, and its ServiceAccount ``subjects``,
that the tree does not define.

The API server accepts both (a binding to a missing role is stored, and grants nothing until the role exists; a
subject is only a name): the mistake shows later, as ``forbidden`` errors of the workload that was meant to get
the permissions. What is reported is decided by the ``references`` analysis, as for the other reference rules
(:func:`kubelint.checks.references.reference_hit`): built-in ClusterRoles (``view``, ``edit``, ``admin``,
``cluster-admin``, ``system:*``) and ``external`` entries exist, evidence that something creates the object holds
the finding back, and a namespace in which the tree defines no object of that kind is held by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.analysis.graph import BINDS, GRANTS, build_graph
from kubelint.analysis.references import build_references
from kubelint.checks import Hit, Params, check
from kubelint.checks.references import REQUIRE_DEFINED, reference_hit
from kubelint.model.tree import Tree


@check("unknown-role", params=REQUIRE_DEFINED)
def unknown_role(tree: Tree, params: Params) -> Iterator[Hit]:
    """A RoleBinding or ClusterRoleBinding whose ``roleRef`` names a Role or ClusterRole the tree does not
    define (and that is not built in)."""
    graph = build_graph(tree)
    references = build_references(tree)
    require = params.get("require_defined", True)
    for edge in graph.edges(BINDS):
        source = graph.resource(edge.source)
        assert source is not None
        target = edge.target
        resolution = references.resolve(target, require)
        scope = ("a RoleBinding's roleRef of kind Role names a Role of the binding's own namespace"
                 if target.kind == "Role" else "")
        hit = reference_hit(source, edge, resolution, f"{target.kind} {target.name!r}",
                            "the binding grants nothing until it exists", scope)
        if hit is not None:
            yield hit


@check("unknown-rbac-subject", params=REQUIRE_DEFINED)
def unknown_rbac_subject(tree: Tree, params: Params) -> Iterator[Hit]:
    """A RoleBinding or ClusterRoleBinding that grants a role to a ServiceAccount the tree does not define
    (``default`` always exists)."""
    graph = build_graph(tree)
    references = build_references(tree)
    require = params.get("require_defined", True)
    for edge in graph.edges(GRANTS):
        source = graph.resource(edge.source)
        assert source is not None
        target = edge.target
        if target.namespace is None:
            continue  # a ClusterRoleBinding's subject without a namespace: the API server refuses it (schema)
        resolution = references.resolve(target, require)
        hit = reference_hit(source, edge, resolution, f"ServiceAccount {target.name!r}",
                            "the binding grants its role to no one until it exists (pods meant to run as it are "
                            "not created, and a differently named account gets none of these permissions)",
                            "a subject names the account of its own namespace field (the binding's namespace "
                            "when it has none)")
        if hit is not None:
            yield hit
