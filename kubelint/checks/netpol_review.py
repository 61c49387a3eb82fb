"""NetworkPolicy review checks borrowed from policy analysers: redundant rules, rules that expose an internal
workload to everything, egress isolation without DNS, and workloads open to everything outside the tree.

They read the ``network`` analysis (and ``reach`` for exposures); every one is a relationship check (it never
reads ``Tree.linted``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from kubelint.analysis.graph import ROUTES
from kubelint.analysis.netpol import (
    DNS_PORT,
    EGRESS,
    INGRESS,
    NAME_LABEL,
    Network,
    Peer,
    Policy,
    PolicyPort,
    PolicyRule,
    build_network,
    host_network,
    listening_ports,
    pinned_names,
)
from kubelint.checks import Hit, Params, check
from kubelint.checks.netpol import group_names
from kubelint.findings import Location, dotted
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, service_target, string_map, text
from kubelint.model.selectors import DOES_NOT_EXIST, EXISTS, IN, NOT_IN, PodGroup, Requirement, Selector
from kubelint.model.tree import Tree

# networkpolicy-redundant-rule ----------------------------------------------------------------------


def implies(narrow: Selector, wide: Selector) -> bool:
    """Whether every label set ``narrow`` selects is also selected by ``wide`` (decided on the requirements as
    written; False when unsure)."""
    if narrow.problems or wide.problems or narrow.selects_nothing:
        return False
    for theirs in wide.requirements:  # loops, not all(any(...)): every pair of a namespace's policies comes here
        for mine in narrow.requirements:
            if mine.key == theirs.key and _requirement_implies(mine, theirs):
                break
        else:
            return False
    return True


def _requirement_implies(mine: Requirement, theirs: Requirement) -> bool:
    if mine.key != theirs.key:
        return False
    if theirs.operator is IN:
        return mine.operator is IN and mine.values <= theirs.values
    if theirs.operator is EXISTS:
        return mine.operator in (IN, EXISTS)
    if theirs.operator is NOT_IN:
        return (mine.operator is IN and not mine.values & theirs.values) or (
            mine.operator is NOT_IN and theirs.values <= mine.values) or \
            mine.operator is DOES_NOT_EXIST
    return mine.operator is DOES_NOT_EXIST


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _block_covers(wide: Peer, narrow: Peer) -> bool:
    outer, inner = _network(wide.cidr or ""), _network(narrow.cidr or "")
    if outer is None or inner is None or outer.version != inner.version or not inner.subnet_of(outer):  # type: ignore[arg-type]
        return False
    cut = [_network(item) for item in narrow.excepts]
    for item in wide.excepts:
        hole = _network(item)
        if hole is None or hole.version != inner.version:
            return False
        if not hole.overlaps(inner):
            continue
        if not any(mine is not None and mine.version == hole.version and hole.subnet_of(mine)  # type: ignore[arg-type]
                   for mine in cut):
            return False
    return True


def _own_namespace(selector: Selector, namespace: str | None) -> bool:
    """Whether a namespaceSelector surely matches the policy's own namespace."""
    if selector.selects_everything:
        return True
    names = pinned_names(selector)
    return (namespace is not None and names is not None and namespace in names
            and all(r.key == NAME_LABEL and r.operator is IN for r in selector.requirements))


def peer_covers(wide: Peer, narrow: Peer, namespace: str | None) -> bool:
    """Whether the peer element ``wide`` selects everything ``narrow`` selects (in a policy of ``namespace``)."""
    if wide.invalid or narrow.invalid:
        return False
    if wide.is_ip_block or narrow.is_ip_block:
        return wide.is_ip_block and narrow.is_ip_block and _block_covers(wide, narrow)
    if wide.namespaces is None:
        if narrow.namespaces is not None:
            return False
    elif narrow.namespaces is None:
        if not _own_namespace(wide.namespaces, namespace):
            return False
    elif not implies(narrow.namespaces, wide.namespaces):
        return False
    if wide.pods is None or wide.pods.selects_everything:
        return True
    return narrow.pods is not None and implies(narrow.pods, wide.pods)


