"""Committed ``helm template`` output (issue 13.9) and what a ``# Source:`` comment may do (issue 15.3, 15.4):
findings keep the file's own path and line, a file never leaves the focus because of its name, and no
``# Source:`` value puts a path outside the linted tree into any output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from kubelint.cli import cli
from kubelint.sources.helm import helm_templates, safe_template_name, template_at

PRIVILEGED_POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n"
                  "    image: c:1\n    securityContext:\n      privileged: true\n")


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout


def sarif_uris(text: str) -> list[str]:
    log = json.loads(text)
    uris = []
    for result in log["runs"][0]["results"]:
        for location in [*result["locations"], *result.get("relatedLocations", [])]:
            uris.append(location["physicalLocation"]["artifactLocation"]["uri"])
    return uris


def test_a_file_that_looks_like_helm_output_stays_in_the_hooks_focus(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 15.3: a first line `# Source: x/y.yaml` renamed the file, so the hook reported 0 files and passed
    monkeypatch.chdir(tmp_path)
    for command in (["init", "-q"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "dev"],
                    ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *command], check=True, capture_output=True)
    (tmp_path / "pod.yaml").write_text("# Source: x/y.yaml\n" + PRIVILEGED_POD)
    subprocess.run(["git", "add", "pod.yaml"], check=True, capture_output=True)
    code, out = invoke("lint", "--hook", "--format", "json", "--", "pod.yaml")
    report = json.loads(out)
    assert code == 1 and report["summary"]["files"] == 1, out
    assert ("privileged-container", "pod.yaml", 11) in {(f["rule"], f["file"], f["line"]) for f in report["findings"]}
    assert all(f["file"] == "pod.yaml" for f in report["findings"])


def test_what_a_focus_kustomize_root_renders_stays_in_the_report(tmp_path: Path) -> None:
    # the same class: rendered objects are named after their origin files, which are not the files discovered
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources: [pod.yaml]\n")
    (app / "pod.yaml").write_text(PRIVILEGED_POD)
    (app / "example.yaml").write_text(PRIVILEGED_POD.replace("name: p", "name: q"))  # left out of the render
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    code, out = invoke("lint", "--format", "json", str(app), "--context", str(tmp_path / "other"))
    found = {(os.path.basename(f["file"]), f["rule"]) for f in json.loads(out)["findings"]}
    assert code == 1
    assert {("pod.yaml", "privileged-container"), ("example.yaml", "privileged-container")} <= found


def test_a_helm_stream_on_stdin_stays_in_the_report_with_context(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    code, out = invoke("lint", "--format", "json", "-", "--context", str(tmp_path),
                       stdin="---\n# Source: chart/templates/pod.yaml\n" + PRIVILEGED_POD)
    assert code == 1
    assert ("chart/templates/pod.yaml", "privileged-container") in {
        (f["file"], f["rule"]) for f in json.loads(out)["findings"]}


HOSTILE_SOURCES = ["../../../etc/passwd", "/etc/passwd", "chart/../../../../etc/passwd", "chart/./x.yaml",
                   "C:/Windows/win.ini", "~root/.ssh/x", "chart//x.yaml", "chart/templates/\u202ex.yaml",
                   "a" * 2000 + "/x.yaml"]


@pytest.mark.parametrize("name", HOSTILE_SOURCES)
def test_no_source_comment_names_a_file_outside_the_tree_on_stdin(name: str) -> None:
    # issue 15.4: `# Source: ../../../etc/passwd` put file:///etc/passwd into SARIF
    stream = f"---\n# Source: {name}\n" + PRIVILEGED_POD
    code, out = invoke("lint", "--format", "sarif", "-", stdin=stream)
    assert code == 1
    uris = sarif_uris(out)
    assert uris and set(uris) == {"stdin"}, uris
    code, out = invoke("lint", "--format", "json", "-", stdin=stream)
    assert {f["file"] for f in json.loads(out)["findings"]} == {"-"}


@pytest.mark.parametrize("name", HOSTILE_SOURCES)
def test_no_source_comment_names_a_file_outside_the_tree_on_disk(tmp_path: Path, name: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("out.yaml").write_text(f"---\n# Source: {name}\n" + PRIVILEGED_POD)
    code, out = invoke("lint", "--format", "sarif", "out.yaml")
    assert code == 1 and set(sarif_uris(out)) == {"out.yaml"}
    code, out = invoke("lint", "--format", "json", "out.yaml")
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert messages and not any("helm template" in message or "passwd" in message for message in messages)


def test_committed_helm_output_points_sarif_and_baselines_at_files_that_exist(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 13.9: acm-samples commits one file per template under manifests/<chart>/templates/
    monkeypatch.chdir(tmp_path)
    rendered = Path("manifests/cert-manager/templates")
    rendered.mkdir(parents=True)
    (rendered / "pod.yaml").write_text("# Copyright\n---\n# Source: cert-manager/templates/pod.yaml\n" + PRIVILEGED_POD)
    code, out = invoke("lint", "--format", "sarif", "manifests")
    assert code == 1
    log = json.loads(out)
    results = log["runs"][0]["results"]
    assert results and all(Path(unquote(uri)).is_file() for uri in sarif_uris(out))
    privileged = next(r for r in results if r["ruleId"] == "privileged-container")
    assert privileged["locations"][0]["physicalLocation"]["region"]["startLine"] == 13
    assert privileged["message"]["text"].endswith("(helm template cert-manager/templates/pod.yaml)")
    related = privileged["relatedLocations"][-1]
    assert related["physicalLocation"]["region"]["startLine"] == 3
    assert related["message"]["text"] == "rendered from the helm template cert-manager/templates/pod.yaml"
    invoke("lint", "manifests", "--write-baseline", "baseline.json")
    entries = json.loads(Path("baseline.json").read_text())["findings"]
    assert entries and all(Path(entry["file"]).is_file() for entry in entries)


@pytest.mark.parametrize("name, safe", [
    ("chart/templates/x.yaml", True), ("opentelemetry-demo/charts/grafana/templates/deployment.yaml", True),
    ("chart/templates/my file.yaml", True), ("../x", False), ("/x/y", False), ("x/../y", False), ("x/./y", False),
    ("x//y", False), ("x/y\\z", False), ("c:/x", False), ("x/\x1b[31my", False), ("x/ y", False), ("", False),
])
def test_safe_template_names(name: str, safe: bool) -> None:
    assert (safe_template_name(name) == name) is safe


def test_each_document_knows_its_template() -> None:
    text = ("# header\n---\n# Source: c/templates/a.yaml\nkind: A\n---\nkind: Plain\n---\n"
            "# Source: c/templates/b.yaml\nkind: B\n---\n# Source: ../evil\nkind: C\n")
    templates = helm_templates(text)
    named = {line: getattr(template_at(templates, line), "name", None) for line in range(1, 13)}
    assert named == {1: None, 2: "c/templates/a.yaml", 3: "c/templates/a.yaml", 4: "c/templates/a.yaml", 5: None,
                     6: None, 7: "c/templates/b.yaml", 8: "c/templates/b.yaml", 9: "c/templates/b.yaml", 10: None,
                     11: None, 12: None}
    assert [(t.first_line, t.comment_line) for t in templates if t.comment_line] == [(2, 3), (7, 8), (10, 11)]
