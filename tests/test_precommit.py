"""The real pre-commit hooks, run with `pre-commit run` in temporary git repositories.

The hook repository is this checkout as it is now (uncommitted changes included), committed once into a
temporary repository that each test repository's .pre-commit-config.yaml names at that revision, so that
pre-commit installs the hook's environment once for all these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: nginx:1.27
          ports: [{{name: {port}, containerPort: 80}}]
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


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    """(hook repository, its revision, PRE_COMMIT_HOME) shared by the tests of this module."""
    base = tmp_path_factory.mktemp("hooks")
    repo = base / "kubelint"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-qm", "hooks")
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                              text=True).stdout.strip()
    yield repo, revision, base / "pre-commit-home"


def hook(repo: Path, hooks: tuple[Path, str, Path], hook_id: str = "kubelint",
         verbose: bool = False) -> subprocess.CompletedProcess[str]:
    """``pre-commit run HOOK`` on what is staged (the repository's config names the hook repository at one
    revision, so pre-commit installs the hook's environment once for all tests)."""
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or "pre-commit"
    return subprocess.run([pre_commit, "run", hook_id, *(["--verbose"] if verbose else [])], cwd=repo,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "PRE_COMMIT_HOME": str(hooks[2])})


def new_repo(path: Path, files: dict[str, str], hooks: tuple[Path, str, Path]) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "dev")
    config = (f"repos:\n  - repo: {hooks[0].as_uri()}\n    rev: {hooks[1]}\n"
              "    hooks:\n      - id: kubelint\n      - id: kubelint-always\n")
    stage(path, {**files, ".pre-commit-config.yaml": config})
    git(path, "commit", "-qm", "init")
    return path


def stage(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
        git(repo, "add", "--", name)


def app() -> dict[str, str]:
    return {"k8s/deployment.yaml": DEPLOYMENT.format(name="web", port="http"),
            "k8s/api.yaml": DEPLOYMENT.format(name="api", port="http"),
            "k8s/service.yaml": SERVICE.format(app="web", port=80),
            "k8s/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n"}


@pytest.mark.slow
def test_hook_lints_staged_files_against_the_whole_tree(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = new_repo(tmp_path / "repo", app(), hooks)

    # Only the Service is staged; its Deployment lives in an unchanged file: no false orphan.
    stage(repo, {"k8s/service.yaml": SERVICE.format(app="web", port=8080)})
    (repo / "k8s" / "settings.yaml").write_text(UNSTAGED_PROBLEM)  # an unstaged problem stays unseen
    result = hook(repo, hooks)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "orphan-service-selector" not in result.stdout

    # Breaking the selector fails the commit, pointing at the staged file.
    stage(repo, {"k8s/service.yaml": SERVICE.format(app="wbe", port=8080)})
    result = hook(repo, hooks)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "k8s/service.yaml:7:" in result.stdout and "[orphan-service-selector]" in result.stdout  # at app: wbe
    assert "settings.yaml" not in result.stdout and "yaml-duplicate-key" not in result.stdout


@pytest.mark.slow
def test_a_port_renamed_in_a_staged_deployment_fails_at_the_unchanged_service(
        tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = new_repo(tmp_path / "repo", app(), hooks)
    stage(repo, {"k8s/deployment.yaml": DEPLOYMENT.format(name="web", port="web-http")})
    result = hook(repo, hooks)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "k8s/service.yaml:10:19: error [service-target-port-mismatch]" in result.stdout
    assert "findings already there at HEAD" in result.stdout


@pytest.mark.slow
def test_git_rm_of_a_deployment_is_seen_by_the_always_hook(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = new_repo(tmp_path / "repo", app(), hooks)
    git(repo, "rm", "-q", "k8s/deployment.yaml")
    skipped = hook(repo, hooks)  # pre-commit passes no deleted file: the YAML hook does not run
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout, skipped.stdout
    result = hook(repo, hooks, "kubelint-always")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "k8s/service.yaml:7:" in result.stdout and "error [orphan-service-selector]" in result.stdout


@pytest.mark.slow
def test_a_staged_overlay_patch_fails_at_the_base_and_is_never_linted_as_an_object(
        tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = new_repo(tmp_path / "repo", {
        "base/deployment.yaml": DEPLOYMENT.format(name="web", port="http"),
        "base/service.yaml": SERVICE.format(app="web", port=80),
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n- service.yaml\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamespace: prod\n",
    }, hooks)
    stage(repo, {
        "overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                                    "  template:\n    spec:\n      hostPID: true\n",
        "overlays/prod/port.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n"
                                   "    - port: 80\n      targetPort: htttp\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamespace: prod\n"
                                            "patches:\n- path: patch.yaml\n- path: port.yaml\n",
    })
    result = hook(repo, hooks)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "base/deployment.yaml:1:1: warning [host-pid]" in result.stdout
    assert "base/service.yaml:10:19: error [service-target-port-mismatch]" in result.stdout
    assert "(via overlays/prod)" in result.stdout
    assert "schema-invalid" not in result.stdout and "patch.yaml:" not in result.stdout


@pytest.mark.slow
def test_old_findings_and_renames_pass(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    files = {f"k8s/map-{n:03}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m{n}\n  name: m{n}\n"
             for n in range(100)}
    repo = new_repo(tmp_path / "repo", {**app(), **files}, hooks)
    git(repo, "mv", "k8s/map-000.yaml", "k8s/renamed.yaml")
    git(repo, "mv", "k8s/deployment.yaml", "k8s/web.yaml")
    stage(repo, {"k8s/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"})
    result = hook(repo, hooks, "kubelint-always", verbose=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors, 0 warnings, 0 info" in result.stdout and "findings already there at HEAD" in result.stdout


@pytest.mark.slow
def test_file_names_are_never_options(tmp_path: Path, hooks: tuple[Path, str, Path]) -> None:
    repo = new_repo(tmp_path / "repo", {**app(), "victim.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                                                "  name: victim\n"}, hooks)
    stage(repo, {"--exclude=*.yaml": "a: 1\n", "--output=victim.yaml": "a: 1\n", "-q.json": "{}\n",
                 "k8s/deployment.yaml": DEPLOYMENT.format(name="web", port="web-http")})
    result = hook(repo, hooks)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "k8s/service.yaml:10:19: error [service-target-port-mismatch]" in result.stdout
    assert (repo / "victim.yaml").read_text().endswith("name: victim\n")