def port_covers(wide: PolicyPort, narrow: PolicyPort) -> bool:
    if wide.protocol != narrow.protocol:
        return False
    if wide.port is None:
        return True
    if narrow.port is None:
        return False
    if isinstance(wide.port, str) or isinstance(narrow.port, str):
        return wide.port == narrow.port and narrow.end_port is None
    low, high = narrow.port, narrow.end_port if narrow.end_port is not None else narrow.port
    return wide.covers_number(low, narrow.protocol) and wide.covers_number(max(low, high), narrow.protocol)


def rule_covers(wide: PolicyRule, narrow: PolicyRule, namespace: str | None) -> bool:
    """Whether ``wide`` admits every peer and port ``narrow`` admits."""
    if wide.peers is not None:
        if narrow.peers is None or any(peer.invalid for peer in narrow.peers):
            return False
        if not all(any(peer_covers(mine, theirs, namespace) for mine in wide.peers) for theirs in narrow.peers):
            return False
    if wide.ports is not None:
        if narrow.ports is None:
            return False
        if not all(any(port_covers(mine, theirs) for mine in wide.ports) for theirs in narrow.ports):
            return False
    return True


def _order(policy: Policy, rule: PolicyRule) -> tuple[str, int, int]:
    line, column = policy.resource.position(rule.path)
    return policy.resource.file, line, column


@check("networkpolicy-redundant-rule")
def networkpolicy_redundant_rule(tree: Tree, params: Params) -> Iterator[Hit]:
    """An ingress or egress rule that another rule, of the same policy or of one selecting at least the same
    pods, already covers."""
    network = build_network(tree)
    implied: dict[tuple[int, int], bool] = {}
    for policies in network.in_namespace.values():
        usable = [policy for policy in policies if not policy.selector.problems]
        for direction in (INGRESS, EGRESS):
            word = direction.lower()
            isolating = [policy for policy in usable if direction in policy.types]
            # the rules that may cover another, by policy (a rule with a peer the API server refuses covers none)
            candidates = [(policy, [rule for rule in policy.rules(direction) if _valid(rule)])
                          for policy in isolating]
            for policy in isolating:
                # the policies whose rules apply to every pod this one selects
                applying = [(other, wides) for other, wides in candidates if other is policy
                            or other.selector.selects_everything or _implied(policy, other, implied)]
                for rule in policy.rules(direction):
                    cover = _cover(policy, rule, applying, implied) if _valid(rule) else None
                    if cover is None:
                        continue
                    other, wide = cover
                    from kubelint.analysis.reach import ref_label

                    whose = "this policy" if other is policy else f"{ref_label(other.ref)}, which selects " \
                        f"{'the same' if other.selector == policy.selector else 'at least these'} pods,"
                    same = rule_covers(rule, wide, policy.namespace)
                    relation = "repeats" if same else "is within"
                    yield Hit(f"{word} rule {dotted(rule.path)} admits nothing that {dotted(wide.path)} of {whose} "
                              f"does not already admit ({_describe_rule(rule, direction)} {relation} "
                              f"{_describe_rule(wide, direction)}); remove it or merge the two",
                              policy.resource.where(rule.path),
                              (other.resource.where(wide.path,
                                                    f"{word} rule {dotted(wide.path)} of {other.resource.name}"),))


def _valid(rule: PolicyRule) -> bool:
    """Whether the API server accepts every peer of a rule."""
    return rule.peers is None or not any(peer.invalid for peer in rule.peers)


def _cover(policy: Policy, rule: PolicyRule, applying: list[tuple[Policy, list[PolicyRule]]],
           implied: dict[tuple[int, int], bool]) -> tuple[Policy, PolicyRule] | None:
    """A rule that covers ``rule`` (a valid one), among the valid rules of the policies ``applying`` to every pod
    ``policy`` selects (in namespace order); of two rules covering each other only the later one is reported.
    ``implied``: whether one policy's pod selector implies another's, by the policies' ids, filled as needed
    (each pair of policies of a namespace comes up again for every rule)."""
    for other, wides in applying:
        for wide in wides:
            if wide is rule or (other is policy and wide.path == rule.path):
                continue
            if not rule_covers(wide, rule, policy.namespace):
                continue
            if rule_covers(rule, wide, policy.namespace) and (
                    not (other is policy or _implied(other, policy, implied))
                    or _order(policy, rule) < _order(other, wide)):
                continue  # equivalent: the later one is the redundant one (or the wider policy's is kept)
            return other, wide
    return None


