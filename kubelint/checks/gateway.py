"""Gateway API checks, named after the route and listener conditions users debug: a parentRef that attaches to no
listener (``NoMatchingParent``, ``NotAllowedByListeners``, ``NoMatchingListenerHostname``), a backend that does not
resolve (``BackendNotFound``), a cross-namespace reference no ReferenceGrant permits (``RefNotPermitted``), a listener
certificate that does not resolve (``InvalidCertificateRef``).

They read the ``gateway-routes`` analysis. An object the tree does not define is only reported when the tree
defines objects of that kind in that namespace (otherwise they are deployed from elsewhere: held back, ``-v`` says
why), or when an object of that name sits in another namespace of the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubelint.checks import Hit, Params, check
from kubelint.checks.missing import missing_target
from kubelint.findings import Location
from kubelint.model.resource import ObjectRef, Resource, text
from kubelint.model.tree import Tree

if TYPE_CHECKING:
    from kubelint.analysis.gateway import Attachment, GatewayRoutes, Reference

GATEWAY_GROUP = "gateway.networking.k8s.io"
"""``kubelint.analysis.gateway.GATEWAY_GROUP``: a tree without objects of it has no routes, listeners or
certificate references to check (and does not import the analysis)."""

CERT_MANAGER_ANNOTATIONS = ("cert-manager.io/issuer", "cert-manager.io/cluster-issuer")
"""Annotations with which cert-manager's gateway-shim creates the Certificate (and so the Secret) a listener names."""
TLS_SECRET = "kubernetes.io/tls"


def _missing(routes: GatewayRoutes, source: Resource, ref: Reference, what: str) -> Hit | None:
    target = ref.target
    return missing_target(routes.graph, source, target, ref.name_path, "namespace" in ref.written, what,
                          routes.defines(target.group, target.kind, target.namespace))


def _routes(tree: Tree) -> GatewayRoutes | None:
    """The ``gateway-routes`` analysis, or None when the tree has no Gateway API object."""
    from kubelint.analysis.groups import api_groups

    if GATEWAY_GROUP not in api_groups(tree):
        return None
    from kubelint.analysis.gateway import build_gateway_routes

    return build_gateway_routes(tree)


def _listener_locations(gateway: Resource, attachment: Attachment) -> tuple[Location, ...]:
    return tuple(gateway.where(listener.path, f"{listener.describe()} of Gateway {gateway.name}")
                 for listener in attachment.listeners[:4])


# route-no-matching-parent ----------------------------------------------------------------------


@check("route-no-matching-parent")
def route_no_matching_parent(tree: Tree, params: Params) -> Iterator[Hit]:
    """A route parentRef that names no Gateway of the tree, or no listener of it (sectionName, port)."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.gateway import NO_MATCHING_PARENT, PARENT_MISSING

    for attachment in routes.attachments:
        route, parent = attachment.route, attachment.parent
        if attachment.outcome == PARENT_MISSING:
            hit = _missing(routes, route, parent, "parentRef Gateway")
            if hit is not None and routes.graph.unread_defines(parent.target) is None:
                yield hit
        elif attachment.outcome == NO_MATCHING_PARENT:
            gateway = attachment.gateway
            assert gateway is not None
            listeners = routes.gateways.get(gateway.ref, [])
            shown = ", ".join(listener.describe().removeprefix("listener ") for listener in listeners) or "none"
            wanted = []
            if parent.section is not None:
                wanted.append(f"named {parent.section!r}")
            if parent.port is not None:
                wanted.append(f"on port {parent.port}")
            key = "sectionName" if parent.section is not None else "port"
            yield Hit(f"Gateway {gateway.name} has no listener {' and '.join(wanted)} (its listeners: {shown}); "
                      "the route is not attached (NoMatchingParent)", route.where((*parent.path, key)),
                      (gateway.where(("spec", "listeners"), f"listeners of Gateway {gateway.name}"),))


# route-not-allowed-by-listeners ----------------------------------------------------------------


@check("route-not-allowed-by-listeners")
def route_not_allowed_by_listeners(tree: Tree, params: Params) -> Iterator[Hit]:
    """A route whose parent Gateway has no listener that allows routes of its kind and namespace."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.gateway import NOT_ALLOWED

    for attachment in routes.attachments:
        if attachment.outcome != NOT_ALLOWED:
            continue
        gateway = attachment.gateway
        assert gateway is not None
        reasons = "; ".join(attachment.reasons)
        yield Hit(f"Gateway {gateway.name} does not accept {attachment.route.kind} {attachment.route.name} from "
                  f"namespace {attachment.route.namespace}: {reasons} (NotAllowedByListeners)",
                  attachment.route.where(attachment.parent.name_path), _listener_locations(gateway, attachment))


# route-no-matching-listener-hostname -----------------------------------------------------------


