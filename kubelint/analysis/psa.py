"""The ``pod-security`` analysis: every pod template of a unit evaluated as Pod Security Admission would.

For each object that carries pods (every built-in workload kind, bare Pods, PodTemplates and the custom kinds of
the workload table that have a template), the namespace's policy is its Namespace object's
``pod-security.kubernetes.io/*`` labels in the same unit, over the defaults (``--pod-security``, the admission
configuration, else privileged); exempt namespaces and RuntimeClasses are never evaluated, and the pods of a
controller whose user is exempt are not either. The result says, per admission mode, which checks the pods fail
(:mod:`kubelint.podsecurity.standards`), so that checks, ``kubelint psa`` and dry runs of a label change share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING

from kubelint.analysis import analysis_of
from kubelint.model.resource import ObjectRef, PodTemplate, Resource, mapping
from kubelint.model.workloads import template_of
from kubelint.podsecurity.admission import Settings, settings
from kubelint.podsecurity.levels import MODES, LabelProblem, Level, LevelVersion, Policy, policy_for
from kubelint.podsecurity.standards import MAX_MINOR, Pod, Violation, evaluate
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

APPLY_TIME_KINDS: frozenset[tuple[str, str]] = frozenset({
    ("", "Pod"), ("", "PodTemplate"), ("", "ReplicationController"), ("apps", "Deployment"), ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("extensions", "Deployment"), ("extensions", "ReplicaSet"),
    ("extensions", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob"),
})
"""Kinds the plugin evaluates when they are applied (warn and audit; enforce for Pods only): the kinds its
default pod spec extractor knows. Other kinds' pods are evaluated only when their controller creates them."""


@record
class PodSecurityResult:
    """One object's pods under its namespace's policy."""

    resource: Resource
    template: PodTemplate
    namespace: NamespacePolicy
    violations: dict[str, list[Violation]] = field(default_factory=dict)
    """Mode -> the checks the pods fail at that mode's level and version (empty for privileged)."""
    exempt: str = ""
    """Why nothing is evaluated (an exempt RuntimeClass), or empty."""
    pods_exempt: bool = False
    """The controller that creates the pods is an exempt user: enforce never rejects them."""

    @property
    def is_pod(self) -> bool:
        return self.resource.ref.group == "" and self.resource.kind == "Pod"

    @property
    def creates_pods(self) -> bool:
        """A PodTemplate only holds a template; every other kind here ends up as pods."""
        return not (self.resource.ref.group == "" and self.resource.kind == "PodTemplate")

    @property
    def checked_at_apply(self) -> bool:
        """The API server evaluates the object itself when it is applied (warn, audit, and enforce for a Pod)."""
        return (self.resource.ref.group, self.resource.kind) in APPLY_TIME_KINDS

    def pod(self, relax: bool) -> Pod:
        raw = self.resource.get(self.template.path) if self.template.path else self.resource.raw
        raw = mapping(raw)
        return Pod(mapping(raw.get("metadata")), mapping(raw.get("spec")), relax)

    def resource_path(self, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """A path from the pod (``("spec", "containers", 0)``) as a path inside the object."""
        return (*self.template.path, *path)


@record
class NamespacePolicy:
    """A namespace's policy: its Namespace object (if the unit defines it), the resolved modes, label problems."""

    name: str
    resource: Resource | None
    policy: Policy
    problems: list[LabelProblem] = field(default_factory=list)
    exempt: bool = False
    pods: list[PodSecurityResult] = field(default_factory=list)


@record
class PodSecurity:
    """The analysis result for one unit."""

    settings: Settings
    namespaces: dict[str, NamespacePolicy]
    results: list[PodSecurityResult]

    def evaluate(self, result: PodSecurityResult, level_version: LevelVersion) -> list[Violation]:
        """What ``result``'s pods fail at another level and version (a dry run of a label change)."""
        if level_version.level == Level.PRIVILEGED:
            return []
        minor = level_version.version.evaluated(self.settings.cluster_minor)
        return evaluate(result.pod(self.settings.relax_user_namespaces), level_version.level, minor)

    @property
    def user_dependent(self) -> bool:
        """Exempt usernames exist: whether an object applied by a person is evaluated depends on who applies it."""
        return bool(self.settings.exemptions.usernames)


def cluster_minor(version: str | None) -> int:
    """The minor of the target Kubernetes version (``--kubernetes-version``, default the newest kubelint knows)."""
    from kubelint.schema.builtin import SchemaError, resolve_version, version_key

    try:
        return version_key(resolve_version(version))[1]
    except (SchemaError, ValueError):
        return MAX_MINOR


def pod_security_settings(tree: Tree) -> Settings:
    """The admission settings of the tree's options (raises AdmissionConfigError for unusable ones)."""
    options = tree.options
    return settings(options.pod_security, options.admission_config, cluster_minor(options.kubernetes_version),
                    options.pod_security_user_namespaces)


def _namespace(tree: Tree, name: str, config: Settings, known: dict[str, NamespacePolicy]) -> NamespacePolicy:
    found = known.get(name)
    if found is None:
        resource = tree.by_ref.get(ObjectRef("", "Namespace", None, name))
        labels = resource.labels if resource is not None else {}
        policy, problems = policy_for(labels, config.defaults)
        found = NamespacePolicy(name, resource, policy, problems, name in config.exemptions.namespaces)
        known[name] = found
    return found


def pod_bearing(tree: Tree, resources: Iterable[Resource]) -> Iterable[tuple[Resource, PodTemplate]]:
    """Objects with a pod template whose controller is not in the tree (a cluster dump's ReplicaSets and Pods
    are evaluated through their Deployment)."""
    table = tree.workloads
    for resource in resources:
        if resource.namespace is None:
            continue
        if resource.controller is not None and resource.controller in tree.by_ref:
            continue
        template = template_of(resource, table)
        if template is not None:
            yield resource, template


@analysis_of("pod-security")
def pod_security(tree: Tree) -> PodSecurity:
    """Evaluate every pod template of the tree under its namespace's Pod Security policy."""
    config = pod_security_settings(tree)
    namespaces: dict[str, NamespacePolicy] = {}
    for resource in tree.resources:
        if resource.ref.group == "" and resource.kind == "Namespace":
            _namespace(tree, resource.name, config, namespaces)
    results = []
    for resource, template in pod_bearing(tree, tree.resources):
        namespace_name = resource.namespace
        assert namespace_name is not None
        namespace = _namespace(tree, namespace_name, config, namespaces)
        result = PodSecurityResult(resource, template, namespace)
        namespace.pods.append(result)
        results.append(result)
        if namespace.exempt or namespace.problems:
            continue  # never evaluated; or the Namespace itself is refused (that is the finding)
        runtime_class = template.spec.get("runtimeClassName")
        if isinstance(runtime_class, str) and runtime_class in config.exemptions.runtime_classes:
            result.exempt = f"RuntimeClass {runtime_class} is exempt"
            continue
        result.pods_exempt = config.pod_creator_exempt(resource.kind)
        pod = result.pod(config.relax_user_namespaces)
        evaluated: dict[tuple[Level, int], list[Violation]] = {}
        for mode in MODES:
            level_version = namespace.policy[mode].level_version
            if level_version.level == Level.PRIVILEGED:
                result.violations[mode] = []
                continue
            key = (level_version.level, level_version.version.evaluated(config.cluster_minor))
            if key not in evaluated:
                evaluated[key] = evaluate(pod, *key)
            result.violations[mode] = evaluated[key]
    return PodSecurity(config, namespaces, results)