def _implied(narrow: Policy, wide: Policy, implied: dict[tuple[int, int], bool]) -> bool:
    key = (id(narrow), id(wide))
    found = implied.get(key)
    if found is None:
        found = implied[key] = implies(narrow.selector, wide.selector)
    return found


def _describe_rule(rule: PolicyRule, direction: str) -> str:
    word = "from" if direction == INGRESS else "to"
    peers = "anywhere" if rule.peers is None else " or ".join(str(peer) for peer in rule.peers)
    ports = "all ports" if rule.ports is None else ", ".join(str(port) for port in rule.ports)
    return f"{word} {peers} on {ports}"


# networkpolicy-exposes-everything ------------------------------------------------------------------


WEBHOOK_KINDS = {"ValidatingWebhookConfiguration": "webhooks", "MutatingWebhookConfiguration": "webhooks"}


def _control_plane_services(tree: Tree) -> set[tuple[str | None, str]]:
    """Services the API server calls (admission webhooks, aggregated APIs, CRD conversion): their callers are
    outside every namespace, so admitting everything is how they work."""
    found: set[tuple[str | None, str]] = set()

    def add(raw: object) -> None:
        service = mapping(raw)
        name, namespace = text(service.get("name")), text(service.get("namespace"))
        if name:
            found.add((namespace, name))

    for resource in tree.by_ref.values():
        kind = resource.kind
        if kind in WEBHOOK_KINDS:
            for hook in sequence(resource.raw.get("webhooks")):
                add(mapping(mapping(hook).get("clientConfig")).get("service"))
        elif kind == "APIService":
            add(resource.spec.get("service"))
        elif kind == "CustomResourceDefinition":
            conversion = mapping(resource.spec.get("conversion"))
            add(mapping(mapping(mapping(conversion.get("webhook")).get("clientConfig"))).get("service"))
            add(mapping(conversion.get("webhookClientConfig")).get("service"))
    return found


ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"})


def _routed_from_gateways(tree: Tree) -> set[ObjectRef]:
    """Services that an edge proxy routes to: Gateway API routes attached to a Gateway, Istio VirtualServices
    bound to a gateway other than the mesh, OpenShift Routes. (A signal that a workload is public, read
    loosely; the routes analysis decides attachment.)"""
    found: set[ObjectRef] = set()

    def service(namespace: str | None, name: object) -> None:
        if isinstance(name, str) and name:
            short = name.split(".")
            found.add(ObjectRef("", "Service", short[1] if len(short) > 1 else namespace, short[0]))

    for resource in tree.by_ref.values():
        kind, spec, namespace = resource.kind, resource.spec, resource.namespace
        if kind in ROUTE_KINDS and resource.ref.group == "gateway.networking.k8s.io":
            parents = [mapping(parent) for parent in sequence(spec.get("parentRefs"))]
            if not any((parent.get("kind") or "Gateway") == "Gateway" for parent in parents):
                continue  # attached to a Service: mesh traffic inside the cluster
            for rule in sequence(spec.get("rules")):
                for ref in sequence(mapping(rule).get("backendRefs")):
                    ref = mapping(ref)
                    if (ref.get("kind") or "Service") == "Service" and not ref.get("group"):
                        service(text(ref.get("namespace")) or namespace, ref.get("name"))
        elif kind == "VirtualService" and resource.ref.group.startswith("networking.istio.io"):
            gateways = [item for item in sequence(spec.get("gateways")) if isinstance(item, str)]
            if not any(gateway != "mesh" for gateway in gateways):
                continue
            for section in ("http", "tcp", "tls"):
                for route in sequence(spec.get(section)):
                    for target in sequence(mapping(route).get("route")):
                        service(namespace, mapping(mapping(target).get("destination")).get("host"))
        elif kind == "Route" and resource.ref.group == "route.openshift.io":
            to = mapping(spec.get("to"))
            if (to.get("kind") or "Service") == "Service":
                service(namespace, to.get("name"))
    return found