@check("route-no-matching-listener-hostname")
def route_no_matching_listener_hostname(tree: Tree, params: Params) -> Iterator[Hit]:
    """A route whose hostnames intersect no hostname of the listeners that would accept it."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.gateway import NO_HOSTNAME, route_hostnames

    for attachment in routes.attachments:
        if attachment.outcome != NO_HOSTNAME:
            continue
        gateway = attachment.gateway
        assert gateway is not None
        route = attachment.route
        hosts = ", ".join(route_hostnames(route))
        listeners = ", ".join(f"{listener.name}: {listener.hostname}" for listener in attachment.listeners)
        yield Hit(f"no hostname of the route ({hosts}) matches a listener of Gateway {gateway.name} that accepts "
                  f"it ({listeners}); the route is not attached (NoMatchingListenerHostname)",
                  route.where(("spec", "hostnames")), _listener_locations(gateway, attachment))


# route-backend-not-found -----------------------------------------------------------------------


@check("route-backend-not-found")
def route_backend_not_found(tree: Tree, params: Params) -> Iterator[Hit]:
    """A route backendRef naming a Service the tree does not define, or a port the Service does not have."""
    routes = _routes(tree)
    if routes is None:
        return
    for backend in routes.backends:
        if not backend.is_service:
            continue
        route, ref = backend.route, backend.ref
        if backend.service is None:
            hit = _missing(routes, route, ref, "backendRef Service")
            if hit is not None and routes.graph.unread_defines(ref.target) is None:
                yield hit
        elif backend.port_problem:
            path = (*ref.path, "port") if "port" in ref.written else ref.name_path
            yield Hit(f"backendRef {backend.port_problem}; requests for it fail (BackendNotFound)", route.where(path),
                      (backend.service.where(("spec", "ports"), f"ports of Service {backend.service.name}"),))


# route-hostname-conflict -----------------------------------------------------------------------


@check("route-hostname-conflict")
def route_hostname_conflict(tree: Tree, params: Params) -> Iterator[Hit]:
    """An HTTPRoute and a GRPCRoute attached to the same listener with intersecting hostnames: the Gateway API
    accepts only one of them (the older; created together, the first by namespace/name)."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.gateway import ACCEPTED, hostnames_intersect, route_hostnames

    attached: dict[tuple[ObjectRef, int], list[Resource]] = {}
    listeners: dict[tuple[ObjectRef, int], tuple[Resource, str | None, str]] = {}
    for attachment in routes.attachments:
        route, gateway = attachment.route, attachment.gateway
        if attachment.outcome != ACCEPTED or gateway is None or route.kind not in ("HTTPRoute", "GRPCRoute"):
            continue
        for listener in attachment.listeners:
            key = (gateway.ref, listener.index)
            found = attached.setdefault(key, [])
            if all(other is not route for other in found):
                found.append(route)
            listeners[key] = (gateway, listener.hostname, listener.describe())

    def effective(route: Resource, listener_host: str | None) -> list[str] | None:
        hosts = route_hostnames(route)
        if not hosts:
            return [listener_host] if listener_host else None  # None: every hostname
        return [host for host in hosts if not listener_host or hostnames_intersect(host, listener_host)]

    seen: set[tuple[int, int]] = set()
    for key, found in attached.items():
        gateway, listener_host, described = listeners[key]
        http = [route for route in found if route.kind == "HTTPRoute"]
        grpc = [route for route in found if route.kind == "GRPCRoute"]
        for first in http:
            for second in grpc:
                pair = (id(first), id(second))
                if pair in seen:
                    continue
                one, other = effective(first, listener_host), effective(second, listener_host)
                if one is None or other is None:
                    shared = other if one is None else one
                else:
                    shared = [a for a in one if any(hostnames_intersect(a, b) for b in other)]
                    if not shared:
                        continue
                seen.add(pair)
                kept, rejected = sorted((first, second), key=lambda route: f"{route.namespace}/{route.name}")
                hosts = ", ".join(shared) if shared else "every hostname"
                path = ("spec", "hostnames") if "hostnames" in rejected.spec else ("spec", "parentRefs")
                yield Hit(f"{rejected.kind} {rejected.name} and {kept.kind} {kept.name} (namespace {kept.namespace}) "
                          f"both attach to {described} of Gateway {gateway.name} with intersecting hostnames "
                          f"({hosts}): an HTTPRoute and a GRPCRoute may not share a hostname on a listener, so a "
                          f"conformant implementation accepts only the older one (created together: {kept.kind} "
                          f"{kept.namespace}/{kept.name}, first by namespace/name) and rejects the other "
                          "(Accepted: False)", rejected.where(path),
                          (kept.where(("spec", "hostnames") if "hostnames" in kept.spec else ("spec", "parentRefs"),
                                      f"{kept.kind} {kept.name}"),))


# backend-tls-policy-target-not-found -----------------------------------------------------------


