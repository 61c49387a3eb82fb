"""CRD transition rules (oldSelf) and admission policies on UPDATE (oldObject) against the earlier state of
``--new-since REF`` and the pre-commit hook, on real git repositories (kubelint in process)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from git_repo import commit, git, init_repo

from kubelint.cli import cli

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: volumes.storage.example.com
spec:
  group: storage.example.com
  scope: Namespaced
  names: {kind: Volume, plural: volumes}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                storageClass:
                  type: string
                  x-kubernetes-validations:
                    - rule: self == oldSelf
                      message: storageClass is immutable
                size:
                  type: integer
                  x-kubernetes-validations:
                    - rule: self >= oldSelf
                      messageExpression: "'size may only grow, not shrink from ' + string(oldSelf)"
                disks:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    x-kubernetes-validations:
                      - rule: self.device == oldSelf.device
                        message: a disk's device is immutable
                    properties:
                      name: {type: string}
                      device: {type: string}
                tags:
                  type: array
                  items:
                    type: object
                    x-kubernetes-validations:
                      - rule: self.value == oldSelf.value
                        message: never evaluated (items of an atomic list do not correlate)
                    properties:
                      value: {type: string}
"""

VOLUME = """\
apiVersion: storage.example.com/v1
kind: Volume
metadata:
  name: data
  namespace: apps
spec:
  storageClass: {storage_class}
  size: {size}
  disks:
    - name: a
      device: {device_a}
    - name: b
      device: /dev/sdb
  tags:
    - value: {tag}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    options: dict[str, Any] = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**options).invoke(cli, ["lint", "--format", "json", *args], catch_exceptions=False)


def found(result: Result, rule: str) -> list[tuple[str, int, str]]:
    assert result.exit_code in (0, 1), result.output + result.stderr
    findings = json.loads(result.stdout)["findings"]
    return [(f["file"], f["line"], f["message"]) for f in findings if f["rule"] == rule]


def volume(storage_class: str = "fast", size: int = 10, device_a: str = "/dev/sda", tag: str = "x") -> str:
    return VOLUME.format(storage_class=storage_class, size=size, device_a=device_a, tag=tag)


def test_transition_rules_run_against_the_new_since_base(repo: Path) -> None:
    commit(repo, {"crd.yaml": CRD, "volume.yaml": volume()}, "init")
    assert found(run("."), "crd-validation-failed") == []  # a create: transition rules do not run
    git(repo, "checkout", "-qb", "feature")
    commit(repo, {"volume.yaml": volume(storage_class="slow", size=5, device_a="/dev/sdz", tag="y")})
    assert found(run("."), "crd-validation-failed") == []  # without a base there is no old object
    result = run(".", "--new-since", "main")
    assert result.exit_code == 1
    assert found(result, "crd-validation-failed") == [
        ("volume.yaml", 7, "Volume data: Invalid value: storageClass is immutable (updating it from main)"),
        ("volume.yaml", 8, "Volume data: Invalid value: size may only grow, not shrink from 10 (updating it from "
                           "main)"),
        ("volume.yaml", 10, "Volume data: Invalid value: a disk's device is immutable (updating it from main)"),
    ]


def test_an_allowed_update_an_unchanged_object_and_a_new_object_pass(repo: Path) -> None:
    commit(repo, {"crd.yaml": CRD, "volume.yaml": volume()}, "init")
    git(repo, "checkout", "-qb", "feature")
    grown = volume(size=20).replace("    - name: a\n      device: /dev/sda\n", "")  # disk a removed: no old value
    other = volume(storage_class="slow", size=1).replace("name: data", "name: other")  # new: a create
    commit(repo, {"volume.yaml": grown, "other.yaml": other})
    result = run(".", "--new-since", "main")
    assert found(result, "crd-validation-failed") == []
    assert run(".", "--new-since", "HEAD").exit_code == 0


def test_the_hook_runs_transition_rules_against_head(repo: Path) -> None:
    commit(repo, {"crd.yaml": CRD, "volume.yaml": volume()}, "init")
    (repo / "volume.yaml").write_text(volume(storage_class="slow"))
    git(repo, "add", "volume.yaml")
    result = run("--hook")
    assert result.exit_code == 1
    assert found(result, "crd-validation-failed") == [
        ("volume.yaml", 7, "Volume data: Invalid value: storageClass is immutable (updating it from HEAD)")]
    git(repo, "commit", "-qm", "change the class")
    (repo / "volume.yaml").write_text(volume(storage_class="slow", size=11))
    git(repo, "add", "volume.yaml")
    assert found(run("--hook"), "crd-validation-failed") == []  # HEAD moved: the class is no change now


POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-scale-down
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [UPDATE]
        resources: [deployments]
  validations:
    - expression: object.spec.replicas >= oldObject.spec.replicas && request.operation == 'UPDATE'
      messageExpression: "'may not scale down from ' + string(oldObject.spec.replicas)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-scale-down
spec:
  policyName: no-scale-down
  validationActions: [Deny]
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: apps
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""


def test_an_update_only_policy_sees_the_old_object_of_the_new_since_base(repo: Path) -> None:
    commit(repo, {"policy.yaml": POLICY, "web.yaml": DEPLOYMENT.format(name="web", replicas=3),
                  "api.yaml": DEPLOYMENT.format(name="api", replicas=3)}, "init")
    assert found(run("."), "admission-policy-denied") == []  # without a base every object is created
    git(repo, "checkout", "-qb", "feature")
    commit(repo, {"web.yaml": DEPLOYMENT.format(name="web", replicas=2),  # an update: scaled down
                  "new.yaml": DEPLOYMENT.format(name="new", replicas=1)})  # a create: the policy does not match
    result = run(".", "--new-since", "main")
    assert result.exit_code == 1
    assert found(result, "admission-policy-denied") == [
        ("web.yaml", 7, "ValidatingAdmissionPolicy no-scale-down (binding no-scale-down), on the update from main, "
                        "denies Deployment web: may not scale down from 3")]
    commit(repo, {"web.yaml": DEPLOYMENT.format(name="web", replicas=4)})
    assert found(run(".", "--new-since", "main"), "admission-policy-denied") == []
