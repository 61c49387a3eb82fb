"""``unreachable-dependency``: a Service address written in a workload's configuration (env, command, args, the
ConfigMaps its pods use) that does not lead to a Service port its pods may reach.

The addresses come from the ``own-service-addresses`` analysis (the ``service-addresses`` in the unit's own
files; it decides what clearly is an address); the verdict of each (Service, port, NetworkPolicies) from
:func:`kubelint.analysis.dependencies.dependency_verdict`, which ``kubelint graph --reach`` shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubelint.analysis.addresses import build_own_addresses
from kubelint.analysis.netpol import EGRESS, INGRESS, Network, build_network
from kubelint.checks import Hit, Params, check
from kubelint.findings import Location
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree

if TYPE_CHECKING:
    from kubelint.analysis.dependencies import Verdict


def _policies(network: Network, group: PodGroup, direction: str) -> list[Location]:
    return [policy.resource.where(("spec",), f"NetworkPolicy {policy.resource.name} isolates {group.title} "
                                             f"for {direction.lower()}")
            for policy in network.policies_of(group, direction)[:2]]


@check("unreachable-dependency")
def unreachable_dependency(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Service address in a workload's configuration whose Service or port does not exist, or that the
    NetworkPolicies do not let the workload reach."""
    addresses = build_own_addresses(tree)  # the addresses in other units' files are theirs to report
    if not addresses.found:
        return
    from kubelint.analysis.dependencies import dependency_verdict

    network = build_network(tree)
    for address in addresses.found:
        verdict = dependency_verdict(tree, network, address)
        where = address.location
        what = f"{address.token!r} ({address.via})"
        if verdict.problem:
            yield Hit(f"{what}: {verdict.problem}; the connection fails", where, tuple(verdict.related),
                      weaker=verdict.uncertain, held=verdict.held)
            continue
        reported: set[int] = set()
        for client, _, _ in verdict.denied:
            if id(client) not in reported:
                reported.add(id(client))
                yield _denied_hit(network, verdict, client, f"{what}: ")


def _denied_hit(network: Network, verdict: Verdict, client: PodGroup, start: str) -> Hit:
    """The hit for the Service's pods that the policies keep ``client`` from."""
    pairs = [(server, side) for source, server, side in verdict.denied if source is client]
    server, side = pairs[0]
    blocked = {
        EGRESS: f"no egress rule of the policies isolating {client.title} admits it",
        INGRESS: f"no ingress rule of the policies isolating {server.title} admits {client.title}",
        "both": f"neither {client.title}'s egress nor {server.title}'s ingress policies admit it",
    }[side]
    servers = sorted({item[0].title for item in pairs})
    some = any(source is client for source, _ in verdict.allowed)
    related = [*verdict.related]
    if side in (EGRESS, "both"):
        related += _policies(network, client, EGRESS)
    if side in (INGRESS, "both"):
        related += _policies(network, server, INGRESS)
    address = verdict.address
    service = address.service
    assert service is not None
    scope = f"some of its pods ({', '.join(servers)})" if some else f"its pods ({', '.join(servers)})"
    return Hit(f"{start}NetworkPolicies do not let {client.title} reach Service {service.name} port "
               f"{address.port} on {scope}: {blocked}", address.location, tuple(related),
               weaker=some or verdict.uncertain)
