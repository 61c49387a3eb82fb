"""The ecosystem check itself (benchmarks/ecosystem.py) on a tiny fake corpus: units, snapshot diff, update,
verdicts and --strict, so that the check can fail."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import ecosystem

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
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: {label}}
  ports:
    - port: 80
"""

UNITS = """\
shop:
  units:
    - name: app
      paths: [app]
      namespace: shop
    - each: extras/*.yaml
      context: [app/deployment.yaml]
  outside:
    - paths: [notes/*.yaml]
      why: not Kubernetes objects
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    corpora, data = tmp_path / "corpora", tmp_path / "data"
    app = corpora / "shop" / "app"
    app.mkdir(parents=True)
    (app / "deployment.yaml").write_text(DEPLOYMENT)
    (app / "service.yaml").write_text(SERVICE.replace("{label}", "web"))
    (corpora / "shop" / "extras").mkdir()
    (corpora / "shop" / "extras" / "service.yaml").write_text(
        SERVICE.replace("{label}", "web") + "      targetPort: metrics\n")
    (corpora / "shop" / "notes").mkdir()
    (corpora / "shop" / "notes" / "cassandra.yaml").write_text("cluster_name: x\n")
    data.mkdir()
    (data / "units.yaml").write_text(UNITS)
    return corpora, data


def _run(corpora: Path, data: Path, *extra: str) -> int:
    return ecosystem.main(["--corpora", str(corpora), "--data", str(data), *extra])


def _snapshot(data: Path) -> list[str]:
    return ecosystem.read_snapshot(data / "snapshot" / "shop.txt")


def test_update_then_clean_then_a_new_finding_fails(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    corpora, data = setup
    assert _run(corpora, data) == 1  # no snapshot yet: every finding is new
    assert _run(corpora, data, "--update") == 0
    lines = _snapshot(data)
    assert lines and all(len(line.split("\t")) == 6 for line in lines)
    units = {line.split("\t")[0] for line in lines}
    assert "app" in units
    assert _run(corpora, data) == 0
    capsys.readouterr()
    # a Service whose selector matches nothing: a new finding, shown with a +, fails until --update
    (corpora / "shop" / "app" / "service.yaml").write_text(SERVICE.replace("{label}", "nothing"))
    assert _run(corpora, data) == 1
    out = capsys.readouterr().out
    assert "  + app\torphan-service-selector\terror\tapp/service.yaml:" in out
    assert _run(corpora, data, "--update") == 0
    assert any("orphan-service-selector" in line for line in _snapshot(data))
    # and fixing it again loses a finding: a lost finding fails too, shown with a -
    (corpora / "shop" / "app" / "service.yaml").write_text(SERVICE.replace("{label}", "web"))
    capsys.readouterr()
    assert _run(corpora, data) == 1
    assert "  - app\torphan-service-selector" in capsys.readouterr().out


def test_context_is_seen_but_not_reported(setup: tuple[Path, Path]) -> None:
    corpora, data = setup
    assert _run(corpora, data, "--update") == 0
    extras = [line for line in _snapshot(data) if line.startswith("extras/service.yaml\t")]
    # the Service in extras/ selects the Deployment given as context, whose pods have no port named metrics
    # (alone, the Service selects no pods the tree shows and kubelint says nothing); the Deployment's own
    # findings are reported by the app unit only
    assert any("\tservice-target-port-mismatch\t" in line for line in extras), extras
    assert not any("app/deployment.yaml" in line for line in extras)


def test_verdicts_and_strict(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    corpora, data = setup
    assert _run(corpora, data, "--update") == 0
    assert _run(corpora, data, "--strict") == 1  # nothing judged yet
    assert "without a verdict" in capsys.readouterr().out
    verdicts = data / "verdicts"
    verdicts.mkdir()
    (verdicts / "shop.txt").write_text(
        "# judged by hand\n"
        "false | missing-liveness-probe | app/deployment.yaml:13 | Deployment shop/web | a made-up reason\n"
        "acceptable | * | * | * | everything else is hardening advice\n")
    assert _run(corpora, data, "--strict") == 1
    out = capsys.readouterr().out
    assert "1 finding(s) judged false" in out
    (verdicts / "shop.txt").write_text("acceptable | * | app/* | * | hardening advice\n"
                                       "true | * | extras/*.yaml | * | the extras are judged too\n")
    assert _run(corpora, data, "--strict", "--list", "acceptable") == 0
    out = capsys.readouterr().out
    assert "# hardening advice" in out
    assert _run(corpora, data) == 0


def test_a_broken_verdict_line_is_a_usage_error(setup: tuple[Path, Path]) -> None:
    corpora, data = setup
    (data / "verdicts").mkdir()
    (data / "verdicts" / "shop.txt").write_text("maybe | rule | file | object | why\n")
    assert _run(corpora, data) == 2


def test_missing_corpora_is_an_error(tmp_path: Path, setup: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    _, data = setup
    monkeypatch.delenv("KUBELINT_CORPORA", raising=False)
    assert _run(tmp_path / "nowhere", data) == 2
    monkeypatch.setenv("KUBELINT_CORPORA", str(tmp_path / "nowhere"))
    assert ecosystem.main(["--data", str(data)]) == 2


def test_a_file_in_no_unit_is_an_error(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    corpora, data = setup
    (corpora / "shop" / "stray.yaml").write_text(DEPLOYMENT)
    assert _run(corpora, data) == 2
    assert "shop/stray.yaml" in capsys.readouterr().err


def test_hierarchy_units(tmp_path: Path) -> None:
    repo = tmp_path / "corpus" / "repo"
    for folder in ("cluster", "namespaces/team", "namespaces/team/a", "namespaces/team/b"):
        (repo / folder).mkdir(parents=True)
    (repo / "cluster" / "role.yaml").write_text("kind: ClusterRole\n")
    (repo / "namespaces" / "quota.yaml").write_text("kind: ResourceQuota\n")
    (repo / "namespaces" / "team" / "rb.yaml").write_text("kind: RoleBinding\n")
    (repo / "namespaces" / "team" / "a" / "ns.yaml").write_text("kind: Namespace\n")
    (repo / "namespaces" / "team" / "b" / "ns.yaml").write_text("kind: Namespace\n")
    units = ecosystem._hierarchy(tmp_path / "corpus", "repo", "test")
    assert [(unit.name, unit.namespace, unit.paths) for unit in units] == [
        ("repo (cluster)", "default", ("repo/cluster/role.yaml",)),
        ("repo/namespaces/team/a", "a", ("repo/namespaces/quota.yaml", "repo/namespaces/team/rb.yaml",
                                         "repo/namespaces/team/a/ns.yaml")),
        ("repo/namespaces/team/b", "b", ("repo/namespaces/quota.yaml", "repo/namespaces/team/rb.yaml",
                                         "repo/namespaces/team/b/ns.yaml")),
    ]


def test_braces() -> None:
    assert ecosystem.braces("a/{b,c}/{d,e}.yaml") == ["a/b/d.yaml", "a/b/e.yaml", "a/c/d.yaml", "a/c/e.yaml"]
    assert ecosystem.braces("x{,-psa}.yaml") == ["x.yaml", "x-psa.yaml"]


def test_another_profile_is_measured_not_compared(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
                                                  ) -> None:
    corpora, data = setup
    assert _run(corpora, data, "--update") == 0
    before = _snapshot(data)
    capsys.readouterr()
    assert _run(corpora, data, "--profile", "strict") == 0  # more warnings, but no snapshot comparison
    assert _run(corpora, data, "--profile", "strict", "--update") == 0
    assert _snapshot(data) == before
    out = capsys.readouterr().out
    shop = next(line.split() for line in out.splitlines() if line.startswith("shop "))
    assert int(shop[4]) > 0  # warnings under strict (the baseline snapshot has none for this tree)
    assert not any("\twarning\t" in line for line in before)


def test_an_enabled_rule_is_measured_not_compared(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
                                                  ) -> None:
    corpora, data = setup
    (corpora / "shop" / "app" / "config.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: left-over, namespace: shop}\n")
    assert _run(corpora, data, "--update") == 0
    before = _snapshot(data)
    capsys.readouterr()
    assert _run(corpora, data, "--enable", "unused-object", "--update", "--list", "unjudged") == 0
    assert _snapshot(data) == before  # an off-by-default rule never enters the snapshot
    out = capsys.readouterr().out
    assert "\tunused-object\tinfo\tapp/config.yaml:3:" in out
    assert not any("unused-object" in line for line in before)