def _internal_services(network: Network, control_plane: set[tuple[str | None, str]]
                       ) -> dict[int, list[Resource]]:
    """For each workload (by ``id`` of its group) that looks internal, the ClusterIP Services that select it.
    A workload is left out when anything says it is meant to be reached from outside: a NodePort or
    LoadBalancer Service, external IPs, a route to one of its Services, a Service the API server calls (a
    webhook), the node's network."""
    graph = network.graph
    routed = {edge.target for edge in graph.edges(ROUTES)} | _routed_from_gateways(network.tree)
    internal: dict[int, list[Resource]] = {}
    public: set[int] = set()
    for resource in network.tree.by_ref.values():
        if resource.ref.group != "" or resource.kind != "Service":
            continue
        kind = resource.spec.get("type") or "ClusterIP"
        outward = kind != "ClusterIP" or bool(sequence(resource.spec.get("externalIPs"))) \
            or resource.ref in routed or (resource.namespace, resource.name) in control_plane
        for group in graph.selected.get(resource.ref, ()):
            if outward or host_network(group):
                public.add(id(group))
            else:
                internal.setdefault(id(group), []).append(resource)
    return {key: value for key, value in internal.items() if key not in public}


OUTWARD_PORT_WORDS = ("metric", "exporter", "webhook")
"""Ports with these words in a name serve callers outside the namespace by design: metrics scrapers (Prometheus
may run in any namespace) and webhooks (the API server, a Git host)."""


def _scraped(group: PodGroup) -> set[int]:
    """Port numbers the pods announce for scraping (``prometheus.io/port``)."""
    path = group.template_path
    metadata = mapping(group.resource.get((*path, "metadata")) if path is not None else None)
    value = string_map(metadata.get("annotations")).get("prometheus.io/port", "")
    return {int(value)} if value.isdigit() else set()


def _service_ports(service: Resource, group: PodGroup) -> list[tuple[str, int | None, str | None]]:
    """(protocol, number, name) of the Service's target ports on the group's pods, without the ports that serve
    callers from outside by design (metrics, webhooks: by their names, or a ``prometheus.io/port``)."""
    out: list[tuple[str, int | None, str | None]] = []
    scraped = _scraped(group)
    named = {(item.protocol, item.number): item.name for item in listening_ports(group) if item.number is not None}
    if any(word in service.name for word in OUTWARD_PORT_WORDS):
        return out
    for raw in sequence(service.spec.get("ports")):
        port = mapping(raw)
        target = service_target(port)[0]
        protocol = text(port.get("protocol")) or "TCP"
        found: list[tuple[str, int | None, str | None]] = []
        if isinstance(target, int):
            found.append((protocol, target, None))
        elif isinstance(target, str):
            numbers = {item.number for item in listening_ports(group)
                       if item.name == target and item.protocol == protocol and item.number is not None}
            found.extend((protocol, number, target) for number in numbers) if numbers else \
                found.append((protocol, None, target))
        for entry in found:
            container_name = named.get((protocol, entry[1]), "") if entry[1] is not None else ""
            names = [text(port.get("name")) or "", entry[2] or "", container_name or ""]
            if entry[1] in scraped or any(word in name.lower() for word in OUTWARD_PORT_WORDS for name in names):
                continue
            out.append(entry)
    return out


def _rule_admits(rule: PolicyRule, protocol: str, number: int | None, name: str | None, group: PodGroup) -> bool:
    if rule.ports is None:
        return True
    for entry in rule.ports:
        if entry.protocol != protocol:
            continue
        if entry.port is None:
            return True
        if isinstance(entry.port, str):
            if entry.port == name:
                return True
            numbers = entry.numbers_on(group)
            if number is not None and numbers and number in numbers:
                return True
        elif number is not None and entry.covers_number(number, protocol):
            return True
    return False


