"""A run imports the analyses a tree needs: one Deployment does not load the Gateway API or Istio analyses, the
reach analysis, declared dependencies' verdicts or the baseline (with its hashing)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from kubelint.cli import cli

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: web
            image: web:1.0
            env: [{name: CART, value: "http://cart:7070"}]
    """)
NOT_NEEDED = ("kubelint.analysis.gateway", "kubelint.analysis.istio", "kubelint.analysis.reach",
              "kubelint.analysis.dependencies", "kubelint.baseline")


def _imported(path: Path, *args: str) -> list[str]:
    code = ("import sys; from kubelint.cli import cli; from click.testing import CliRunner; "
            f"result = CliRunner().invoke(cli, ['lint', {str(path)!r}, '--no-cache', *{list(args)!r}]); "
            "assert result.exit_code in (0, 1), result.output; "
            f"print(sorted(m for m in {NOT_NEEDED!r} if m in sys.modules))")
    return eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_a_deployment_alone_imports_no_analysis_it_does_not_need(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    assert _imported(tmp_path / "web.yaml") == []


def test_the_analyses_are_imported_when_the_tree_has_what_they_read(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(DEPLOYMENT + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: cart, namespace: shop}
        spec: {selector: {app: cart}, ports: [{port: 7070}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: all, namespace: shop}
        spec: {podSelector: {}, ingress: [{}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: shop}
        spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: web, port: 80}]}]}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: shop}
        spec: {hosts: [web], http: [{route: [{destination: {host: web}}]}]}
        """))
    written = CliRunner().invoke(cli, ["lint", str(tmp_path / "web.yaml"), "--no-cache", "--write-baseline",
                                       str(tmp_path / "baseline.json")])
    assert written.exit_code == 0, written.output
    assert _imported(tmp_path / "web.yaml", "--baseline", str(tmp_path / "baseline.json")) == \
        sorted(NOT_NEEDED)


def test_the_groups_named_in_the_checks_are_the_analyses() -> None:
    from kubelint.analysis.gateway import GATEWAY_GROUP
    from kubelint.analysis.istio import ISTIO_GROUP
    from kubelint.checks import gateway, istio

    assert (gateway.GATEWAY_GROUP, istio.ISTIO_GROUP) == (GATEWAY_GROUP, ISTIO_GROUP)


def _run_console(*args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """``kubelint ARGS`` through the console entry point, in a fresh interpreter; with what it imported and the
    collector's state when the command ran."""
    code = ("import gc, sys, json, kubelint.cli as cli\n"
            "seen = {}\n"
            "def record(done):\n"
            "    seen.update(modules=sorted(sys.modules), enabled=gc.isenabled())\n"
            "    print(json.dumps(seen), file=sys.stderr)\n"
            "    sys.stderr.flush()\n"
            "    raise done\n"
            "cli._exit_now = record\n"
            f"sys.argv = ['kubelint', *{list(args)!r}]\n"
            "from kubelint.console import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def test_the_version_loads_no_linting_code() -> None:
    done, seen = _run_console("--version")
    assert done.returncode == 0 and done.stdout.startswith("kubelint ")
    modules = seen["modules"]
    assert isinstance(modules, list)
    assert not [name for name in ("kubelint.engine", "kubelint.report", "kubelint.catalog", "kubelint.loader")
                if name in modules]


def test_the_command_line_runs_with_the_collector_on(tmp_path: Path) -> None:
    """The console entry point pauses it only while the command line's modules load."""
    (tmp_path / "web.yaml").write_text(DEPLOYMENT)
    done, seen = _run_console("lint", str(tmp_path / "web.yaml"), "--no-cache", "--format", "json")
    assert done.returncode in (0, 1) and json.loads(done.stdout)["findings"]
    assert seen["enabled"] is True
