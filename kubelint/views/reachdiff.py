"""``kubelint graph PATHS --reach --diff REF``: the connections a change opens and closes.

The tree at the git revision ``REF`` (read from git's objects, as ``--new-since`` reads it) and the working tree
are each reduced to their reach (:mod:`kubelint.analysis.reach`); connections are matched by their endpoints'
identities (``ns/Kind/name``, ``namespace:ns``, ``outside``) within the same unit, and their port sets
subtracted. An opened connection names the rules of the new tree that admit it, a closed one the rules of the
earlier tree that admitted it and what denies it now. Formats: text, Markdown for a pull-request comment (short
and grouped, the full list collapsed), JSON (``opened``, ``closed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import Any

from kubelint.analysis.netpol import EGRESS, OUTSIDE, Network, Port
from kubelint.analysis.reach import (
    Admission,
    Endpoint,
    PortSet,
    Reach,
    Side,
    build_reach,
    decide,
    endpoint_key,
    endpoint_label,
    exposed,
    ref_label,
)
from kubelint.findings import dotted
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.records import record
from kubelint.report.escape import escape_control, json_text

FORMATS = ("text", "markdown", "json")
OPENED_TO_OUTSIDE = "reach-opened-to-outside"
SHORT_GROUPS = 12
"""How many grouped lines the Markdown summary shows before the collapsed full list takes over."""


@record(frozen=True)
class Reason:
    """One line of why: a rule of a policy at its place, or a plain statement."""

    text: str
    file: str = ""
    line: int = 0
    policy: str = ""
    rule: str = ""

    @classmethod
    def of(cls, admission: Admission) -> Reason:
        location = admission.location
        return cls(admission.describe(), location.file, location.line, str(admission.policy.ref),
                   dotted(admission.rule.path))

    def __str__(self) -> str:
        return f"{self.text} ({self.file}:{self.line})" if self.file else self.text


@record
class Change:
    """A connection opened or closed (on ``ports``) in one unit."""

    kind: str
    unit: str
    source: Endpoint
    destination: Endpoint
    ports: PortSet
    reasons: list[Reason] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    """Rule ids of the warnings this change raises (``reach-opened-to-outside``)."""

    @property
    def source_label(self) -> str:
        return endpoint_label(self.source)

    @property
    def destination_label(self) -> str:
        return endpoint_label(self.destination)

    @property
    def port_labels(self) -> list[str]:
        return self.ports.describe(self.destination)


@record
class ReachDiff:
    revision: str
    opened: list[Change] = field(default_factory=list)
    closed: list[Change] = field(default_factory=list)


def unit_name(tree: Tree, count: int) -> str:
    return tree.label if count > 1 else ""


def diff_reach(before: Iterable[Tree], after: Iterable[Tree], revision: str) -> ReachDiff:
    """What changed in who may connect to whom from the units of ``before`` to those of ``after``."""
    old_units, new_units = list(before), list(after)
    old = {unit_name(tree, len(old_units)): tree for tree in old_units}
    new = {unit_name(tree, len(new_units)): tree for tree in new_units}
    result = ReachDiff(revision)
    for unit in list(dict.fromkeys([*new, *old])):
        _diff_unit(result, unit, old.get(unit), new.get(unit))
    order = {"opened": 0, "closed": 1}
    for changes in (result.opened, result.closed):
        changes.sort(key=lambda c: (order[c.kind], c.unit, endpoint_key(c.destination), endpoint_key(c.source)))
    return result


def _diff_unit(result: ReachDiff, unit: str, old_tree: Tree | None, new_tree: Tree | None) -> None:
    old_reach = build_reach(old_tree) if old_tree is not None else None
    new_reach = build_reach(new_tree) if new_tree is not None else None
    old_map = old_reach.connections if old_reach is not None else {}
    new_map = new_reach.connections if new_reach is not None else {}
    for key, connection in new_map.items():
        before = old_map.get(key) or old_map.get(_as_outside(key, old_reach))
        opened = connection.ports - before.ports if before is not None else connection.ports
        if opened:
            assert new_reach is not None
            change = Change("opened", unit, connection.source, connection.destination, opened)
            change.reasons = _opened_reasons(new_reach.network, old_reach, change)
            if connection.source == OUTSIDE and _newly_exposed(new_reach.network, old_reach, connection.destination):
                change.findings.append(OPENED_TO_OUTSIDE)
            result.opened.append(change)
    for key, connection in old_map.items():
        after = new_map.get(key) or new_map.get(_as_outside(key, new_reach))
        closed = connection.ports - after.ports if after is not None else connection.ports
        if closed:
            assert old_reach is not None
            change = Change("closed", unit, connection.source, connection.destination, closed)
            change.reasons = _closed_reasons(old_reach.network, new_reach, change)
            result.closed.append(change)


def _as_outside(key: tuple[str, str], other: Reach | None) -> tuple[str, str]:
    """The key of the same connection in the other state, where a namespace that no policy of that state names
    is part of ``outside`` (``namespace:ingress-nginx -> frontend`` becomes ``outside -> frontend`` once no
    policy pins ingress-nginx any more: its pods may still connect, as everything outside may)."""
    if other is None:
        return key
    source, destination = (OUTSIDE if part.startswith("namespace:") and other.endpoint(part) is None else part
                           for part in key)
    return source, destination


def _responsible(network: Network, source: Endpoint, destination: Endpoint, ports: PortSet) -> list[Side]:
    decision = decide(network, source, destination)
    return [side for side in (decision.egress, decision.ingress) if side is not None]


def _admissions_for(side: Side, ports: PortSet, destination: Endpoint) -> list[Admission]:
    return [admission for admission in side.admissions
            if PortSet.of(Port(True) if admission.rule.ports is None else Port(False, admission.rule.ports),
                          destination) & ports or not ports.ranges]


def _opened_reasons(network: Network, old_reach: Reach | None, change: Change) -> list[Reason]:
    reasons: list[Reason] = []
    old_network = old_reach.network if old_reach is not None else None
    for side in _responsible(network, change.source, change.destination, change.ports):
        subject = endpoint_label(side.subject)
        word = side.direction.lower()
        if not side.isolated:
            earlier = _old_isolation(old_network, side.subject, side.direction)
            if earlier is None:
                reasons.append(Reason(f"{subject} is new and not isolated for {word}"))
            elif earlier:
                reasons.append(Reason(f"{subject} is no longer isolated for {word} (it was by "
                                      f"{', '.join(earlier)})"))
            else:
                reasons.append(Reason(f"{subject} is not isolated for {word}"))
            continue
        reasons.extend(Reason.of(admission) for admission in _admissions_for(side, change.ports, change.destination))
    return _unique(reasons)


def _old_isolation(old_network: Network | None, subject: PodGroup, direction: str) -> list[str] | None:
    """The earlier tree's policies isolating the same workload (None: the workload is new)."""
    if old_network is None:
        return None
    old = next((group for group in old_network.workloads() if group.owner == subject.owner), None)
    if old is None:
        return None
    return [f"{ref_label(policy.ref)} at {policy.resource.file}:{policy.resource.position(())[0]}"
            for policy in old_network.policies_of(old, direction)]


