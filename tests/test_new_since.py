"""`--new-since REF` and the hook's staged-against-HEAD gate, on real git repositories (kubelint in process)."""

from __future__ import annotations

import inspect
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from git_repo import commit, git, init_repo, write

from kubelint.cli import cli

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
    app: web
  ports:
    - port: 80
      targetPort: http
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def app(repo: Path) -> None:
    """Two Deployments and a Service in three files, committed; the best-practice rules find plenty in them."""
    commit(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="http"),
                  "k8s/api.yaml": DEPLOYMENT.format(name="api", port="http"),
                  "k8s/service.yaml": SERVICE}, "init")


def run(*args: str) -> Result:
    options: dict[str, Any] = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**options).invoke(cli, ["lint", "--format", "json", *args], catch_exceptions=False)


def report(result: Result) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.output + result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def found(result: Result) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in report(result)["findings"]]


def test_a_port_renamed_in_a_staged_deployment_fails_at_the_unchanged_service(repo: Path) -> None:
    app(repo)
    clean = run("--hook")
    assert clean.exit_code == 0 and found(clean) == []
    existing = report(clean)["summary"]["existing"]
    assert existing > 10  # the best-practice findings of two Deployments were there already

    write(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="web-http")})
    git(repo, "add", "k8s/web.yaml")
    result = run("--hook")
    assert result.exit_code == 1
    assert found(result) == [("service-target-port-mismatch", "k8s/service.yaml", 10)]
    assert report(result)["summary"]["existing"] == existing
    text = run("--hook", "--format", "text")
    assert "k8s/service.yaml:10:19: error [service-target-port-mismatch]" in text.stdout
    assert f"{existing} findings already there at HEAD" in text.stdout


def test_git_rm_of_a_deployment_leaves_an_orphan_service(repo: Path) -> None:
    app(repo)
    git(repo, "rm", "-q", "k8s/web.yaml")
    result = run("--hook")
    assert result.exit_code == 1
    assert found(result) == [("orphan-service-selector", "k8s/service.yaml", 7)]  # at the label no pod has


def test_unstaged_changes_are_not_part_of_the_commit(repo: Path) -> None:
    app(repo)
    write(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="web-http"),  # not staged
                 "k8s/new.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"})  # untracked
    assert run("--hook").exit_code == 0
    git(repo, "add", "k8s/new.yaml")
    result = run("--hook")
    assert found(result) == [("yaml-duplicate-key", "k8s/new.yaml", 5)]


def test_a_commit_that_fixes_an_old_finding_passes(repo: Path) -> None:
    app(repo)
    commit(repo, {"k8s/service.yaml": SERVICE.replace("app: web", "app: wbe")}, "break the selector")
    broken = run("--hook")
    assert broken.exit_code == 0 and report(broken)["summary"]["existing"] > 0  # already broken at HEAD
    before = report(broken)["summary"]["existing"]
    write(repo, {"k8s/service.yaml": SERVICE})
    git(repo, "add", "-A")
    fixed = run("--hook")
    assert fixed.exit_code == 0 and found(fixed) == []
    assert report(fixed)["summary"]["existing"] == before - 1


def test_a_hundred_old_findings_and_no_new_one_pass(repo: Path) -> None:
    files = {f"k8s/map-{n:03}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m{n}\n  name: m{n}\n"
             for n in range(100)}
    commit(repo, files, "a hundred duplicate keys")
    write(repo, {"k8s/map-000.yaml": "# reformatted\n" + files["k8s/map-000.yaml"],  # moved lines: still old
                 "k8s/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"})
    git(repo, "add", "-A")
    result = run("--hook", "--disable", "all", "--enable", "yaml-duplicate-key")
    assert result.exit_code == 0, result.stdout
    assert found(result) == [] and report(result)["summary"]["existing"] == 100
    text = run("--hook", "--disable", "all", "--enable", "yaml-duplicate-key", "--format", "text")
    assert "100 findings already there at HEAD" in text.stdout


def test_renames_keep_old_findings_old(repo: Path) -> None:
    app(repo)
    commit(repo, {"k8s/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"})
    before = report(run("--hook"))["summary"]["existing"]
    git(repo, "mv", "k8s/broken.yaml", "k8s/renamed.yaml")  # a finding about the file, named by its path
    git(repo, "mv", "k8s/web.yaml", "k8s/web-deployment.yaml")  # findings about objects
    result = run("--hook")
    assert result.exit_code == 0, result.stdout
    assert found(result) == [] and report(result)["summary"]["existing"] == before


