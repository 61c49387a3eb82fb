"""NetworkPolicy checks: default deny per namespace, isolation, orphan selectors and peers, ports, reachability.

They read :class:`~kubelint.analysis.netpol.Network` (the ``network`` analysis), built once per run on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubelint.analysis.netpol import (
    DIRECTIONS,
    EGRESS,
    INGRESS,
    Network,
    Peer,
    Policy,
    PolicyPort,
    build_network,
    host_network,
    listening_ports,
    namespace_location,
    port_numbers,
)
from kubelint.analysis.unseen import evidence_of
from kubelint.checks import Hit, Params, check
from kubelint.checks.orphan import describe, labels_of, orphan_hit
from kubelint.findings import Location
from kubelint.model.resource import Resource, mapping, sequence, service_target, text
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree


def group_names(groups: Iterable[PodGroup], limit: int = 3) -> str:
    """The first ``limit`` pod groups by title, then how many more: ``Deployment a, Deployment b and 2 more``."""
    groups = list(groups)
    shown = ", ".join(group.title for group in groups[:limit])
    return shown + (f" and {len(groups) - limit} more" if len(groups) > limit else "")


def _pods_of(groups: Iterable[PodGroup], what: str = "pods") -> tuple[Location, ...]:
    return tuple(group.resource.where((*(group.template_path or ()), "spec") if group.containers is not None
                                      else (), f"{what} of {group.title}") for group in list(groups)[:3])


# missing-default-deny-ingress / missing-default-deny-egress ------------------------------------


@check("missing-default-deny-ingress")
def missing_default_deny_ingress(tree: Tree, params: Params) -> Iterator[Hit]:
    """A namespace with workloads and no default-deny Ingress policy."""
    yield from _missing_default_deny(build_network(tree), INGRESS)


@check("missing-default-deny-egress")
def missing_default_deny_egress(tree: Tree, params: Params) -> Iterator[Hit]:
    """A namespace with workloads and no default-deny Egress policy."""
    yield from _missing_default_deny(build_network(tree), EGRESS)


def _missing_default_deny(network: Network, direction: str) -> Iterator[Hit]:
    word = direction.lower()
    namespaces = list(dict.fromkeys(group.namespace for group in network.workloads()))
    for namespace in namespaces:
        if namespace is None:
            continue
        policies = network.in_namespace.get(namespace, [])
        if any(policy.is_default_deny(direction) for policy in policies):
            continue
        blanket = [policy for policy in policies if policy.selector.selects_everything and direction in policy.types]
        if blanket:
            # podSelector {} isolates every present and future pod of the namespace, whatever it admits: the
            # namespace has its default isolation. Only one that admits everything is worth a word (as info).
            hit = _blanket_admits_all(network, namespace, direction, blanket)
            if hit is not None:
                yield hit
            continue
        groups = list(network.workloads(namespace))
        isolated = [group for group in groups if network.isolated(group, direction)]
        open_all = [group for group in isolated
                    if any(policy.admits_all(direction) for policy in network.policies_of(group, direction))]
        total, count = len(groups), len(isolated)
        if not isolated:
            state = (f"its only workload ({group_names(groups)}) is not isolated for {word}" if total == 1
                     else f"none of its {total} workloads is isolated for {word}")
        else:
            subject = "its only workload is" if total == 1 else f"all {total} of its workloads are" \
                if count == total else f"{count} of its {total} workloads {'is' if count == 1 else 'are'}"
            state = f"{subject} already isolated for {word} by other policies"
            if open_all:
                which = f"{len(open_all)} of them " if count > 1 else ""
                state += f" ({which}by a policy that admits all {word} traffic, which restricts nothing)"
            rest = [group for group in groups if group not in isolated]
            state += f"; {group_names(rest)} {'is' if len(rest) == 1 else 'are'} not" if rest else \
                "; pods added later with other labels are not"
        where = namespace_location(network, namespace)
        if where is None:
            continue
        implied = "" if any(group.resource.namespace_given for group in groups) else \
            " (the namespace of objects that name none)"
        yield Hit(f"namespace {namespace}{implied} has no default-deny {word} NetworkPolicy (podSelector {{}}, "
                  f"policyTypes [{direction}], no {word} rules): {state}", where)


def _blanket_admits_all(network: Network, namespace: str, direction: str, blanket: list[Policy]) -> Hit | None:
    """The info for a namespace whose every pod a ``podSelector: {}`` policy isolates, when one of them admits
    all traffic of the direction (a rule without peers and ports): the isolation then restricts nothing."""
    word = direction.lower()
    open_all = [policy for policy in blanket if policy.admits_all(direction)]
    where = namespace_location(network, namespace)
    if not open_all or where is None:
        return None
    policy = open_all[0]
    return Hit(f"namespace {namespace} has no default-deny {word} NetworkPolicy: {policy.resource.name} selects "
               f"every pod (podSelector {{}}), so they are all isolated for {word}, but it admits all {word} "
               f"traffic, which restricts nothing; a default deny with no {word} rules and policies for the "
               "traffic each workload needs would", where,
               (policy.resource.where(("spec", word), f"{word} rules of {policy.resource.name}"),), weaker=True)


# non-isolated-pod ----------------------------------------------------------------------------------


@check("non-isolated-pod", params={"directions": {
    "type": "array", "items": {"enum": ["Ingress", "Egress"]},
    "description": "The directions to report (default both)."}})
def non_isolated_pod(tree: Tree, params: Params) -> Iterator[Hit]:
    """A workload whose pods no NetworkPolicy selects, per direction."""
    network = build_network(tree)
    wanted = [direction for direction in DIRECTIONS if direction in params.get("directions", DIRECTIONS)]
    for group in network.workloads():
        open_directions = [direction for direction in wanted if not network.isolated(group, direction)]
        if not open_directions:
            continue
        words = " and ".join(direction.lower() for direction in open_directions)
        effect = {INGRESS: "any pod or address may connect to them", EGRESS: "they may connect anywhere"}
        yield Hit(f"no NetworkPolicy selects the pods of {group.title} for {words}: "
                  f"{'; '.join(effect[d] for d in open_directions)}", group.resource.where(()))


# orphan-networkpolicy-selector ---------------------------------------------------------------------


@check("orphan-networkpolicy-selector")
def orphan_networkpolicy_selector(tree: Tree, params: Params) -> Iterator[Hit]:
    """A non-empty podSelector that matches no pods of the policy's namespace."""
    network = build_network(tree)
    for policy in network.policies:
        selector = policy.selector
        if selector.problems or selector.selects_everything or network.selected[policy.ref]:
            continue
        yield orphan_hit(network.graph, policy.resource, selector, ("spec", "podSelector"),
                         f"podSelector {selector} matches no pods in namespace {policy.namespace}, so the policy "
                         "applies to none")


