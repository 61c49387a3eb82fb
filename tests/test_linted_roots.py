"""Nothing in a repository makes kubelint read or print a file outside the linted roots (issue 15, item 2).

The reproducers are in ``tests/hostile/``: forged origin annotations (``commonAnnotations``, a JSON patch),
symlinks out of the tree (a manifest, a folder, a kustomization file), ``resources: [/etc]``, a remote base.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.cli import cli
from kubelint.sources.boundary import Boundary

HOSTILE = Path(__file__).parent / "hostile"
PASSWD_LINE = "root:"  # the first line of /etc/passwd on every Unix


def _lint(*args: str) -> tuple[int, str, dict[str, object]]:
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", *args])
    text = CliRunner().invoke(cli, ["lint", "--no-cache", *args]).output  # the text report, excerpts included
    return result.exit_code, text, json.loads(result.stdout)


def _places(report: dict[str, object]) -> set[tuple[str, str, int]]:
    return {(os.path.basename(f["file"]), f["rule"], f["line"]) for f in report["findings"]}  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("folder", ["origin-annotation", "origin-annotation-patch"])
def test_a_forged_origin_annotation_is_not_followed(folder: str) -> None:
    """Before: the origin named /etc/passwd, whose lines were printed as the Pod's source."""
    code, text, report = _lint(str(HOSTILE / folder))
    own = {line.strip() for line in (HOSTILE / folder / "kustomization.yaml").read_text().splitlines()}
    shown = [line for line in text.splitlines() if line.strip() not in own]  # the origin-annotation-set excerpt
    assert code == 1 and PASSWD_LINE not in text and not [line for line in shown if "passwd" in line]
    files = {os.path.basename(f["file"]) for f in report["findings"]}  # type: ignore[attr-defined,index]
    assert files == {"kustomization.yaml"}  # the root's own file: an origin is only believed if kustomize set it


