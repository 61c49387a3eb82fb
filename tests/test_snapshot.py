"""A tree state read from git's objects is linted exactly as its checkout would be."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kubelint.engine import lint_paths, lint_tree
from kubelint.findings import Finding
from kubelint.loader import load_snapshot_tree, load_tree_at
from kubelint.options import Options
from kubelint.sources.git import GitError, repository

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
if not CORPORA.is_dir():
    CORPORA = Path("/work/shared/corpora")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=dev@example.com", "-c", "user.name=dev", *args], cwd=repo, check=True,
                   capture_output=True)


def seen(findings: list[Finding]) -> list[tuple[str, str, int, int, str, str]]:
    return sorted((f.rule, f.file, f.line, f.column, f.message, f.location.via) for f in findings)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Real manifests (a Kustomize app with components and a file its kustomization leaves out, the example
    app) plus what discovery must skip the same way: hidden folders, .gitignore, excluded globs, a symlink."""
    root = tmp_path / "repo"
    shutil.copytree(CORPORA / "microservices-demo", root / "demo")
    shutil.copytree(ROOT / "examples", root / "examples")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n")
    (root / "generated").mkdir()
    (root / "generated" / "out.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: g, name: h}\n")
    (root / ".gitignore").write_text("generated/\n")
    (root / "examples" / "link.yaml").symlink_to("shop/cart.yaml")
    (root / "examples" / "dangling.yaml").symlink_to("shop/gone.yaml")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "add", "-f", "generated/out.yaml")  # tracked although ignored: still left out, as in a walk
    git(root, "commit", "-qm", "init")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("paths", [["."], ["demo/kubernetes-manifests", "examples/shop"], ["demo/kustomize/"]])
def test_a_commit_lints_as_its_checkout(repo: Path, paths: list[str]) -> None:
    options = Options(exclude=["*.md"])
    checkout = lint_paths(paths, options)
    tree, _ = load_snapshot_tree(repository(".").tree("HEAD"), paths, options)
    snapshot = lint_tree(tree, baseline=[])
    assert seen(snapshot.findings) == seen(checkout.findings)
    assert sorted(snapshot.sources) == sorted(checkout.sources)
    assert snapshot.objects == checkout.objects > 10


def test_the_working_tree_is_never_read(repo: Path) -> None:
    (repo / "examples" / "shop" / "cart.yaml").write_text("not: [yaml\n")  # an unstaged edit
    shutil.rmtree(repo / "demo")
    tree = load_tree_at("HEAD", ["."], Options())
    assert any(source.display.startswith("demo/") for source in tree.sources)
    assert all("not: [yaml" not in source.text for source in tree.sources)


def test_the_tree_at_a_revision_from_a_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "examples")
    checkout = lint_paths(["shop"], Options())
    tree = load_tree_at("HEAD", ["shop"], Options())
    assert seen(lint_tree(tree, baseline=[]).findings) == seen(checkout.findings)


def test_paths_outside_the_repository_and_stdin_are_refused(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="outside the repository"):
        load_tree_at("HEAD", [str(tmp_path)], Options())
    with pytest.raises(GitError, match="standard input"):
        load_tree_at("HEAD", ["-"], Options())
