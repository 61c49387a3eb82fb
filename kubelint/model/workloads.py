"""Which objects create pods, where their pod labels come from, and which labels controllers add.

Built-in workloads carry a pod template (``model.POD_TEMPLATE_PATHS``); their controllers add
labels at run time (``pod-template-hash``, ...) that selectors may rely on. Operators create pods
the tree never shows: :data:`BUILTIN_WORKLOAD_KINDS` declares, per custom kind, where the pod
labels are written and which labels the operator adds. The config file extends the table through
``Options.workloads`` (entries read with :func:`parse_workload`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any

from kubelint.findings import Path
from kubelint.model.resource import PodTemplate, Resource, mapping, string_map
from kubelint.records import record

ANY_VALUE = None
"""An added label whose value is only known at run time (a hash, an ordinal, a shard number)."""


@record(frozen=True)
class WorkloadKind:
    """A kind whose objects create pods, and how to tell those pods' labels from the object.

    ``template``: path of a full pod template (``metadata.labels`` and ``spec.containers``), as an
    Argo Rollout has. ``labels``: path of the pods' labels when there is no template (the operator
    builds the containers, so their ports are unknown). ``added``: labels the controller adds to
    every pod; a value may contain ``{name}`` (the object's name), None means "some value".
    ``service_account``: path of the pods' service account name when there is no template.
    """

    group: str
    kind: str
    template: Path | None = None
    labels: Path | None = None
    added: Mapping[str, str | None] = field(default_factory=dict)
    service_account: Path | None = None

    def added_labels(self, name: str) -> tuple[dict[str, str], frozenset[str]]:
        """The labels the controller adds to the pods of an object called ``name``: known values,
        and keys whose value is unknown."""
        known: dict[str, str] = {}
        open_keys: set[str] = set()
        for key, value in self.added.items():
            if value is None:
                open_keys.add(key)
            else:
                known[key] = value.replace("{name}", name)
        return known, frozenset(open_keys)


CONTROLLER_LABELS: dict[str, dict[str, str | None]] = {
    "Deployment": {"pod-template-hash": ANY_VALUE},
    "StatefulSet": {
        "controller-revision-hash": ANY_VALUE,
        "statefulset.kubernetes.io/pod-name": ANY_VALUE,
        "apps.kubernetes.io/pod-index": ANY_VALUE,
    },
    "DaemonSet": {"controller-revision-hash": ANY_VALUE, "pod-template-generation": ANY_VALUE},
    "Job": {
        "batch.kubernetes.io/job-name": "{name}",
        "job-name": "{name}",
        "controller-uid": ANY_VALUE,
        "batch.kubernetes.io/controller-uid": ANY_VALUE,
    },
    "DeploymentConfig": {"deploymentconfig": "{name}", "deployment": ANY_VALUE},
    "CronJob": {
        "batch.kubernetes.io/job-name": ANY_VALUE,
        "job-name": ANY_VALUE,
        "controller-uid": ANY_VALUE,
        "batch.kubernetes.io/controller-uid": ANY_VALUE,
    },
}
"""Labels the built-in controllers put on the pods of each built-in workload kind (apps, extensions
and batch groups alike), beyond the template's own. OpenShift's DeploymentConfig controller labels its
pods with the config's name and the name of the deployment (``<name>-<version>``) it rolled out."""

def _prometheus_operator_kind(kind: str, app_name: str, extra: Mapping[str, str | None] = {}) -> WorkloadKind:
    """A kind whose StatefulSet prometheus-operator builds: pods get ``spec.podMetadata.labels`` plus these.

    Operators before v0.4x labelled the pods ``app: <app name>`` instead of ``app.kubernetes.io/name`` (the
    v0.3x ``makeStatefulSetSpec``); the tree does not say which version runs, so the pods carry both."""
    return WorkloadKind(
        "monitoring.coreos.com", kind, labels=("spec", "podMetadata", "labels"),
        added={
            "app": app_name,
            "app.kubernetes.io/name": app_name,
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "app.kubernetes.io/instance": "{name}",
            app_name: "{name}",
            **extra,
            "app.kubernetes.io/version": ANY_VALUE,
            **CONTROLLER_LABELS["StatefulSet"],
        },
        service_account=("spec", "serviceAccountName"),
    )


BUILTIN_WORKLOAD_KINDS: tuple[WorkloadKind, ...] = (
    # prometheus-operator: pkg/prometheus/server/statefulset.go (podSelectorLabels) and
    # pkg/prometheus/common.go (BuildPodMetadata: podMetadata.labels plus app.kubernetes.io/version).
    _prometheus_operator_kind("Prometheus", "prometheus", {
        "operator.prometheus.io/name": "{name}",
        "operator.prometheus.io/shard": ANY_VALUE,
    }),
    # pkg/alertmanager/statefulset.go (podSelectorLabels, then podMetadata.labels underneath).
    _prometheus_operator_kind("Alertmanager", "alertmanager"),
    # pkg/thanos/statefulset.go: the same scheme with the thanos-ruler name label.
    _prometheus_operator_kind("ThanosRuler", "thanos-ruler"),
    # Argo Rollouts: a Deployment-like pod template; the controller adds its own template hash.
    WorkloadKind(
        "argoproj.io", "Rollout", template=("spec", "template"),
        added={"rollouts-pod-template-hash": ANY_VALUE},
    ),
)
"""Custom kinds whose controllers create pods, known out of the box."""


def workload_table(extra: Iterable[WorkloadKind] = ()) -> dict[tuple[str, str], WorkloadKind]:
    """The built-in table with ``extra`` entries added (an extra entry replaces a built-in one)."""
    table = {(entry.group, entry.kind): entry for entry in BUILTIN_WORKLOAD_KINDS}
    for entry in extra:
        table[(entry.group, entry.kind)] = entry
    return table


def parse_workload(raw: Any) -> WorkloadKind:
    """Read one ``workloads`` entry of the config file; raise ValueError with a readable message.

    Format::

        apiVersion: example.com/v1      # or group: example.com (the version does not matter)
        kind: Database
        template: spec.template         # a full pod template, or:
        labels: spec.podMetadata.labels # where the pods' labels are written
        addedLabels:                    # labels the operator adds; {name} is the object's name,
          app: database                 # null means "some value set at run time"
          database: "{name}"
          shard: null
        serviceAccountName: spec.serviceAccountName
    """
    if not isinstance(raw, dict):
        raise ValueError("a workloads entry must be a mapping")
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ValueError("a workloads entry needs a kind")
    if isinstance(raw.get("group"), str):
        group = raw["group"]
    elif isinstance(raw.get("apiVersion"), str):
        group = raw["apiVersion"].rpartition("/")[0]
    else:
        raise ValueError(f"workloads entry {kind}: give its group (or apiVersion)")
    template = _path(raw.get("template"), kind, "template")
    labels = _path(raw.get("labels"), kind, "labels")
    if template is None and labels is None:
        raise ValueError(f"workloads entry {kind}: give template or labels (a dotted path)")
    added_raw = raw.get("addedLabels") or {}
    if not isinstance(added_raw, dict) or not all(
        isinstance(key, str) and (value is None or isinstance(value, str)) for key, value in added_raw.items()
    ):
        raise ValueError(f"workloads entry {kind}: addedLabels maps label keys to strings or null")
    return WorkloadKind(
        group, kind, template, labels, dict(added_raw),
        _path(raw.get("serviceAccountName"), kind, "serviceAccountName"),
    )


def workload_entry(workload: WorkloadKind) -> dict[str, Any]:
    """A table entry in the configuration file's shape (the inverse of :func:`parse_workload`)."""
    entry: dict[str, Any] = {"kind": workload.kind, "group": workload.group}
    for key, path in (("template", workload.template), ("labels", workload.labels),
                      ("serviceAccountName", workload.service_account)):
        if path is not None:
            entry[key] = ".".join(str(part) for part in path)
    if workload.added:
        entry["addedLabels"] = dict(workload.added)
    return entry


def _path(value: Any, kind: str, name: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or any(not part for part in value.split(".")):
        raise ValueError(f"workloads entry {kind}: {name} must be a dotted path such as spec.template")
    return tuple(value.split("."))


def template_of(resource: Resource, table: Mapping[tuple[str, str], WorkloadKind]) -> PodTemplate | None:
    """The pod template of a built-in pod-bearing kind, or of a declared custom kind with a template."""
    template = resource.pod_template
    if template is not None:
        return template
    entry = table.get((resource.ref.group, resource.kind))
    if entry is None or entry.template is None:
        return None
    raw = resource.get(entry.template)
    if not isinstance(raw, dict):
        return None
    return PodTemplate(entry.template, string_map(mapping(raw.get("metadata")).get("labels")),
                       mapping(raw.get("spec")))
