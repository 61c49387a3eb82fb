"""The findings ``kubelint graph`` draws: each relationship finding on the edge it is about.

A picture of a tree with a broken reference should not look like a healthy one. The graph view runs the rules
about relationships (tagged ``relationships``, ``network-policy``, ``references``, ``gateway-api`` or ``istio``,
as the configuration selects and suppresses them) and lays every warning or error on the edge whose reference it
is about: the finding's object is the edge's source and the finding's place lies inside the part of the object
that makes the edge (a Service's ``spec.selector`` and ``spec.ports``, a NetworkPolicy rule, an Ingress backend,
a route's ``backendRefs`` entry, a volume's ``configMap``).
"""

from __future__ import annotations

from collections.abc import Iterable

from kubelint.findings import Finding, Path, Severity
from kubelint.model.tree import Tree

DRAWN_TAGS = frozenset({"relationships", "network-policy", "references", "gateway-api", "istio"})
"""The rules whose findings can be about an edge."""


def relationship_findings(tree: Tree) -> list[Finding]:
    """The active warnings and errors of the relationship rules on ``tree``, decided as ``kubelint lint`` decides
    them: on each unit the rules run on (not on the pictures' units, which put plain files together), with what
    the checks hold back left out, after suppressions."""
    from kubelint.catalog import load_catalog
    from kubelint.engine import merge_units, own_findings, run_rules, select_rules
    from kubelint.suppress import suppress

    catalog = load_catalog(tree.options.rule_dirs)
    rules = {rule_id: rule for rule_id, rule in select_rules(catalog, tree.options).items()
             if DRAWN_TAGS.intersection(rule.tags)}
    units = tree.units()
    if len(units) == 1 and units[0] is tree:
        found = run_rules(tree, rules.values())
    else:
        found = merge_units([own_findings(unit, run_rules(unit, rules.values())) for unit in units])
    found = [finding for finding in found if not finding.held]
    return [finding for finding in suppress(found, tree, rules, catalog)
            if not finding.suppressed and finding.severity >= Severity.WARNING and finding.ref is not None]


def of_unit(findings: Iterable[Finding], unit: Tree) -> list[Finding]:
    """The findings about the files of one drawn unit."""
    files = unit.member_files
    return [finding for finding in findings if files is None or finding.file in files]


def covers(scopes: Iterable[Path], path: Path) -> bool:
    """Whether a finding at ``path`` is about an edge made by the parts of its object at ``scopes``: inside one
    of them, or (for a finding at a field of two or more steps) around one."""
    for scope in scopes:
        if not scope:
            continue
        if path[:len(scope)] == scope or (len(path) >= 2 and scope[:len(path)] == path):
            return True
    return False


def edge_scopes(relation: str, path: Path, selects: str, allows: Iterable[str]) -> tuple[Path, ...]:
    """The parts of the source object that make one edge: a reference's enclosing mapping (``configMapRef``
    for ``configMapRef.name``, a backend for its ``service.name``), a Service's selector and ports, a
    NetworkPolicy's whole rule (peers and ports)."""
    if relation == selects and path[:2] == ("spec", "selector"):
        return (("spec", "selector"), ("spec", "ports"))
    if relation in allows:
        return (path[:3],)
    if len(path) > 1 and (path[-1] in ("name", "host") or (path[-1] == "serviceName" and path[-2] == "backend")):
        return (path[:-1],)  # ``serviceName`` alone is also a StatefulSet's spec.serviceName: no wider than it
    return (path,)


def rule_ids(findings: Iterable[Finding]) -> list[str]:
    """The rule ids of ``findings``, each once, in order."""
    return list(dict.fromkeys(finding.rule for finding in findings))


