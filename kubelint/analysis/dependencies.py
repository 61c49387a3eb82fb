"""Declared dependencies: what becomes of each Service address of the ``service-addresses`` analysis — the
Service exists, has the port, and the NetworkPolicies (the ``network`` analysis) let each client reach its pods
there. Shared by the ``unreachable-dependency`` check and ``kubelint graph --reach``, which draws each declared
dependency with its verdict.
"""

from __future__ import annotations

import difflib
from dataclasses import field

from kubelint.analysis.addresses import Address
from kubelint.analysis.netpol import EGRESS, INGRESS, Network, Port, host_network, listening_ports, port_numbers
from kubelint.analysis.references import declared_reason
from kubelint.findings import Location
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, service_target, text
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.records import record

NEAR = 0.8
"""How close a Service name must be to a missing one for the address to be taken as a typo of it."""


def _service_named(tree: Tree, namespace: str | None, name: str) -> Location:
    found = tree.by_ref[ObjectRef("", "Service", namespace, name)]
    return found.where((), f"Service {name}")


@record
class Verdict:
    """What becomes of one address: missing Service, missing port, or which clients the policies stop."""

    address: Address
    problem: str = ""
    """Why the address leads nowhere (no Service, no such port): empty when it leads to a Service port."""
    held: str = ""
    """Why the tree cannot decide (a namespace it shows nothing of)."""
    declared: str = ""
    """Why a Service the tree does not define exists anyway (the API server's, an ``external`` entry)."""
    denied: list[tuple[PodGroup, PodGroup, str]] = field(default_factory=list)
    """(client, server, which side denies) for each pair the NetworkPolicies keep apart."""
    allowed: list[tuple[PodGroup, PodGroup]] = field(default_factory=list)
    uncertain: bool = False
    """A denial that an ipBlock rule may lift (whether ipBlocks match pod addresses depends on the network
    plugin)."""
    related: list[Location] = field(default_factory=list)


def service_port(service: Resource, number: int) -> dict[str, object] | None:
    """The ``spec.ports[]`` entry with ``port: number``."""
    for raw in sequence(service.spec.get("ports")):
        port = mapping(raw)
        if port.get("port") == number and not isinstance(port.get("port"), bool):
            return dict(port)
    return None


def admits(ports: Port, numbers: set[int] | None, protocol: str, group: PodGroup) -> bool:
    """Whether a port set (from :meth:`Network.reach`) admits one of ``numbers`` (None: unknown, admitted)."""
    if ports.every or numbers is None:
        return True
    for entry in ports.entries:
        if entry.protocol != protocol:
            continue
        if entry.port is None:
            return True
        meant = entry.numbers_on(group)
        if meant is None:
            return True
        if isinstance(entry.port, int):
            if any(entry.covers_number(number, protocol) for number in numbers):
                return True
        elif meant & numbers:
            return True
    return False


def _ip_block_admits(network: Network, group: PodGroup, direction: str, numbers: set[int] | None,
                     protocol: str) -> bool:
    """Whether a rule with an ipBlock peer of a policy selecting ``group`` admits the port: ipBlocks may match
    pod addresses, depending on the network plugin."""
    for policy in network.policies_of(group, direction):
        for rule in policy.rules(direction):
            if rule.peers is None or not any(peer.is_ip_block for peer in rule.peers):
                continue
            if admits(Port(True) if rule.ports is None else Port(False, rule.ports), numbers, protocol, group):
                return True
    return False


def dependency_verdict(tree: Tree, network: Network, address: Address) -> Verdict:
    """Decide one address: the Service exists, has the port, and each client may reach its pods there."""
    verdict = Verdict(address)
    target = address.target
    service = address.service
    if service is None:
        verdict.declared = declared_reason(tree, target)
        if verdict.declared or network.graph.unread_defines(target) is not None:
            return verdict
        names = [resource.name for resource in tree.by_ref.values()
                 if resource.ref.group == "" and resource.kind == "Service" and resource.namespace == target.namespace]
        near = difflib.get_close_matches(target.name, names, n=1, cutoff=NEAR)
        verdict.problem = f"Service {target.name} is not defined in namespace {target.namespace}"
        if near:
            verdict.problem += f" (did you mean {near[0]}?)"
            verdict.related.append(_service_named(tree, target.namespace, near[0]))
        else:
            verdict.held = ("no Service of the tree has a name close to it: it may be applied from elsewhere "
                            "(another chart or repository)")
        return verdict
    groups = network.graph.selected.get(service.ref, [])
    if address.clients and all(client in groups for client in address.clients):
        return verdict  # a workload's address of its own Service: a peer or advertised address, its own business
    verdict.related.append(service.where((), f"Service {service.name}"))
    if service.spec.get("type") == "ExternalName" or address.port is None:
        return verdict
    headless = service.spec.get("clusterIP") == "None"
    entry = service_port(service, address.port)
    if entry is None:
        if headless:
            # a headless name resolves to the pods: the client connects to their container ports directly
            if any(group.containers is None or not listening_ports(group) for group in groups) or not groups:
                return verdict  # ports the tree does not show
            if any(port.number == address.port for group in groups for port in listening_ports(group)):
                return _reach(network, verdict, groups, address.port, "TCP")
        shown = ", ".join(str(mapping(raw).get("port")) for raw in sequence(service.spec.get("ports"))) or "none"
        default = "" if address.port_written else f" (the {address.scheme} default)"
        verdict.problem = f"Service {service.name} has no port {address.port}{default} (its ports: {shown})"
        verdict.uncertain = not address.port_written
        verdict.related[0] = service.where(("spec", "ports"), f"ports of Service {service.name}")
        return verdict
    target_port, _ = service_target(entry)
    if target_port is None:
        return verdict
    return _reach(network, verdict, groups, target_port, text(entry.get("protocol")) or "TCP")


def _reach(network: Network, verdict: Verdict, groups: list[PodGroup], target: int | str, protocol: str) -> Verdict:
    for client in verdict.address.clients:
        if client in groups or host_network(client):
            continue  # a workload's own Service (an advertised address), or policies that do not apply
        for server in groups:
            if host_network(server):
                continue
            numbers = port_numbers(server, target, protocol)
            egress = network.allowed(client, EGRESS, server)
            ingress = network.allowed(server, INGRESS, client)
            out_ok = admits(egress, numbers, protocol, server)
            in_ok = admits(ingress, numbers, protocol, server)
            if out_ok and in_ok:
                verdict.allowed.append((client, server))
                continue
            side = EGRESS if not out_ok else INGRESS
            if not out_ok and not in_ok:
                side = "both"
            verdict.denied.append((client, server, side))
            if ((not out_ok and _ip_block_admits(network, client, EGRESS, numbers, protocol))
                    or (not in_ok and _ip_block_admits(network, server, INGRESS, numbers, protocol))):
                verdict.uncertain = True
    return verdict