@check("networkpolicy-exposes-everything")
def networkpolicy_exposes_everything(tree: Tree, params: Params) -> Iterator[Hit]:
    """An ingress rule that admits every source in every namespace (or every address) to the port of a workload
    that only ClusterIP Services expose."""
    network = build_network(tree)
    internal_services = _internal_services(network, _control_plane_services(tree))
    if network.policies:
        from kubelint.analysis.reach import admits_everything
    for policy in network.policies:
        if INGRESS not in policy.types:
            continue
        for rule in policy.ingress:
            allow_all = rule.peers is None
            if rule.peers is None:
                what, path, who = "every source (no from)", rule.path, "any pod or address"
            else:
                element = next((peer for peer in rule.peers if admits_everything(peer)), None)
                if element is None:
                    continue
                what, path = f"{admits_everything(element)} ({element})", element.path
                who = "any address, in the cluster or not," if element.is_ip_block else "any pod of any namespace"
            exposed_groups: list[PodGroup] = []
            services: list[Resource] = []
            for group in network.selected[policy.ref]:
                internal = internal_services.get(id(group))
                if not internal:
                    continue
                hit = [service for service in internal if any(
                    _rule_admits(rule, *port, group) for port in _service_ports(service, group))]
                if hit:
                    exposed_groups.append(group)
                    services.extend(service for service in hit if service not in services)
            if not exposed_groups:
                continue
            shown = ", ".join(service.name for service in services[:3])
            unsure = " (an explicit allow-all: if something the tree does not show exposes it, suppress this with " \
                "the reason)" if allow_all else ""
            yield Hit(f"this rule admits {what} to {group_names(exposed_groups)}, which only ClusterIP Service"
                      f"{'s' if len(services) > 1 else ''} {shown} expose{'' if len(services) > 1 else 's'} inside "
                      f"the cluster: {who} may connect; name the clients "
                      f"(podSelector, a namespaceSelector with labels){unsure}", policy.resource.where(path),
                      tuple(service.where(("spec", "ports"), f"ports of Service {service.name}")
                            for service in services[:3]), weaker=allow_all)


# missing-dns-egress --------------------------------------------------------------------------------


DNS_NAMESPACES = ("kube-system", "openshift-dns")
DNS_POD_LABELS = {"kube-system": {"k8s-app": "kube-dns"},
                  "openshift-dns": {"dns.operator.openshift.io/daemonset-dns": "default"}}
"""Where the cluster DNS runs and the labels its pods carry (kubeadm, EKS, GKE, AKS, k3s, OpenShift)."""


def _looks_like_dns(group: PodGroup) -> bool:
    labels = " ".join(f"{k}={v}" for k, v in group.labels.items())
    return "dns" in group.owner.name.lower() or "kube-dns" in labels or "coredns" in labels


def _dns_port(rule: PolicyRule) -> bool | None:
    """Whether a rule admits UDP 53 (None: a named port that may be the DNS pods' ``dns``)."""
    if rule.ports is None:
        return True
    unsure = False
    for entry in rule.ports:
        if entry.protocol != "UDP":
            continue
        if entry.port is None or entry.covers_number(DNS_PORT, "UDP"):
            return True
        if isinstance(entry.port, str):
            unsure = True
    return None if unsure else False


def _dns_peer(network: Network, policy: Policy, peer: Peer) -> bool | None:
    """Whether a peer element selects the cluster DNS pods: True, False, or None when the tree cannot tell."""
    if peer.invalid:
        return False
    if peer.is_ip_block:
        return True if peer.cidr in ("0.0.0.0/0", "::/0") and not peer.excepts else None
    targets = network.peer_targets(policy, peer)
    if any(_looks_like_dns(group) for group in targets.groups):
        return True
    verdicts = [_dns_namespace(network, policy, peer, namespace) for namespace in DNS_NAMESPACES]
    if True in verdicts:
        return True
    return None if None in verdicts else False


def _dns_namespace(network: Network, policy: Policy, peer: Peer, namespace: str) -> bool | None:
    if peer.namespaces is None:
        if policy.namespace != namespace:
            return False
    else:
        info = network.namespaces.get(namespace)
        if info is not None and info.resource is not None:
            if not peer.namespaces.matches(info.labels):
                return False
        else:
            labels = {NAME_LABEL: namespace}
            decided = [r for r in peer.namespaces.requirements if r.key == NAME_LABEL]
            if not all(r.matches(labels) for r in decided):
                return False
            if len(decided) != len(peer.namespaces.requirements):
                # labels of a namespace the tree does not define: kube-system's vary by distribution; OpenShift's
                # DNS namespace is only taken as meant when named
                return None if namespace == "kube-system" else False
    if peer.pods is None or peer.pods.selects_everything:
        return True
    if network.graph.pods.in_namespace(namespace):
        return None  # the tree shows pods there: the groups above were not DNS-like, but say nothing
    return True if peer.pods.matches(DNS_POD_LABELS[namespace]) else None