def test_old_single_object_findings_of_unchanged_files_stay_old_across_commits(repo: Path) -> None:
    app(repo)
    write(repo, {"k8s/api.yaml": DEPLOYMENT.format(name="api", port="http").replace("nginx:1.27", "nginx:latest")})
    git(repo, "add", "-A")
    first = run("--hook")
    assert found(first) == [("latest-image-tag", "k8s/api.yaml", 14)]
    git(repo, "commit", "-qm", "latest")  # the staged state, linted once, is now HEAD's
    write(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="http").replace("nginx:1.27", "nginx:latest")})
    git(repo, "add", "-A")
    second = run("--hook")
    assert found(second) == [("latest-image-tag", "k8s/web.yaml", 14)]
    assert report(second)["summary"]["existing"] == report(first)["summary"]["existing"] + 1
    plain = report(run("k8s"))["findings"]
    assert len(plain) == report(second)["summary"]["existing"] + 1  # every finding is either new or old


def test_a_changed_crd_is_checked_against_custom_resources_in_unchanged_files(repo: Path) -> None:
    crd = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
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
                size: {type: {kind}}
"""
    commit(repo, {"crd.yaml": crd.replace("{kind}", "string"),
                  "widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
                                 "spec:\n  size: big\n"})
    assert run("--hook").exit_code == 0
    write(repo, {"crd.yaml": crd.replace("{kind}", "integer")})
    git(repo, "add", "-A")
    result = run("--hook")
    assert result.exit_code == 1
    assert found(result) == [("schema-invalid", "widget.yaml", 6)]


KUSTOMIZE_BASE = {
    "base/web.yaml": DEPLOYMENT.format(name="web", port="http"),
    "base/service.yaml": SERVICE,
    "base/kustomization.yaml": "resources:\n- web.yaml\n- service.yaml\n",
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamespace: prod\n",
}

HOST_PID_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostPID: true
"""

PORT_PATCH = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
      targetPort: htttp