def _closed_reasons(old_network: Network, new_reach: Reach | None, change: Change) -> list[Reason]:
    reasons: list[Reason] = []
    gone = []
    now: Network | None = new_reach.network if new_reach is not None else None
    source = _same(new_reach, change.source)
    destination = _same(new_reach, change.destination)
    for endpoint, found in ((change.source, source), (change.destination, destination)):
        if found is None:
            gone.append(f"{endpoint_label(endpoint)} is gone")
    reasons.extend(Reason(text) for text in gone)
    if now is not None and source is not None and destination is not None:
        decision = decide(now, source, destination)
        for side in (decision.egress, decision.ingress):
            if side is None or not side.isolated:
                continue
            admitted = _admissions_for(side, change.ports, destination)
            if admitted:
                continue
            word = "egress from" if side.direction == EGRESS else "ingress to"
            policies = ", ".join(f"{ref_label(p.ref)} ({p.resource.file}:{p.resource.position(())[0]})"
                                 for p in side.isolating)
            reasons.append(Reason(f"{word} {endpoint_label(side.subject)} is isolated by {policies} and no rule "
                                  f"admits it on {', '.join(change.port_labels)} any more"))
    for side in _responsible(old_network, change.source, change.destination, change.ports):
        if side.isolated:
            reasons.extend(Reason("was: " + str(Reason.of(a)))
                           for a in _admissions_for(side, change.ports, change.destination))
    return _unique(reasons)


def _same(reach: Reach | None, endpoint: Endpoint) -> Endpoint | None:
    if reach is None:
        return None
    if endpoint == OUTSIDE:
        return OUTSIDE
    return reach.endpoint(endpoint_key(endpoint))


def _newly_exposed(network: Network, old_reach: Reach | None, destination: Endpoint) -> bool:
    """Everything outside may now connect to the workload, and could not in the earlier tree."""
    if not isinstance(destination, PodGroup) or not exposed(network, destination):
        return False
    if old_reach is None:
        return True
    old = old_reach.endpoint(endpoint_key(destination))
    return not isinstance(old, PodGroup) or not exposed(old_reach.network, old)


def _unique(reasons: list[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))


# rendering -----------------------------------------------------------------------------------------


def _unit(change: Change) -> str:
    return f"[{change.unit}] " if change.unit else ""


