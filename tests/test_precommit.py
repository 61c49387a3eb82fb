"""The real pre-commit hook, run with `pre-commit try-repo` in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{name: http, containerPort: 80}]
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: {app}
  ports:
    - port: {port}
      targetPort: http
"""

UNSTAGED_PROBLEM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def hook(repo: Path) -> subprocess.CompletedProcess[str]:
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or "pre-commit"
    return subprocess.run([pre_commit, "try-repo", str(ROOT), "kubelint"], cwd=repo, capture_output=True,
                          text=True, check=False, env={**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pc")})


@pytest.mark.slow
def test_hook_lints_staged_files_against_the_whole_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "dev")
    (repo / "k8s" / "deployment.yaml").write_text(DEPLOYMENT)
    (repo / "k8s" / "service.yaml").write_text(SERVICE.format(app="web", port=80))
    (repo / "k8s" / "settings.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")

    # Only the Service is staged; its Deployment lives in an unchanged file: no false orphan.
    (repo / "k8s" / "service.yaml").write_text(SERVICE.format(app="web", port=8080))
    git(repo, "add", "k8s/service.yaml")
    (repo / "k8s" / "settings.yaml").write_text(UNSTAGED_PROBLEM)  # an unstaged problem stays unseen
    result = hook(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "orphan-service-selector" not in result.stdout

    # Breaking the selector fails the commit, pointing at the staged file.
    (repo / "k8s" / "service.yaml").write_text(SERVICE.format(app="wbe", port=8080))
    git(repo, "add", "k8s/service.yaml")
    result = hook(repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "k8s/service.yaml:7:" in result.stdout and "[orphan-service-selector]" in result.stdout  # at app: wbe
    assert "settings.yaml" not in result.stdout and "yaml-duplicate-key" not in result.stdout