def test_an_origin_inside_the_tree_is_not_believed_when_the_user_sets_it(tmp_path: Path) -> None:
    """A forged origin may also point at another file of the repository: it is not followed either."""
    (tmp_path / ".git").mkdir()
    app = tmp_path / "app"
    app.mkdir()
    (app / "pod.yaml").write_text((HOSTILE / "origin-annotation" / "pod.yaml").read_text())
    (tmp_path / "other.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
    (app / "kustomization.yaml").write_text(
        "resources:\n- pod.yaml\ncommonAnnotations:\n  config.kubernetes.io/origin: 'path: ../../../../../../../../../"
        f"..{tmp_path}/other.yaml'\n")
    _, _, report = _lint(str(app))
    assert {os.path.basename(f["file"]) for f in report["findings"]} == {"kustomization.yaml"}  # type: ignore[attr-defined,index]


def test_an_origin_set_by_a_patch_file_is_not_believed_and_is_a_finding(tmp_path: Path) -> None:
    """Issue 15 leftovers: a patch *file* that sets the origin annotation was not noticed (only kustomizations and
    inline patches were), so its forged origin moved the Pod's findings to another file of the tree; and a root
    that sets the annotation lost its locations without a word. Now the patch file carries an
    origin-annotation-set finding at the annotation, and the Pod's findings sit on the root's kustomization."""
    (tmp_path / ".git").mkdir()
    app = tmp_path / "app"
    app.mkdir()
    (app / "pod.yaml").write_text((HOSTILE / "origin-annotation" / "pod.yaml").read_text())
    (app / "other.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n")
    (app / "patch.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
        f"    config.kubernetes.io/origin: 'path: ../../../../../../../../../..{app}/other.yaml'\n")
    (app / "kustomization.yaml").write_text("resources:\n- pod.yaml\n- other.yaml\npatches:\n- path: patch.yaml\n")
    _, _, report = _lint(str(app))
    places = _places(report)
    assert ("patch.yaml", "origin-annotation-set", 6) in places
    pod = {(file, line) for file, rule, line in places if rule == "latest-image-tag"}
    assert pod == {("kustomization.yaml", 1)}  # not other.yaml, where the forged origin pointed


def test_a_root_that_sets_the_origin_says_so_where_it_sets_it(tmp_path: Path) -> None:
    """Before, its objects moved to the kustomization's line 1 silently."""
    folder = _copy("origin-annotation", tmp_path)
    code, _, report = _lint(str(folder))
    assert code == 1 and ("kustomization.yaml", "origin-annotation-set", 6) in _places(report)
    message = next(f["message"] for f in report["findings"] if f["rule"] == "origin-annotation-set")  # type: ignore[attr-defined,index]
    assert "findings of its objects at" in message and "passwd" not in message


def test_unforged_origins_still_point_at_their_files(tmp_path: Path) -> None:
    """An overlay's base elsewhere in the same repository is inside the linted roots: its lines are shown."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "pod.yaml").write_text((HOSTILE / "origin-annotation" / "pod.yaml").read_text())
    (tmp_path / "base" / "kustomization.yaml").write_text("resources:\n- pod.yaml\n")
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "kustomization.yaml").write_text("resources:\n- ../base\nnamePrefix: prod-\n")
    _, _, report = _lint(str(tmp_path / "prod"))
    assert ("pod.yaml", "latest-image-tag", 8) in _places(report)


def _copy(name: str, tmp_path: Path) -> Path:
    """A reproducer folder copied into a repository of its own (symlinks kept as symlinks)."""
    import shutil

    (tmp_path / ".git").mkdir()
    return Path(shutil.copytree(HOSTILE / name, tmp_path / name, symlinks=True))


def test_symlinks_out_of_the_tree_are_findings_and_never_read(tmp_path: Path) -> None:
    """Before: the symlinked manifest was read and its first line printed (a folder symlink was walked)."""
    folder = _copy("symlink-out", tmp_path)
    (folder / "etc").symlink_to("/etc")  # made here: a committed link to a folder would lead tools walking the repo
    code, text, report = _lint(str(folder))
    assert code == 1 and PASSWD_LINE not in text
    assert _places(report) == {("passwd.yaml", "unreadable-file", 1), ("etc", "unreadable-file", 1)}
    assert "leads outside the linted tree" in text


def test_a_staged_symlink_is_not_read_in_a_hook_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit passes the files of the repository: a committed symlink to a secret is not followed."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "evil.yaml").symlink_to("/etc/passwd")
    subprocess.run(["git", "-C", str(tmp_path), "add", "evil.yaml"], check=True)
    monkeypatch.chdir(tmp_path)
    code, text, report = _lint("--hook", "evil.yaml")
    assert code == 1 and PASSWD_LINE not in text and _places(report) == {("evil.yaml", "unreadable-file", 1)}


def test_a_kustomization_file_symlinked_out_is_not_read() -> None:
    """Before: the render failed and kubelint printed the first line of the file (/etc/passwd)."""
    code, text, report = _lint(str(HOSTILE / "kustomization-symlink"))
    assert code == 1 and PASSWD_LINE not in text
    assert _places(report) == {("kustomization.yaml", "unreadable-file", 1)}


def test_a_reference_out_of_the_tree_is_not_rendered() -> None:
    """Before: kustomize was asked to read /etc, and after its failure kubelint read every file there."""
    code, text, report = _lint(str(HOSTILE / "resources-absolute"))
    assert code == 1 and _places(report) == {("kustomization.yaml", "render-failed", 3)}
    assert "'/etc' leads outside the linted tree" in text


def test_a_remote_base_is_not_fetched_without_opting_in() -> None:
    code, text, report = _lint(str(HOSTILE / "remote-base"))
    assert code == 1 and _places(report) == {("kustomization.yaml", "render-failed", 3)}
    assert "is a remote base" in text and "--allow-remote-bases" in text


def test_an_offline_render_cannot_reach_the_network(tmp_path: Path) -> None:
    """A fetch the remote check misses still fails at once: the render runs behind a dead proxy, git local only."""
    from kubelint.sources.render import OFFLINE

    script = tmp_path / "probe"
    script.write_text("#!/bin/sh\necho \"$HTTPS_PROXY $GIT_ALLOW_PROTOCOL $GIT_TERMINAL_PROMPT\"\n")
    script.chmod(0o755)
    done = subprocess.run([str(script)], env={**os.environ, **OFFLINE}, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["http://127.0.0.1:9", "file", "0"]


def test_the_boundary(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (repo / "app" / "out").symlink_to(tmp_path / "elsewhere")
    inside = Boundary.around([str(repo / "app")])
    assert inside.roots == (str(repo.resolve()),)
    assert inside.contains(str(repo / "base" / "x.yaml")) and not inside.contains(str(repo / "app" / "out" / "x"))
    assert not inside.contains(str(repo / ".." / "elsewhere"))
    named = Boundary.around([str(repo / "app" / "out")])  # a symlinked folder named on purpose: its target too
    assert named.contains(str(tmp_path / "elsewhere" / "x.yaml"))
    loose = Boundary.around([str(tmp_path / "elsewhere")], cwd="/")  # no repository, run from /: the path itself
    assert loose.roots == (str((tmp_path / "elsewhere").resolve()),)
    home = os.path.expanduser("~")
    assert Boundary.around([str(tmp_path / "elsewhere")], cwd=home).roots == loose.roots  # nor the home folder
    project = Boundary.around([str(tmp_path / "elsewhere")], cwd=str(tmp_path))  # a project copied without .git
    assert project.roots == (str(tmp_path.resolve()),)


def test_config_paths_outside_the_repository_are_allowed_and_said_with_v(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "shared" / "deploy.yaml").write_text((HOSTILE / "origin-annotation" / "pod.yaml").read_text())
    (repo / ".kubelint.yaml").write_text("context: [../shared, inside]\nrule-dirs: [../rules]\n")
    (repo / "inside").mkdir()
    (repo / "svc.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    monkeypatch.chdir(repo)
    quiet = CliRunner().invoke(cli, ["lint", "--no-cache", "svc.yaml"])
    loud = CliRunner().invoke(cli, ["lint", "--no-cache", "-v", "svc.yaml"])
    assert quiet.exit_code == loud.exit_code == 0 and "outside the repository" not in quiet.output
    notes = [line for line in loud.output.splitlines() if "outside the repository" in line]
    assert [note.split(" entry ")[0] for note in notes] == ["kubelint: .kubelint.yaml: context",
                                                           "kubelint: .kubelint.yaml: rule-dirs"]
    assert "../shared" in notes[0] and "../rules" in notes[1]


def test_a_rule_file_or_config_file_symlinked_out_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A validation error would echo what the file holds (a kubeconfig's keys and values)."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: SECRET-TOKEN\nclusters: [x]\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "rules").mkdir()
    (repo / "rules" / "mine.yaml").symlink_to(secret)
    (repo / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--rules", "rules", "cm.yaml"])
    assert result.exit_code == 2 and "SECRET" not in result.output and "leads outside" in result.output
    (repo / ".kubelint.yaml").symlink_to(secret)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "cm.yaml"])
    assert result.exit_code == 2 and "SECRET" not in result.output and "leads outside" in result.output
    named = CliRunner().invoke(cli, ["lint", "--no-cache", "--config", str(secret), "cm.yaml"])
    assert named.exit_code == 2 and "unknown key" in named.output  # named on purpose: read (and refused as config)


def test_a_symlinked_folder_out_of_a_kustomize_folder_is_not_searched(tmp_path: Path) -> None:
    """Before: the search for files no kustomization names walked ``root -> /``: the whole file system."""
    folder = _copy("kustomize-folder-symlink-out", tmp_path)
    (folder / "root").symlink_to("/")
    code, _, report = _lint(str(folder))
    assert code == 1 and ("root", "unreadable-file", 1) in _places(report)
    assert {f["file"].rsplit("/", 1)[-1] for f in report["findings"]} == {"root", "pod.yaml"}  # type: ignore[attr-defined,index]


def test_redirect_finds_only_links_of_the_tree_that_lead_out(tmp_path: Path) -> None:
    """A baseline or report path is refused only for a symlink the linted tree holds that leads out of it; links
    above the tree (the machine's layout) or within it are followed."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / ".git").mkdir(parents=True)
    (repo / "inner").mkdir()
    elsewhere.mkdir()
    (repo / "out").symlink_to(elsewhere)
    (repo / "in").symlink_to(repo / "inner")
    (repo / "file.json").symlink_to(elsewhere / "base.json")
    (tmp_path / "via").symlink_to(repo)  # a link above the tree: the user's own layout
    boundary = Boundary.around([str(repo)])
    assert boundary.redirect(str(repo / "out" / "x.json")) == str(repo / "out")
    assert boundary.redirect(str(repo / "file.json")) == str(repo / "file.json")
    assert boundary.redirect(str(repo / "in" / "x.json")) is None
    assert boundary.redirect(str(tmp_path / "via" / "inner" / "x.json")) is None
    assert boundary.redirect(str(tmp_path / "via" / "out" / "x.json")) == str(repo.resolve() / "out")
    assert boundary.redirect(str(elsewhere / "x.json")) is None  # named elsewhere on purpose