def _groups(changes: list[Change]) -> list[tuple[list[Change], list[Reason]]]:
    """Consecutive changes with the same kind, destination, ports and reasons, together."""
    groups: list[tuple[list[Change], list[Reason]]] = []
    for change in changes:
        if groups:
            last, reasons = groups[-1]
            head = last[0]
            if (head.kind, head.unit, endpoint_key(head.destination), head.ports, reasons) == (
                    change.kind, change.unit, endpoint_key(change.destination), change.ports, change.reasons):
                last.append(change)
                continue
        groups.append(([change], change.reasons))
    return groups


def render_text(diff: ReachDiff) -> str:
    lines = [f"NetworkPolicy reach since {diff.revision}: {len(diff.opened)} opened, {len(diff.closed)} closed"]
    for kind, changes, mark in (("opened", diff.opened, "+"), ("closed", diff.closed, "-")):
        if not changes:
            continue
        lines.append("")
        lines.append(f"{kind}:")
        for group, reasons in _groups(changes):
            for change in group:
                flag = "".join(f"  [{rule}]" for rule in change.findings)
                lines.append(f"  {mark} {_unit(change)}{change.source_label} -> {change.destination_label}  "
                             f"{', '.join(change.port_labels)}{flag}")
            lines += [f"      {reason}" for reason in reasons]
    return escape_control("\n".join(lines) + "\n", keep_newlines=True)


_MARKDOWN = str.maketrans({char: f"&#{ord(char)};" for char in "&<>|`*_[]\\~@"})


def markdown_text(text: str) -> str:
    """Text from manifests inside Markdown (a table cell, a list item): no markup, no HTML, no mentions, no line
    breaks."""
    return escape_control(text).translate(_MARKDOWN)


def _md_reasons(reasons: list[Reason]) -> str:
    return "<br>".join(markdown_text(str(reason)) for reason in reasons) or "-"


def render_markdown(diff: ReachDiff) -> str:
    opened, closed = diff.opened, diff.closed
    title = (f"### NetworkPolicy reach: {len(opened)} connection{'s' if len(opened) != 1 else ''} opened, "
             f"{len(closed)} closed since `{markdown_text(diff.revision)}`")
    lines = [title, ""]
    if not opened and not closed:
        lines.append("No connection is opened or closed.")
        return "\n".join(lines) + "\n"
    exposed_to = list(dict.fromkeys(change.destination_label for change in opened if change.findings))
    for label in exposed_to:
        lines.append(f"> **Warning** ({OPENED_TO_OUTSIDE}): everything outside the tree may now connect to "
                     f"**{markdown_text(label)}**")
    if exposed_to:
        lines.append("")
    groups = _groups([*opened, *closed])
    lines += ["| | to | from | ports | because |", "|---|---|---|---|---|"]
    for group, reasons in groups[:SHORT_GROUPS]:
        head = group[0]
        sources = ", ".join(markdown_text(change.source_label) for change in group)
        lines.append(f"| {head.kind} | {markdown_text(_unit(head))}{markdown_text(head.destination_label)} | "
                     f"{sources} | {markdown_text(', '.join(head.port_labels))} | {_md_reasons(reasons)} |")
    if len(groups) > SHORT_GROUPS:
        lines.append(f"\n... and {len(groups) - SHORT_GROUPS} more groups in the full list.")
    lines += ["", f"<details><summary>All {len(opened) + len(closed)} changes</summary>", "",
              "| | from | to | ports |", "|---|---|---|---|"]
    for change in [*opened, *closed]:
        lines.append(f"| {change.kind} | {markdown_text(_unit(change))}{markdown_text(change.source_label)} | "
                     f"{markdown_text(change.destination_label)} | "
                     f"{markdown_text(', '.join(change.port_labels))} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    kind = "workload" if isinstance(endpoint, PodGroup) else "namespace" if endpoint != OUTSIDE else "outside"
    return {"id": endpoint_key(endpoint), "kind": kind, "label": endpoint_label(endpoint)}


def _change_json(change: Change) -> dict[str, Any]:
    return {
        **({"unit": change.unit} if change.unit else {}),
        "source": _endpoint_json(change.source),
        "destination": _endpoint_json(change.destination),
        "ports": change.port_labels,
        "because": [{"text": reason.text, "policy": reason.policy or None, "rule": reason.rule or None,
                     "file": reason.file or None, "line": reason.line or None} for reason in change.reasons],
        "findings": change.findings,
    }


def render_json(diff: ReachDiff) -> str:
    return json_text({"kind": "reach-diff", "revision": diff.revision,
                      "opened": [_change_json(change) for change in diff.opened],
                      "closed": [_change_json(change) for change in diff.closed]}) + "\n"


def render(diff: ReachDiff, format_name: str) -> str:
    if format_name == "json":
        return render_json(diff)
    if format_name == "markdown":
        return render_markdown(diff)
    return render_text(diff)

