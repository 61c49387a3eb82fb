"""Pod Security Admission findings: what the cluster does with each object's pods in its namespace.

One check, ``pod-security``, with a ``mode`` param: ``enforce`` (pods refused: a bare Pod at apply, a workload's
pods when its controller creates them, while the workload itself is accepted), ``warn`` (the API server warns
when the object is applied) and ``audit`` (the audit log records the violation). Each failed Pod Security check
is one finding, at the first offending node, with the API server's words; the namespace label that sets the
level is a related location. A violation a stricter mode already reports for the object is not repeated, and
a finding here makes the per-field security rules' findings on the same nodes redundant (``Hit.covers``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kubelint.analysis.psa import NamespacePolicy, PodSecurityResult, pod_security
from kubelint.checks import Hit, Params, check
from kubelint.findings import Location, Path
from kubelint.podsecurity.levels import MODES
from kubelint.podsecurity.standards import Violation
from kubelint.podsecurity.text import go_quote

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

COVERS: dict[str, tuple[str, ...]] = {
    "privileged": ("privileged-container",),
    "hostNamespaces": ("host-network", "host-pid", "host-ipc"),
    "hostPorts": ("host-port",),
    "hostPathVolumes": ("host-path-volume",),
    "restrictedVolumes": ("host-path-volume",),
    "capabilities_baseline": ("dangerous-capabilities",),
    "capabilities_restricted": ("dangerous-capabilities",),
    "allowPrivilegeEscalation": ("privilege-escalation",),
    "runAsNonRoot": ("run-as-root",),
    "runAsUser": ("run-as-root",),
}
"""Per-field security rules whose findings a Pod Security finding of each check restates (on the same nodes)."""

PARAMS = {"mode": {"type": "string", "enum": list(MODES), "required": True,
                   "description": "The admission mode to report: enforce, warn or audit."}}


def _message(result: PodSecurityResult, mode: str, level_version: str, violation: Violation) -> str:
    kind, name = result.resource.kind, result.resource.name
    verdict = f"PodSecurity {go_quote(level_version)}: {violation.text()}"
    if mode == "enforce":
        if result.is_pod:
            return f"Pod rejected: pods {go_quote(name)} is forbidden: violates {verdict}"
        return f"{kind} accepted; its pods will be rejected: violates {verdict}"
    if mode == "warn":
        if result.checked_at_apply:
            return f"{kind} accepted with a warning: would violate {verdict}"
        return f"{kind} accepted; its controller is warned when it creates the pods: would violate {verdict}"
    if result.checked_at_apply:
        return f"{kind} accepted; the audit log records: would violate {verdict}"
    return f"{kind} accepted; the audit log records when its pods are created: would violate {verdict}"


def _applies(result: PodSecurityResult, mode: str) -> bool:
    """Whether the mode has a consequence for this object at all."""
    if mode == "enforce":
        return result.creates_pods and (result.is_pod or not result.pods_exempt)
    if result.checked_at_apply:
        return True
    return not result.pods_exempt  # custom kinds: evaluated only when their controller creates the pods


def _uncertain(result: PodSecurityResult, mode: str, user_dependent: bool) -> bool:
    """Exempt usernames make the outcome depend on a user kubelint does not know: who applies the object (a Pod;
    warn and audit of a built-in workload), or which account a custom kind's controller creates pods as."""
    if not user_dependent:
        return False
    return result.is_pod or not result.checked_at_apply or mode != "enforce"


def _label_location(namespace: NamespacePolicy, mode: str) -> tuple[Location, ...]:
    policy = namespace.policy[mode]
    if namespace.resource is None or policy.label_path is None:
        return ()
    return (namespace.resource.where(policy.label_path, f"namespace {namespace.name}: {policy.source.detail}="
                                     f"{namespace.resource.labels.get(policy.source.detail, '')}"),)


def _hits(result: PodSecurityResult, mode: str, user_dependent: bool) -> Iterator[Hit]:
    namespace = result.namespace
    level_version = namespace.policy[mode].level_version
    laxer = MODES[MODES.index(mode) + 1:]
    for violation in result.violations.get(mode, []):
        paths = [result.resource_path(path) for path in violation.paths] or [result.template.spec_path]
        first, rest = paths[0], paths[1:]
        related = tuple(result.resource.where(path, "also here") for path in rest) + _label_location(namespace, mode)
        covers = tuple((rule, path, "") for rule in COVERS.get(violation.check, ()) for path in _cover_paths(paths))
        # the same violation in a laxer mode (a warn label at the enforce level) is not repeated
        covers += tuple((f"pod-security-{other}", first, f": {violation.text()}") for other in laxer)
        yield Hit(_message(result, mode, str(level_version), violation), result.resource.where(first), related,
                  weaker=_uncertain(result, mode, user_dependent), covers=covers)


def _cover_paths(paths: list[Path]) -> list[Path]:
    """A container-level finding covers everything inside that container; pod-level ones their own node."""
    out = []
    for path in paths:
        for index, part in enumerate(path):
            if part in ("containers", "initContainers", "ephemeralContainers") and index + 1 < len(path):
                path = path[:index + 2]
                break
        out.append(path)
    return out


@check("pod-security", params=PARAMS)
def pod_security_check(tree: Tree, params: Params) -> Iterator[Hit]:
    """Pod Security Admission findings of one mode (``params.mode``) for every pod-bearing object."""
    mode = str(params.get("mode", "enforce"))
    analysis = pod_security(tree)
    if mode == "enforce":
        yield from _namespace_problems(analysis.namespaces.values())
    for result in analysis.results:
        if result.exempt or not _applies(result, mode):
            continue
        if mode == "warn" and result.is_pod and result.violations.get("enforce"):
            continue  # the Pod is refused: the API server adds no warnings to a refusal
        yield from _hits(result, mode, analysis.user_dependent)


def _namespace_problems(namespaces: Iterable[NamespacePolicy]) -> Iterator[Hit]:
    """A Namespace whose Pod Security labels the plugin cannot parse is refused when created or updated."""
    for namespace in namespaces:
        if namespace.resource is None or namespace.exempt:
            continue
        for problem in namespace.problems:
            yield Hit(f"Namespace rejected: namespaces {go_quote(namespace.name)} is invalid: {problem.api_message()}",
                      namespace.resource.where(("metadata", "labels", problem.key)))