"""


@pytest.mark.parametrize(("patch", "expected"), [
    (HOST_PID_PATCH, ("host-pid", "base/web.yaml", 1)),
    (PORT_PATCH, ("service-target-port-mismatch", "base/service.yaml", 10)),
])
def test_a_staged_overlay_patch_is_linted_through_the_rendered_overlay(
        repo: Path, patch: str, expected: tuple[str, str, int]) -> None:
    commit(repo, KUSTOMIZE_BASE, "init")
    assert run("--hook").exit_code == 0
    write(repo, {"overlays/prod/patch.yaml": patch,
                 "overlays/prod/kustomization.yaml": KUSTOMIZE_BASE["overlays/prod/kustomization.yaml"]
                 + "patches:\n- path: patch.yaml\n"})
    git(repo, "add", "-A")
    result = run("--hook", "overlays/prod/patch.yaml")  # the names pre-commit passes are not linted on their own
    assert result.exit_code == 1
    assert found(result) == [expected]
    assert report(result)["findings"][0]["via"] == "overlays/prod"


def test_a_staged_base_file_is_linted_through_the_overlays_that_use_it(repo: Path) -> None:
    commit(repo, KUSTOMIZE_BASE, "init")
    write(repo, {"base/web.yaml": DEPLOYMENT.format(name="web", port="web-http")})
    git(repo, "add", "-A")
    result = run("--hook")
    assert found(result) == [("service-target-port-mismatch", "base/service.yaml", 10)]
    assert report(result)["findings"][0]["via"] == "overlays/prod"


def test_a_kustomize_generator_input_is_part_of_the_change(repo: Path) -> None:
    commit(repo, {"app/kustomization.yaml": "configMapGenerator:\n- name: settings\n  envs: [settings.env]\n"
                                            "resources: [pod.yaml]\n",
                  "app/settings.env": "MODE=fast\n",
                  "app/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                                  "    - name: c\n      image: nginx:1.27\n      envFrom:\n"
                                  "        - configMapRef: {name: settings}\n"})
    assert run("--hook").exit_code == 0
    write(repo, {"app/settings.env": "MODE=fast\nPASSWORD=hunter2\n"})
    git(repo, "add", "-A")
    result = run("--hook")
    assert result.exit_code == 0  # a changed env file is linted again (no rule has anything to say about it)
    assert report(result)["summary"]["existing"] == report(run("--hook"))["summary"]["existing"]


# --new-since in CI: the working tree against a revision


def test_new_since_reports_and_fails_only_on_new_findings_and_sarif_keeps_all(repo: Path) -> None:
    app(repo)
    git(repo, "checkout", "-qb", "feature")
    commit(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="web-http")}, "rename the port")
    result = run(".", "--new-since", "main")
    assert result.exit_code == 1
    assert found(result) == [("service-target-port-mismatch", "k8s/service.yaml", 10)]
    summary = report(result)["summary"]
    assert summary["new-since"] == "main" and summary["existing"] > 10
    sarif = json.loads(run(".", "--new-since", "main", "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert len(results) == summary["existing"] + 1
    states = {r["ruleId"]: r["baselineState"] for r in results if r["baselineState"] == "new"}
    assert states == {"service-target-port-mismatch": "new"}
    github = run(".", "--new-since", "main", "--format", "github")
    commands = [line for line in github.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and "service-target-port-mismatch" in commands[0]
    assert run(".", "--new-since", "HEAD").exit_code == 0


def test_new_since_from_the_configuration_file(repo: Path) -> None:
    app(repo)
    commit(repo, {".kubelint.yaml": "new-since: HEAD~1\n"})
    write(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="web-http")})
    result = run("k8s")
    assert found(result) == [("service-target-port-mismatch", "k8s/service.yaml", 10)]
    assert report(result)["summary"]["new-since"] == "HEAD~1"


def test_no_repository_or_an_unknown_revision_is_a_usage_error_naming_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.yaml").write_text(SERVICE)
    monkeypatch.chdir(tmp_path / "plain")
    for args in (["--hook"], [".", "--new-since", "main"]):
        result = run(*args)
        assert result.exit_code == 2
        assert "not in a git repository" in result.stderr and "--baseline" in result.stderr
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    unknown = run(".", "--new-since", "no-such-branch")
    assert unknown.exit_code == 2 and "unknown revision 'no-such-branch'" in unknown.stderr
    assert "git fetch" in unknown.stderr
    option = run(".", "--new-since", "--output=x")
    assert option.exit_code == 2 and "not a git revision" in option.stderr


def test_a_shallow_clone_without_the_revision_names_fetch_depth(repo: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app(repo)
    commit(repo, {"k8s/service.yaml": SERVICE.replace("port: 80", "port: 81")}, "second")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    monkeypatch.chdir(clone)
    result = run(".", "--new-since", "HEAD~1")
    assert result.exit_code == 2
    assert "shallow clone" in result.stderr and "fetch-depth: 0" in result.stderr


def test_the_first_commit_of_a_repository_compares_with_nothing(repo: Path) -> None:
    write(repo, {"k8s/service.yaml": SERVICE.replace("app: web", "")})
    git(repo, "add", "-A")
    result = run("--hook")
    assert report(result)["summary"]["existing"] == 0


def test_a_pre_commit_range_compares_two_revisions(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app(repo)
    commit(repo, {"k8s/web.yaml": DEPLOYMENT.format(name="web", port="web-http")}, "rename the port")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "HEAD~1")  # pre-commit run --from-ref HEAD~1 --to-ref HEAD
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    result = run("--hook")
    assert found(result) == [("service-target-port-mismatch", "k8s/service.yaml", 10)]
    assert report(result)["summary"]["new-since"] == "HEAD~1"


def test_a_merge_commit_fails_only_on_what_neither_parent_had(repo: Path) -> None:
    app(repo)
    git(repo, "checkout", "-qb", "feature")
    commit(repo, {"k8s/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"}, "feature work")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"k8s/service.yaml": SERVICE.replace("app: web", "app: wbe")}, "main breaks the selector")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "--no-commit", "-q", "main")  # the hook runs before the merge commit is made
    result = run("--hook")
    assert result.exit_code == 0 and found(result) == []  # main's orphan Service is not the merge's doing
    write(repo, {"k8s/api.yaml": DEPLOYMENT.format(name="api", port="http").replace("1.27", "latest")})  # this is
    git(repo, "add", "-A")
    assert found(run("--hook")) == [("latest-image-tag", "k8s/api.yaml", 14)]


def test_write_baseline_cannot_be_combined(repo: Path) -> None:
    app(repo)
    result = run(".", "--new-since", "HEAD", "--write-baseline", "b.json")
    assert result.exit_code == 2 and "--write-baseline" in result.stderr


def test_hook_options_after_the_end_of_options_are_file_names(repo: Path) -> None:
    app(repo)
    result = run("--hook", "--", "--fail-on", "error")
    assert result.exit_code == 2 and ".kubelint.yaml" in result.stderr
    (repo / "--exclude=*.yaml").write_text(SERVICE)  # a file with that name is just a file
    assert run("--hook", "--", "--exclude=*.yaml").exit_code == 0


UNIT_REPOSITORY = {
    "apps/a/web.yaml": DEPLOYMENT.format(name="web", port="http"),
    "apps/a/service.yaml": SERVICE,
    "apps/b/api.yaml": DEPLOYMENT.format(name="api", port="http"),
    "apps/b/service.yaml": SERVICE.replace("web", "api"),
    "apps/web-too.yaml": SERVICE.replace("name: web", "name: web-too"),  # one folder above: sees apps/a
    "other/worker.yaml": DEPLOYMENT.format(name="worker", port="http"),
    **KUSTOMIZE_BASE,
    "base/web.yaml": DEPLOYMENT.format(name="web", port="www"),  # a finding in base/service.yaml via both overlays
    "overlays/dev/kustomization.yaml": "resources:\n- ../../base\nnamespace: dev\n",
}

UNIT_CHANGES: dict[str, dict[str, str | None]] = {
    "a port renamed below a Service one folder up": {"apps/a/web.yaml": DEPLOYMENT.format(name="web", port="www")},
    "a Deployment removed": {"apps/b/api.yaml": None},
    "a file added in a folder of its own": {"lonely/service.yaml": SERVICE},
    "a Service moved to another folder": {"apps/a/service.yaml": None, "apps/b/moved.yaml": SERVICE},
    "the file one folder up changed": {"apps/web-too.yaml": SERVICE.replace("app: web", "app: gone")},
    "a patch in one of two overlays of a base": {
        "overlays/prod/patch.yaml": HOST_PID_PATCH,
        "overlays/prod/kustomization.yaml": KUSTOMIZE_BASE["overlays/prod/kustomization.yaml"]
        + "patches:\n- path: patch.yaml\n"},
    "the base of two overlays changed": {"base/web.yaml": DEPLOYMENT.format(name="web", port="http")},
    "a plain file added beside one of two overlays": {
        "overlays/prod/extra.yaml": DEPLOYMENT.format(name="extra", port="x")},
}


@pytest.mark.parametrize("change", list(UNIT_CHANGES), ids=list(UNIT_CHANGES))
def test_the_staged_state_checked_unit_by_unit_has_the_findings_of_a_whole_lint(
        repo: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook checks again only the units a change can affect and takes the others' findings from HEAD: the
    result must be what linting the whole staged state finds."""
    from kubelint import newsince
    from kubelint.engine import Report
    from kubelint.model import units
    from kubelint.options import Options
    from kubelint.sources.git import repository
    from kubelint.sources.snapshot import Layout

    commit(repo, UNIT_REPOSITORY, "init")
    for name, text in UNIT_CHANGES[change].items():
        if text is None:
            git(repo, "rm", "-q", name)
        else:
            write(repo, {name: text})
    git(repo, "add", "-A")
    checked: list[tuple[int, int]] = []
    affected = units.units_a_change_affects

    def spy(tree: Any, what: units.Change) -> tuple[list[Any], frozenset[str]]:
        found = affected(tree, what)
        checked.append((len(found[0]), len(units.rule_units(tree))))
        return found

    monkeypatch.setattr(newsince, "units_a_change_affects", spy)
    git_repo = repository(".")
    staged, earlier = git_repo.index(), git_repo.tree("HEAD")
    options = Options(cache=False)
    base = newsince._state(earlier, ["."], options)
    current = newsince._staged_state(earlier, staged, git_repo.diff(earlier, staged), base, ["."], options,
                                     Layout(staged), {})
    whole, _ = newsince._lint_snapshot(staged, ["."], options)
    assert isinstance(current, Report)
    assert [f.location for f in current.findings] == [f.location for f in whole.findings]
    assert current.findings == whole.findings
    assert len(checked) == 1 and 0 < checked[0][0] < checked[0][1]  # some units were left out


def test_a_unit_sharing_a_file_with_a_unit_checked_again_is_checked_again(repo: Path) -> None:
    """Two overlays render one base: its findings merge both (``via``), so checking one overlay again (its
    folder was touched) checks the other too, and no file of theirs keeps findings from before."""
    import os

    from kubelint.loader import load_tree
    from kubelint.model.units import Change, units_a_change_affects
    from kubelint.options import Options

    write(repo, UNIT_REPOSITORY)
    tree = load_tree(["."], Options(cache=False))
    touched = Change(frozenset(), frozenset({os.path.abspath("overlays/prod")}))
    checked, unchanged = units_a_change_affects(tree, touched)
    assert sorted(unit.label for unit in checked) == ["kustomize:overlays/dev", "kustomize:overlays/prod"]
    assert not unchanged & {"base/web.yaml", "base/service.yaml"} and "apps/a/web.yaml" in unchanged