# orphan-networkpolicy-peer -------------------------------------------------------------------------


@check("orphan-networkpolicy-peer")
def orphan_networkpolicy_peer(tree: Tree, params: Params) -> Iterator[Hit]:
    """A from/to peer that selects no pods, where the tree can tell."""
    network = build_network(tree)
    for policy in network.policies:
        for direction, key in ((INGRESS, "from"), (EGRESS, "to")):
            for rule in policy.rules(direction):
                for peer in rule.peers or ():
                    hit = _orphan_peer(network, policy, peer, key)
                    if hit is not None:
                        yield hit


def _orphan_peer(network: Network, policy: Policy, peer: Peer, key: str) -> Hit | None:
    if peer.invalid or peer.is_ip_block:
        return None
    pods = peer.pods
    if peer.namespaces is None and pods is not None:
        # a podSelector alone: pods of the policy's own namespace
        if network.peer_targets(policy, peer).groups:
            return None
        return orphan_hit(network.graph, policy.resource, pods, (*peer.path, "podSelector"),
                          f"{key} peer: podSelector {pods} matches no pods in namespace {policy.namespace}, so the "
                          "peer admits nothing", elsewhere_hint="a podSelector alone selects pods of the policy's "
                          "own namespace; add a namespaceSelector to the same element")
    targets = network.peer_targets(policy, peer)
    if targets.groups or targets.outside:
        return None
    where = policy.resource.where(peer.path)
    if peer.namespaces is not None and not targets.namespaces:
        return Hit(f"{key} peer: namespaceSelector {peer.namespaces} matches no namespace "
                   f"({_known_namespaces(network, peer)}), so the peer admits nothing", where)
    if pods is None:
        return None  # without podSelector the peer selects every pod of namespaces that have pods: never empty
    plural = "s" if len(targets.namespaces) > 1 else ""
    base = (f"{key} peer: podSelector {pods} matches no pods in namespace{plural} {', '.join(targets.namespaces)}, "
            "so the peer admits nothing")
    for namespace in targets.namespaces:
        evidence = evidence_of(network.tree, namespace, pods)
        if evidence is not None:
            return Hit(base, where, held=evidence.reason)
    for namespace in targets.namespaces:
        nearest = network.graph.pods.nearest(namespace, pods)
        if nearest is not None:
            group, failing = nearest
            hints = ", ".join(_hint(group, r.key) for r in failing)
            return Hit(f"{base}; nearest: {describe(group)} has {hints}",
                       policy.resource.where((*peer.path, "podSelector", *failing[0].path)) if failing else where,
                       labels_of([group]))
    return Hit(base, where)