@check("backend-tls-policy-target-not-found")
def backend_tls_policy_target_not_found(tree: Tree, params: Params) -> Iterator[Hit]:
    """A BackendTLSPolicy targetRef naming a Service the tree does not define, or a port name (sectionName) the
    Service does not have: the policy applies to nothing (TargetNotFound)."""
    routes = _routes(tree)
    if routes is None:
        return
    for target in routes.policy_targets:
        if not target.is_service:
            continue  # another kind is an implementation's own
        policy, ref = target.policy, target.ref
        if target.service is None:
            if routes.graph.unread_defines(ref.target) is not None:
                continue
            # a local reference: it cannot name another namespace, so the wrong-namespace advice does not apply
            hit = missing_target(routes.graph, policy, ref.target, ref.name_path, True, "targetRef Service",
                                 routes.defines("", "Service", ref.target.namespace))
            if hit is not None:
                if not hit.held:
                    hit = Hit(hit.message + "; the policy applies to nothing, and connections to a Service of that "
                              "name would not use TLS (TargetNotFound)", hit.location, hit.related, hit.weaker)
                yield hit
        elif target.port_problem:
            yield Hit(f"targetRef sectionName: {target.port_problem}; the policy applies to no port of it "
                      "(TargetNotFound)", policy.where((*ref.path, "sectionName")),
                      (target.service.where(("spec", "ports"), f"ports of Service {target.service.name}"),))


# gateway-ref-not-permitted ---------------------------------------------------------------------


@check("gateway-ref-not-permitted")
def gateway_ref_not_permitted(tree: Tree, params: Params) -> Iterator[Hit]:
    """A route backend or a Gateway certificate in another namespace that no ReferenceGrant there permits."""
    routes = _routes(tree)
    if routes is None:
        return
    for backend in routes.backends:
        if backend.permitted is False:
            yield _not_permitted(routes, backend.route, backend.ref, backend.service)
    for certificate in routes.certificates:
        if certificate.permitted is False:
            yield _not_permitted(routes, certificate.gateway, certificate.ref, certificate.secret)


def _not_permitted(routes: GatewayRoutes, source: Resource, ref: Reference, target: Resource | None) -> Hit:
    namespace = ref.target.namespace
    message = (f"{source.kind} {source.name} (namespace {source.namespace}) refers to {ref.target.kind} "
               f"{ref.target.name} in namespace {namespace}, and no ReferenceGrant there permits it "
               f"(from {source.kind} in {source.namespace} to {ref.target.kind}); the reference is ignored "
               "(RefNotPermitted)")
    where = source.where((*ref.path, "namespace"))
    if target is not None or routes.grants.get(namespace):
        return Hit(message, where)
    return Hit(message, where, held=f"the tree defines neither the {ref.target.kind} nor a ReferenceGrant in "
                                    f"namespace {namespace}: both may be applied from there")


# gateway-invalid-certificate-ref ---------------------------------------------------------------


@check("gateway-invalid-certificate-ref")
def gateway_invalid_certificate_ref(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Gateway listener certificateRef naming a Secret the tree does not define (and nothing in it creates), or
    a Secret that is not of type kubernetes.io/tls."""
    routes = _routes(tree)
    if routes is None:
        return
    for certificate in routes.certificates:
        ref, gateway = certificate.ref, certificate.gateway
        if ref.target.group != "" or ref.target.kind != "Secret" or certificate.permitted is False:
            continue
        secret = certificate.secret
        if secret is not None:
            kind = text(secret.raw.get("type")) or "Opaque"
            if kind != TLS_SECRET:
                yield Hit(f"Secret {secret.name} is of type {kind}, not {TLS_SECRET}: implementations need not "
                          "read certificates from it (InvalidCertificateRef)", gateway.where(ref.name_path),
                          (secret.where(("type",) if "type" in secret.raw else (), f"Secret {secret.name}"),),
                          weaker=True)
            continue
        if routes.graph.unread_defines(ref.target) is not None:
            continue
        maker = _certificate_maker(routes, gateway, ref.target)
        if maker:
            continue
        hit = _missing(routes, gateway, ref, "certificateRef Secret")
        if hit is None:
            continue
        if not hit.held:
            hit = Hit(hit.message + f"; {certificate.listener.describe()} cannot terminate TLS "
                      "(InvalidCertificateRef)", hit.location, hit.related, hit.weaker)
        yield hit


def _certificate_maker(routes: GatewayRoutes, gateway: Resource, target: ObjectRef) -> bool:
    """Whether the tree shows something that creates the Secret: a cert-manager Certificate whose secretName it is,
    or cert-manager's annotations on the Gateway (its gateway-shim then creates the Certificate)."""
    if any(key in gateway.annotations for key in CERT_MANAGER_ANNOTATIONS):
        return True
    return (target.namespace, target.name) in routes.issued_secrets
