"""Reference checks: ConfigMaps, Secrets, ServiceAccounts and claims that pods (and Ingresses, ServiceAccounts)
name but the tree does not define, keys those objects lack, image pull Secrets of the wrong type.

Whether a missing object is reported is decided in one place, :func:`reference_hit`, from the ``references``
analysis (:mod:`kubelint.analysis.references`): defined or declared (built-in, ``external`` in the
configuration) is fine; evidence that something creates it at run time holds the finding back (``-v`` lists it);
a namespace the tree does not decide lowers it one level; otherwise it is reported at the line that names it.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.analysis.graph import USES, Edge, build_graph
from kubelint.analysis.references import Resolution, build_references
from kubelint.analysis.usage import build_usage
from kubelint.checks import Hit, Params, check
from kubelint.model.resource import ObjectRef, Resource
from kubelint.model.tree import Tree

REQUIRE_DEFINED = {"require_defined": {
    "type": "boolean",
    "description": "Hold back (say only with -v) a missing object of a namespace in which the tree defines no "
                   "object of that kind at all: they come from elsewhere (default true)."}}

PULL_SECRET_TYPES = frozenset({"kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"})
"""The Secret types the kubelet reads image pull credentials from (any other Secret is ignored)."""

SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
TOKEN_KEYS = frozenset({"token", "ca.crt", "namespace"})
"""The keys the token controller adds to a service account token Secret."""


def reference_hit(source: Resource, edge: Edge, resolution: Resolution, what: str, consequence: str,
                  scope: str) -> Hit | None:
    """The hit for a reference at ``edge.path`` of ``source`` whose target does not exist (None when it does).

    ``what`` names the target (``ConfigMap 'web' (env)``), ``consequence`` says what happens while it is missing,
    ``scope`` why an object of another namespace does not count."""
    if resolution.exists:
        return None
    target = edge.target
    where = source.where(edge.path)
    place = f"namespace {target.namespace}" if target.namespace is not None else "the tree"
    base = f"{what} is not defined in {place}"
    if resolution.state == "held":
        return Hit(f"{base}; {consequence}", where, held=resolution.reason)
    if resolution.elsewhere:
        first = resolution.elsewhere[0]
        related = tuple(resource.where((), f"{resource.kind} {resource.name} in namespace {resource.namespace}")
                        for resource in resolution.elsewhere[:3])
        return Hit(f"{base}; it is defined in namespace {first.namespace}, not in {target.namespace}: {scope}; "
                   f"{consequence}", where, related, weaker=resolution.state == "uncertain")
    if resolution.state == "uncertain":
        return Hit(f"{base}, and the tree neither creates namespace {target.namespace} nor is applied into it: if "
                   f"both are created elsewhere, all is well; otherwise {consequence}", where, weaker=True)
    return Hit(f"{base}; {consequence}", where)


def near_unused(tree: Tree, hit: Hit, target: ObjectRef) -> Hit:
    """A reported missing ConfigMap or Secret, with the unused objects of its kind and namespace whose names are
    near misses of it (``web-confg`` for ``web-config``): the reference probably meant one of them."""
    if hit.held:
        return hit
    near = [resource for resource in build_usage(tree).unused(target.kind, target.namespace)
            if near_miss(target.name, resource.name)]
    if not near:
        return hit
    related = tuple(resource.where(("metadata", "name") if "name" in resource.metadata else (),
                                   f"{resource.kind} {resource.name}, which nothing uses") for resource in near[:3])
    return Hit(f"{hit.message}; did you mean {near[0].name} (defined there, and nothing uses it)?", hit.location,
               hit.related + related, hit.weaker)


def near_miss(written: str, name: str) -> bool:
    """Whether ``written`` is at most two single-character edits away from a different ``name`` of at least four
    characters (a typo, not another name)."""
    if written == name or len(name) < 4 or abs(len(written) - len(name)) > 2:
        return False
    previous = list(range(len(name) + 1))
    for row, char in enumerate(written, start=1):
        current = [row]
        for column, other in enumerate(name, start=1):
            current.append(min(previous[column] + 1, current[column - 1] + 1,
                               previous[column - 1] + (char != other)))
        previous = current
    return previous[-1] <= 2


def _edges(tree: Tree, kind: str) -> Iterator[tuple[Resource, Edge]]:
    graph = build_graph(tree)
    for edge in graph.edges(USES):
        if edge.target.kind != kind or edge.target.group != "":
            continue
        source = graph.resource(edge.source)
        assert source is not None
        yield source, edge


CA_CONSEQUENCE = ("the Gateway cannot verify the backend's certificate, so its connections to the Service fail "
                  "with 5xx (InvalidCACertificateRef)")


def _consequence(kind: str, via: str) -> str:
    if via == "caCertificateRefs":
        return CA_CONSEQUENCE
    if via in ("volume", "projected"):
        return "the pods stay in ContainerCreating until it exists (or mark the volume optional)"
    if via in ("env", "envFrom"):
        return "the containers fail with CreateContainerConfigError until it exists (or mark the reference optional)"
    return "the pods do not start until it exists"


def _keys(tree: Tree, source: Resource, edge: Edge, resolution: Resolution) -> Iterator[Hit]:
    """A hit per key the reference reads that the object (every definition of it) lacks."""
    wanted = edge.data.get("keys") or ()
    if not wanted or edge.data.get("optional") or resolution.found is None:
        return
    known = build_references(tree).keys(edge.target)
    if known is None:
        return  # a definition holds no data: a controller fills it at run time
    keys, secret_type = known
    if secret_type == SERVICE_ACCOUNT_TOKEN:
        keys = keys | TOKEN_KEYS
    target, via = edge.target, edge.data.get("via", "")
    shown = ", ".join(sorted(keys)[:8]) + (", ..." if len(keys) > 8 else "")
    for key, path in wanted:
        if key in keys:
            continue
        if via == "tls":
            consequence = "the ingress controller cannot use it and serves its default certificate"
        elif via == "caCertificateRefs":
            consequence = CA_CONSEQUENCE
        elif via == "env":
            consequence = "the container fails with CreateContainerConfigError (or mark the reference optional)"
        else:
            consequence = "the volume cannot be mounted: the pods stay in ContainerCreating (or mark it optional)"
        yield Hit(f"{target.kind} {target.name} has no key {key!r} (its keys: {shown}); {consequence}",
                  source.where(path), (resolution.found.where((), f"{target.kind} {target.name}"),))


# missing-configmap -----------------------------------------------------------------------------------------------


@check("missing-configmap", params=REQUIRE_DEFINED)
def missing_configmap(tree: Tree, params: Params) -> Iterator[Hit]:
    """A non-optional reference to a ConfigMap, or a key of one, that the tree does not define."""
    references = build_references(tree)
    require = params.get("require_defined", True)
    for source, edge in _edges(tree, "ConfigMap"):
        if edge.data.get("optional"):
            continue
        via = str(edge.data.get("via", ""))
        resolution = references.resolve(edge.target, require)
        scope = ("a BackendTLSPolicy uses only ConfigMaps of its own namespace" if via == "caCertificateRefs" else
                 "pods use only ConfigMaps of their own namespace")
        hit = reference_hit(source, edge, resolution, f"ConfigMap {edge.target.name!r} ({via})",
                            _consequence("ConfigMap", via), scope)
        if hit is not None:
            yield near_unused(tree, hit, edge.target)
        else:
            yield from _keys(tree, source, edge, resolution)


# missing-secret --------------------------------------------------------------------------------------------------


@check("missing-secret", params=REQUIRE_DEFINED)
def missing_secret(tree: Tree, params: Params) -> Iterator[Hit]:
    """A non-optional reference to a Secret, or a key of one, that the tree does not define; an image pull
    Secret of a type the kubelet does not read."""
    references = build_references(tree)
    require = params.get("require_defined", True)
    for source, edge in _edges(tree, "Secret"):
        if edge.data.get("optional"):
            continue
        via = str(edge.data.get("via", ""))
        resolution = references.resolve(edge.target, require)
        what = f"Secret {edge.target.name!r} ({via})"
        if via == "imagePullSecrets":
            yield from _pull_secret(source, edge, resolution, what)
            continue
        if via == "tls":
            consequence = "the ingress controller serves its default certificate for these hosts until it exists"
            scope = "an Ingress uses only Secrets of its own namespace"
        else:
            consequence = _consequence("Secret", via)
            scope = "pods use only Secrets of their own namespace"
        hit = reference_hit(source, edge, resolution, what, consequence, scope)
        if hit is not None:
            yield near_unused(tree, hit, edge.target)
        else:
            yield from _keys(tree, source, edge, resolution)


def _pull_secret(source: Resource, edge: Edge, resolution: Resolution, what: str) -> Iterator[Hit]:
    """A missing image pull Secret only costs the credentials (the pod starts; a private image fails to pull):
    one level lower. One of another type is ignored by the kubelet: the rule's level."""
    found = resolution.found
    if found is not None:
        secret_type = found.raw.get("type")
        if secret_type not in PULL_SECRET_TYPES:
            shown = secret_type if isinstance(secret_type, str) else "Opaque"
            yield Hit(f"Secret {found.name} is of type {shown}: the kubelet reads image pull credentials only from "
                      "kubernetes.io/dockerconfigjson (or kubernetes.io/dockercfg) Secrets and ignores this one, so "
                      "private images fail to pull", source.where(edge.path),
                      (found.where(("type",) if "type" in found.raw else (), f"Secret {found.name}"),))
        return
    hit = reference_hit(source, edge, resolution, what,
                        "the kubelet pulls without these credentials, so a private image fails to pull",
                        "image pull Secrets are read from the pod's own namespace")
    if hit is not None:
        yield Hit(hit.message, hit.location, hit.related, weaker=True, held=hit.held)


# unknown-service-account -----------------------------------------------------------------------------------------


@check("unknown-service-account", params=REQUIRE_DEFINED)
def unknown_service_account(tree: Tree, params: Params) -> Iterator[Hit]:
    """Pods that run as a ServiceAccount the tree does not define (``default`` always exists).

    When the tree does not decide the namespace (it neither creates it nor is applied into it), the workload goes
    into a namespace set up elsewhere (a copy of an operator's own Deployment, say), whose ServiceAccounts come
    from there too: the tree cannot decide, so it is said one level lower, as uncertain."""
    references = build_references(tree)
    require = params.get("require_defined", True)
    for source, edge in _edges(tree, "ServiceAccount"):
        resolution = references.resolve(edge.target, require)
        hit = reference_hit(source, edge, resolution, f"ServiceAccount {edge.target.name!r}",
                            "the pods are not created until it exists",
                            "pods run only as ServiceAccounts of their own namespace")
        if hit is not None:
            yield hit