def _hint(group: PodGroup, key: str) -> str:
    if key in group.labels:
        return f"{key}={group.labels[key]}"
    import difflib

    close = difflib.get_close_matches(key, list(group.labels), n=1)
    return f"{close[0]}={group.labels[close[0]]}" if close else f"no label {key}"


def _known_namespaces(network: Network, peer: Peer) -> str:
    assert peer.namespaces is not None
    from kubelint.analysis.netpol import NAME_LABEL

    pinned = [name for r in peer.namespaces.requirements if r.key == NAME_LABEL for name in sorted(r.values)]
    described = []
    for name in pinned:
        info = network.namespaces.get(name)
        if info is not None:
            labels = ",".join(f"{k}={v}" for k, v in sorted(info.labels.items()) if k != NAME_LABEL)
            described.append(f"namespace {name} has {'labels ' + labels if labels else 'no other labels'}")
    return "; ".join(described) or "the tree's Namespace objects do not carry these labels"


# networkpolicy-port-mismatch -------------------------------------------------------------------


@check("networkpolicy-port-mismatch")
def networkpolicy_port_mismatch(tree: Tree, params: Params) -> Iterator[Hit]:
    """A policy port that no destination pod exposes."""
    network = build_network(tree)
    for policy in network.policies:
        for direction in DIRECTIONS:
            if direction not in policy.types:
                continue
            for rule in policy.rules(direction):
                if rule.ports is None:
                    continue
                if direction == INGRESS:
                    destinations = network.selected[policy.ref]
                    what = "the pods this policy selects"
                else:
                    if rule.peers is None:
                        continue
                    targets = network.rule_targets(policy, rule)
                    if targets.outside:
                        continue  # destinations beyond the tree: their ports are unknown
                    destinations = targets.groups
                    what = "the pods this rule's peers select"
                if not destinations or any(group.containers is None for group in destinations):
                    continue  # no pods (an orphan) or pods an operator builds: ports unknown
                for port in rule.ports:
                    hit = _port_hit(policy.resource, port, destinations, what)
                    if hit is not None:
                        yield hit


