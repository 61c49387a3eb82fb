"""The command line: output formats, exit codes, stdin, exclusions and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import __version__
from kubelint.cli import cli
from rule_selection import without_best_practice

DUPLICATE_ENV = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      env: []
      env: []
"""


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    if args and args[0] == "lint":
        args = ("lint", *without_best_practice(), *args[1:])
    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"kubelint {__version__}"


def test_text_output_has_location_source_line_caret_and_summary(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", DUPLICATE_ENV)
    code, out, _ = run("lint", path)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(f"{path}:10:7: warning [yaml-duplicate-key] duplicate key \"env\"")
    assert lines[1] == "        env: []"
    assert lines[2] == "        ^"
    assert lines[-1] == "1 file, 1 object: 0 errors, 1 warning, 0 info"


def test_json_contract(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", DUPLICATE_ENV + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
                 "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n")
    code, out, _ = run("lint", path, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["version"] == __version__
    assert report["summary"]["files"] == 1 and report["summary"]["objects"] == 3
    duplicate = next(f for f in report["findings"] if f["rule"] == "duplicate-object")
    assert duplicate == {
        "rule": "duplicate-object", "severity": "warning", "message": duplicate["message"], "file": path,
        "line": 20, "column": 9, "end_line": 20, "end_column": 12, "path": "metadata.name",
        "object": {"apiVersion": "v1", "kind": "Service", "namespace": "default", "name": "web"},
        "help_url": "https://github.com/kubelint/kubelint/blob/main/docs/rules/duplicate-object.md",
    }
    key = next(f for f in report["findings"] if f["rule"] == "yaml-duplicate-key")
    assert key["object"] is None and key["path"] is None and key["line"] == 10


def test_relative_paths_stay_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "k8s/pod.yaml", DUPLICATE_ENV)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run("lint", "k8s", "--format", "json")
    assert json.loads(out)["findings"][0]["file"] == os.path.join("k8s", "pod.yaml")


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_threshold(tmp_path: Path, fail_on: str, expected: int) -> None:
    path = write(tmp_path, "pod.yaml", DUPLICATE_ENV)
    assert run("lint", path, "--fail-on", fail_on)[0] == expected


def test_clean_tree_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    code, out, _ = run("lint", path)
    assert code == 0 and out == "1 file, 1 object: 0 errors, 0 warnings, 0 info\n"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("lint", str(tmp_path / "missing.yaml"))[0] == 2
    assert run("lint", "--no-such-option")[0] == 2
    assert run("lint", str(tmp_path), "--disable", "no-such-rule")[0] == 2


def test_stdin(tmp_path: Path) -> None:
    code, out, _ = run("lint", "-", "--format", "json", input=DUPLICATE_ENV)
    finding = json.loads(out)["findings"][0]
    assert code == 1 and finding["file"] == "-" and finding["line"] == 10


def test_every_other_file_is_still_linted(tmp_path: Path) -> None:
    write(tmp_path, "a-broken.yaml", "a: [\n")
    write(tmp_path, "b-binary.yaml", "\x00\x01")
    write(tmp_path, "c-pod.yaml", DUPLICATE_ENV)
    _, out, _ = run("lint", str(tmp_path), "--format", "json")
    rules = [(Path(f["file"]).name, f["rule"]) for f in json.loads(out)["findings"]]
    assert rules == [("a-broken.yaml", "yaml-syntax"), ("b-binary.yaml", "yaml-syntax"),
                     ("c-pod.yaml", "yaml-duplicate-key")]


def test_discovery_is_recursive_sorted_skips_hidden_and_excluded(tmp_path: Path) -> None:
    for name in ("b/x.yaml", "a/y.yml", "a/z.json", ".git/hidden.yaml", "a/.hidden/h.yaml", "vendor/v.yaml",
                 "notes.txt"):
        write(tmp_path, name, "a: [\n")
    _, out, _ = run("lint", str(tmp_path), "--exclude", "vendor", "--format", "json")
    files = [os.path.relpath(f["file"], tmp_path) for f in json.loads(out)["findings"]]
    assert files == ["a/y.yml", "a/z.json", "b/x.yaml"]


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path, "app/pod.yaml", DUPLICATE_ENV)
    (tmp_path / "app" / "loop").symlink_to(tmp_path / "app")
    _, out, _ = run("lint", str(tmp_path), "--format", "json")
    assert json.loads(out)["summary"]["files"] == 1


def test_control_characters_from_manifests_are_escaped(tmp_path: Path) -> None:
    path = write(tmp_path, "cm.yaml", 'data:\n  "k\\x1b[31m": 1\n  "k\\x1b[31m": 2\n')
    _, out, _ = run("lint", path, "--fail-on", "never")
    assert "\x1b" not in out
    assert 'duplicate key "k\\x1b[31m"' in out


def test_raw_control_characters_are_a_located_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cm.yaml", "data:\n  a: 1\n  b: 2  # \x1b]0;title\x07\n")
    _, out, _ = run("lint", path, "--fail-on", "never")
    assert "\x1b" not in out and "\x07" not in out
    assert f"{path}:3:11: error [yaml-syntax] control character U+001B is not allowed in YAML" in out
    assert "# \\x1b]0;title\\x07" in out


def test_verbose_lists_skipped_documents(tmp_path: Path) -> None:
    path = write(tmp_path, "Chart.yaml", "apiVersion: v2\nname: shop\nversion: 1.0.0\n")
    code, out, _ = run("lint", path, "-v")
    assert code == 0 and f"{path}:1: skipped" in out


def test_max_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", "a: " + "x" * (2 * 1024 * 1024) + "\n")
    _, out, _ = run("lint", path, "--max-file-size", "1", "--format", "json")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["file-too-large"]


def test_output_file(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", DUPLICATE_ENV)
    target = tmp_path / "report.json"
    code, out, _ = run("lint", path, "--format", "json", "--output", str(target))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["warning"] == 1


def test_internal_error_exits_3_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "pod.yaml", DUPLICATE_ENV)
    script = (
        "import sys, kubelint.model.objects as o\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "o.resources_of = boom\n"
        "import kubelint.loader as l; l.resources_of = boom\n"
        "from kubelint.cli import main\n"
        f"sys.argv = ['kubelint', 'lint', {path!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"kubelint: internal error while processing {path}: RuntimeError: boom"
    ]


def test_long_source_lines_are_shown_as_a_window_around_the_column(tmp_path: Path) -> None:
    line = '{"a":' * 3000 + "1" + "}" * 3000
    path = write(tmp_path, "deep.json", line + "\n")
    _, out, _ = run("lint", path, "--fail-on", "never")
    headline, excerpt, caret = out.splitlines()[:3]
    assert headline.startswith(f"{path}:1:2506: error [yaml-syntax] nesting deeper than 500 levels")
    assert len(excerpt) < 200 and excerpt.startswith("  ...") and excerpt.endswith("...")
    assert excerpt[caret.index("^"):].startswith(line[2505:2505 + 20])