def _dns_verdict(network: Network, policy: Policy, rule: PolicyRule) -> bool | None:
    port = _dns_port(rule)
    if port is False:
        return False
    if rule.peers is None:
        return port
    verdicts = [_dns_peer(network, policy, peer) for peer in rule.peers]
    if True in verdicts:
        return port
    if None in verdicts:
        return None
    return False


def _uses_cluster_dns(group: PodGroup) -> bool:
    template = group.resource.pod_template
    if template is None:
        return False
    policy = template.spec.get("dnsPolicy")
    return policy in (None, "ClusterFirst", "ClusterFirstWithHostNet") and not host_network(group)


@check("missing-dns-egress")
def missing_dns_egress(tree: Tree, params: Params) -> Iterator[Hit]:
    """Pods isolated for egress, with egress rules, none of which admits DNS (UDP 53) to the cluster DNS."""
    network = build_network(tree)
    affected: dict[tuple[ObjectRef, ...], list[PodGroup]] = {}
    for group in network.workloads():
        policies = network.policies_of(group, EGRESS)
        if not policies or not _uses_cluster_dns(group):
            continue
        rules = [(policy, rule) for policy in policies for rule in policy.egress]
        if not any(peer.pods is not None or peer.namespaces is not None
                   for _, rule in rules for peer in rule.peers or ()):
            # no rule names pods or namespaces, which are reached by Service names: egress denied on purpose, or
            # only to addresses (the API server, whose address kubelet passes in KUBERNETES_SERVICE_HOST)
            continue
        if any(_dns_verdict(network, policy, rule) is not False for policy, rule in rules):
            continue
        affected.setdefault(tuple(policy.ref for policy in policies), []).append(group)
    for refs, groups in affected.items():
        policies = [next(p for p in network.policies if p.ref == ref) for ref in refs]
        main = next((p for p in policies if p.selector.selects_everything), policies[0])
        allowed = [f"{_rule_text(rule)}" for p in policies for rule in p.egress][:3]
        where = _types_location(main)
        related = tuple(p.resource.where(("spec", "egress") if p.egress else ("spec",),
                                         f"egress of {p.resource.name}") for p in policies if p is not main)
        subject = f"the pods of {group_names(groups)} are"
        hint = "; a podSelector alone selects pods of the policy's own namespace, not of kube-system" if any(
            peer.namespaces is None and peer.pods is not None and "dns" in str(peer.pods)
            for p in policies for rule in p.egress for peer in rule.peers or ()) else ""
        yield Hit(f"{subject} isolated for egress (by {', '.join(p.resource.name for p in policies)}) and no "
                  f"egress rule admits DNS (UDP 53) to the cluster DNS in kube-system: every name lookup fails, "
                  f"so what they may reach ({'; '.join(allowed)}) cannot be reached by name{hint}", where, related)


def _rule_text(rule: PolicyRule) -> str:
    peers = "anywhere" if rule.peers is None else " or ".join(str(peer) for peer in rule.peers)
    ports = "all ports" if rule.ports is None else ", ".join(str(port) for port in rule.ports)
    return f"{peers} on {ports}"


def _types_location(policy: Policy) -> Location:
    types = sequence(policy.resource.spec.get("policyTypes"))
    if EGRESS in types:
        return policy.resource.where(("spec", "policyTypes", types.index(EGRESS)))
    if policy.egress:
        return policy.resource.where(("spec", "egress"))
    return policy.resource.where(("spec", "podSelector"))


# reach-opened-to-outside ---------------------------------------------------------------------------


@check("reach-opened-to-outside")
def reach_opened_to_outside(tree: Tree, params: Params) -> Iterator[Hit]:
    """A workload that everything outside the tree may connect to; reported only when the run compares with an
    earlier tree (``--new-since``, ``--hook``), which keeps the workloads the change opened."""
    if not tree.options.new_since:
        return
    from kubelint.analysis.reach import exposed

    network = build_network(tree)
    for group in network.workloads():
        found = exposed(network, group)
        if found is None:
            continue
        related = tuple(a.policy.resource.where(a.peer.path if a.peer is not None else a.rule.path,
                                                f"{dotted(a.rule.path)} of {a.policy.resource.name}")
                        for a in found.admissions)
        yield Hit(f"everything outside the tree may connect to {group.title} on "
                  f"{', '.join(found.ports.describe(group))}: {found.describe()}", group.resource.where(()),
                  related)