def _port_hit(resource: Resource, port: PolicyPort, groups: list[PodGroup], what: str) -> Hit | None:
    if port.port is None:
        return None
    declared = [item for group in groups for item in listening_ports(group)]
    if isinstance(port.port, str):
        if any(item.name == port.port and item.protocol == port.protocol for item in declared):
            return None
        other = sorted({item.protocol for item in declared if item.name == port.port})
        names = sorted({item.name for item in declared if item.name})
        detail = f" (declared only as {'/'.join(other)})" if other else ""
        known = f"; they name {', '.join(names)}" if names else "; they declare no named port"
        if port.port.isdigit():
            known += f" (a quoted number is a port name: write {port.port} unquoted)"
        return Hit(f"port {port.port!r} is not a {port.protocol} container port name of {what} "
                   f"({group_names(groups)}){detail}{known}; the rule admits nothing on it",
                   resource.where((*port.path, "port")), _pods_of(groups))
    if not all(listening_ports(group) for group in groups):
        return None  # some pods declare no ports: they may listen on it
    if any(item.number is not None and port.covers_number(item.number, item.protocol) for item in declared):
        return None
    numbers = sorted({f"{item.number}/{item.protocol}" for item in declared if item.number is not None})
    return Hit(f"port {port} is not declared by {what} ({group_names(groups)}), which declare "
               f"{', '.join(numbers) or 'no port number'}", resource.where((*port.path, "port")), _pods_of(groups),
               weaker=True)


# service-unreachable -----------------------------------------------------------------------------


@check("service-unreachable")
def service_unreachable(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Service port whose pods are all isolated for ingress and admit nothing on its target port."""
    network = build_network(tree)
    graph = network.graph
    for resource in tree.by_ref.values():
        if resource.ref.group != "" or resource.kind != "Service" or resource.spec.get("type") == "ExternalName":
            continue
        groups = graph.selected.get(resource.ref, [])
        if not groups or not all(network.isolated(group, INGRESS) and not host_network(group) for group in groups):
            continue  # some pods are open (host-network pods are not filtered by most network plugins)
        for index, raw in enumerate(sequence(resource.spec.get("ports"))):
            port = mapping(raw)
            target, defaulted = service_target(port)
            if target is None:
                continue
            protocol = text(port.get("protocol")) or "TCP"
            if isinstance(target, str) and all(
                group.containers is not None and not port_numbers(group, target, protocol) for group in groups
            ):
                continue  # the name resolves on no pod: service-target-port-mismatch reports that
            verdicts = [_admits(network, group, target, protocol) for group in groups]
            if any(verdict is not False for verdict in verdicts):
                continue
            policies = list(dict.fromkeys(policy for group in groups for policy in network.policies_of(group, INGRESS)))
            shown = f"port {target!r}" if defaulted else f"targetPort {target!r}"
            yield Hit(f"no NetworkPolicy admits {protocol} {shown} to the pods of this Service "
                      f"({group_names(groups)}), which are isolated for ingress by "
                      f"{', '.join(p.resource.name for p in policies[:3])}"
                      f"{' and more' if len(policies) > 3 else ''}: the Service can receive no traffic",
                      resource.where(("spec", "ports", index)),
                      tuple(policy.resource.where(("spec", "ingress"), f"ingress rules of {policy.resource.name}")
                            for policy in policies[:3]))


def _admits(network: Network, group: PodGroup, target: int | str, protocol: str) -> bool | None:
    """Whether some ingress rule of the policies selecting the group admits the target port from any source
    (None: cannot tell, a named port on pods whose containers are unknown)."""
    unknown = False
    for policy in network.policies_of(group, INGRESS):
        for rule in policy.ingress:
            if rule.ports is None:
                return True
            for entry in rule.ports:
                if entry.protocol != protocol:
                    continue
                if entry.port is None:
                    return True
                if isinstance(target, str) and isinstance(entry.port, str):
                    if entry.port == target:
                        return True
                    continue
                wanted = port_numbers(group, target, protocol) or None
                have = entry.numbers_on(group)
                if wanted is None or have is None:
                    unknown = True
                    continue
                if any(entry.covers_number(number, protocol) for number in wanted) or wanted & have:
                    return True
    return None if unknown else False
