"""The composite action's `new-since` input: its Lint step's script, run with bash in a pull request's clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n" \
          "  ports: [{port: 80, targetPort: http}]\n"
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
          ports: [{name: PORT, containerPort: 80}]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", *args], cwd=repo, check=True,
                   capture_output=True)


def lint_step() -> dict[str, Any]:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    return next(step for step in steps if step.get("id") == "lint")


def run_step(workspace: Path, tmp_path: Path, inputs: dict[str, str],
             base_ref: str) -> subprocess.CompletedProcess[str]:
    """The Lint step as the runner runs it: inputs through the environment, kubelint from KUBELINT_BIN."""
    kubelint = shutil.which("kubelint", path=os.path.dirname(sys.executable))
    assert kubelint is not None
    env = {**os.environ, "KUBELINT_BIN": os.path.dirname(kubelint), "GITHUB_WORKSPACE": str(workspace),
           "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_BASE_REF": base_ref}
    defaults = {"paths": ".", "fail-on": "warning", "sarif-file": "", "junit-file": "", "baseline": "",
                "new-since": "", "args": "--disable all --enable service-target-port-mismatch"}
    step = lint_step()
    for name, value in step["env"].items():
        key = value.removeprefix("${{ inputs.").removesuffix(" }}")
        env[name] = {**defaults, **inputs}[key]
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True,
                          check=False)


def pull_request(tmp_path: Path, depth: int | None = None) -> Path:
    """A clone of a repository whose main already has one finding, with a branch that adds another."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    (origin / "web.yaml").write_text(DEPLOYMENT.replace("PORT", "http"))
    (origin / "service.yaml").write_text(SERVICE)
    (origin / "old.yaml").write_text(SERVICE.replace("web", "old").replace("app: old", "app: web")
                                     .replace("targetPort: http", "targetPort: nope"))
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "main")
    clone = tmp_path / "clone"
    depth_args = ["--depth", str(depth)] if depth else []
    subprocess.run(["git", "clone", "-q", *depth_args, f"file://{origin}", str(clone)], check=True)
    git(clone, "checkout", "-qb", "feature")
    (clone / "web.yaml").write_text(DEPLOYMENT.replace("PORT", "web-http"))
    git(clone, "commit", "-qam", "rename the port")
    return clone


def test_merge_base_gates_a_pull_request_on_what_it_adds(tmp_path: Path) -> None:
    clone = pull_request(tmp_path)
    result = run_step(clone, tmp_path, {"new-since": "merge-base", "sarif-file": "out.sarif"}, "main")
    assert result.returncode == 1, result.stdout + result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and "file=service.yaml" in annotations[0], result.stdout
    assert "1 finding already there at " in result.stdout
    assert (clone / "out.sarif").read_text().count('"baselineState"') == 2  # SARIF keeps the old one too


def test_without_a_pull_request_every_finding_counts(tmp_path: Path) -> None:
    clone = pull_request(tmp_path)
    result = run_step(clone, tmp_path, {"new-since": "merge-base"}, "")
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert result.returncode == 1 and len(annotations) == 2, result.stdout


def test_a_shallow_checkout_says_fetch_depth(tmp_path: Path) -> None:
    clone = pull_request(tmp_path, depth=1)
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")  # as actions/checkout leaves a pull request
    result = run_step(clone, tmp_path, {"new-since": "merge-base"}, "main")
    assert result.returncode == 2
    assert "fetch-depth: 0" in result.stdout
