"""Connections and the lines that decide them: port sets, `graph --why`, `graph --reach --diff REF` and the
`reach-opened-to-outside` gate with `--new-since` and `--hook` (on real git repositories)."""

from __future__ import annotations

import inspect
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from git_repo import commit, git, init_repo

from kubelint.analysis.netpol import OUTSIDE, PolicyPort, Port, Unseen, build_network
from kubelint.analysis.reach import PortSet, build_reach, decide, endpoint_key
from kubelint.cli import cli
from kubelint.loader import load_tree
from kubelint.options import Options

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    ports:
    - port: http
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports:
    - port: 5432
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
    ports:
    - port: pg
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: x, ports: [{name: pg, containerPort: 5432}]}]
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


def invoke(*args: str) -> Result:
    options: dict[str, Any] = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**options).invoke(cli, list(args), catch_exceptions=False)


# port sets ------------------------------------------------------------------------------------------


def test_port_sets_merge_subtract_and_describe() -> None:
    ports = PortSet.build([("TCP", 80, 80), ("TCP", 81, 90), ("UDP", 53, 53)], [("TCP", "http")])
    assert ports.ranges == (("TCP", 80, 90), ("UDP", 53, 53))
    assert ports.describe() == ["TCP/80-90", "UDP/53", "TCP/http"]
    rest = ports - PortSet.build([("TCP", 85, 85)])
    assert rest.ranges == (("TCP", 80, 84), ("TCP", 86, 90), ("UDP", 53, 53))
    assert not (PortSet.build([("TCP", 80, 80)]) - PortSet.everything())
    assert PortSet.everything().describe() == ["all"]
    assert (PortSet.everything() - PortSet.build([("UDP", 1, 65535), ("SCTP", 1, 65535)])).describe() == ["TCP/all"]
    assert PortSet.build([("TCP", 8000, 9000)]) & PortSet.build([("TCP", 8080, 8080)]) == \
        PortSet.build([("TCP", 8080, 8080)])


def test_a_named_port_resolves_on_the_destination(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP)
    network = build_network(load_tree([str(tmp_path)], Options()))
    db = next(group for group in network.workloads() if group.owner.name == "db")
    named = Port(False, (PolicyPort("TCP", "pg", None, ()),))
    assert PortSet.of(named, db).describe(db) == ["TCP/5432 (pg)"]
    assert PortSet.of(named, OUTSIDE).describe() == ["TCP/pg"]


# the reach analysis -------------------------------------------------------------------------------------


def test_pinned_namespaces_the_tree_does_not_know_are_their_own_endpoint(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP)
    reach = build_reach(load_tree([str(tmp_path)], Options()))
    pairs = {(endpoint_key(c.source), endpoint_key(c.destination)): c.ports.describe(c.destination) for c in reach}
    assert pairs == {
        ("namespace:ingress-nginx", "shop/Deployment/web"): ["TCP/8080 (http)"],
        ("shop/Deployment/web", "shop/Deployment/db"): ["TCP/5432 (pg)"],
    }


# --why ----------------------------------------------------------------------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


def test_why_allowed_names_each_side_and_its_lines(shop: Path) -> None:
    result = invoke("graph", str(shop), "--why", "shop/web", "Deployment/shop/db:5432")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "allowed: Deployment shop/web -> Deployment shop/db on TCP/5432"
    assert lines[1] == "1. egress from Deployment shop/web"
    deny, web_policy = line_of(SHOP, "podSelector: {}"), line_of(SHOP, "podSelector: {matchLabels: {app: web}}")
    assert lines[2] == (f"   isolated for egress by NetworkPolicy shop/default-deny ({shop}:{deny}), "
                        f"NetworkPolicy shop/web ({shop}:{web_policy})")
    assert lines[3].startswith("   admitted on TCP/5432 by NetworkPolicy shop/web spec.egress[0]: to pods app=db") \
        and lines[3].endswith(f"({shop}:{line_of(SHOP, '- to:')})")
    assert lines[4] == "2. ingress to Deployment shop/db"
    assert lines[6].endswith(f"({shop}:{line_of(SHOP, '- from:', 2)})") and "ports TCP/pg" in lines[6]


def test_why_denied_shows_the_nearest_rule(shop: Path) -> None:
    wrong_port = invoke("graph", str(shop), "--why", "shop/web", "shop/db:80").stdout
    assert wrong_port.startswith("denied: Deployment shop/web -> Deployment shop/db on TCP/80\n")
    assert "right peer, wrong port: it admits TCP/5432, not TCP/80" in wrong_port
    assert "right peer, wrong port: it admits TCP/pg (= 5432), not TCP/80" in wrong_port
    ports_line = line_of(SHOP, "ports:", 2)  # the web policy's egress ports
    assert f"({shop}:{ports_line})" in wrong_port

    wrong_peer = invoke("graph", str(shop), "--why", "outside", "shop/db:pg").stdout
    assert wrong_peer.splitlines()[:2] == ["denied: outside -> Deployment shop/db on TCP/pg",
                                          "1. egress from outside: no policy of the tree governs what it sends"]
    assert "right port, wrong peer: pods app=web selects pods of namespace shop only" in wrong_peer
    assert f"({shop}:{line_of(SHOP, '- podSelector: {matchLabels: {app: web}}')})" in wrong_peer

    other_namespace = invoke("graph", str(shop), "--why", "shop/db", "shop/web:http").stdout
    assert "no rule admits to Deployment shop/web on TCP/http: denied" in other_namespace
    assert "(the isolating policies have no egress rules at all)" in other_namespace
    assert "namespaceSelector kubernetes.io/metadata.name=ingress-nginx does not match namespace shop" \
        in other_namespace


def test_why_from_a_namespace_the_tree_does_not_show(shop: Path) -> None:
    result = invoke("graph", str(shop), "--why", "Namespace/ingress-nginx", "shop/web:8080", "--format", "json")
    [answer] = json.loads(result.stdout)
    assert answer["allowed"] is True and answer["source"] == "namespace ingress-nginx"
    assert answer["egress"] is None
    assert answer["ingress"]["admitted_by"][0]["rule"] == "spec.ingress[0]"
    assert answer["ingress"]["admitted_by"][0]["line"] == line_of(SHOP, "- from:")


@pytest.mark.parametrize(("source", "destination", "message"), [
    ("shop/wbe", "shop/db", "did you mean shop/web"),
    ("shop/web", "shop/db:99999", "a port number is 1 to 65535"),
    ("outside", "Namespace/ingress-nginx", "name a workload of the tree"),
    ("Namespace/shop", "shop/db", "the tree has workloads in namespace shop"),
])
def test_why_names_that_resolve_to_nothing_are_usage_errors(shop: Path, source: str, destination: str,
                                                            message: str) -> None:
    result = invoke("graph", str(shop), "--why", source, destination)
    assert result.exit_code == 2 and message in result.stderr


def test_why_from_outside_names_the_namespace_a_near_miss_pins(shop: Path) -> None:
    """The nearest rule admits namespace ingress-nginx by name; the reason said it "selects pods of namespaces the
    tree shows", which ingress-nginx is not."""
    text = invoke("graph", str(shop), "--why", "outside", "shop/web:http").stdout
    assert ("selects pods of namespace ingress-nginx only, not everything outside the tree "
            "(name it as Namespace/ingress-nginx)") in text
    assert invoke("graph", str(shop), "--why", "Namespace/ingress-nginx", "shop/web:http").stdout.startswith("allowed")


def test_why_markdown_is_a_heading_and_nested_lists_with_names_escaped(shop: Path) -> None:
    text = invoke("graph", str(shop), "--why", "shop/web", "shop/db:5432", "--format", "markdown").stdout
    lines = text.splitlines()
    assert lines[0] == "#### allowed: Deployment shop/web \u2192 Deployment shop/db on TCP/5432"
    assert lines[1] == "" and lines[2] == "1. **egress from Deployment shop/web**"
    assert "2. **ingress to Deployment shop/db**" in lines
    assert all(line.startswith(("   - ", "     - ", "1. ", "2. ", "#### ", "*note")) or not line for line in lines)
    assert any(line.startswith("   - admitted on TCP/5432 by NetworkPolicy shop/web spec.egress&#91;0&#93;")
               for line in lines)
    hostile = invoke("graph", str(shop), "--why", "Namespace/x*_<i>@team", "shop/web:8080", "--format",
                     "markdown").stdout
    assert "namespace x&#42;&#95;&#60;i&#62;&#64;team" in hostile and "<i>" not in hostile and "@team" not in hostile


def test_decide_without_a_port_gives_the_ports(shop: Path) -> None:
    network = build_network(load_tree([str(shop)], Options()))
    web, db = (next(g for g in network.workloads() if g.owner.name == name) for name in ("web", "db"))
    decision = decide(network, web, db)
    assert decision.allowed and decision.ports.describe(db) == ["TCP/5432 (pg)"]
    assert not decide(network, db, web).allowed
    assert decide(network, Unseen("ingress-nginx", False), web).allowed


# --diff -----------------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    commit(root, {"k8s/shop.yaml": SHOP}, "init")
    monkeypatch.chdir(root)
    return root


OPEN_DB = SHOP.replace("""    ports:
    - port: pg
""", """    ports:
    - port: pg
  - ports:
    - port: pg
""")


def test_diff_lists_opened_connections_with_the_rule_responsible(repo: Path) -> None:
    (repo / "k8s" / "shop.yaml").write_text(OPEN_DB)
    result = invoke("graph", "k8s", "--reach", "--diff", "HEAD")
    assert result.exit_code == 0, result.stderr
    rule_line = line_of(OPEN_DB, "  - ports:")
    assert result.stdout.splitlines() == [
        "NetworkPolicy reach since HEAD: 2 opened, 0 closed",
        "",
        "opened:",
        "  + namespace ingress-nginx -> Deployment shop/db  TCP/5432 (pg)",
        "  + outside -> Deployment shop/db  TCP/5432 (pg)  [reach-opened-to-outside]",
        f"      NetworkPolicy shop/db spec.ingress[1]: from anywhere, ports TCP/pg (k8s/shop.yaml:{rule_line})",
    ]
    document = json.loads(invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "json").stdout)
    assert document["closed"] == [] and len(document["opened"]) == 2
    outside = document["opened"][1]
    assert outside["source"] == {"id": "outside", "kind": "outside", "label": "outside"}
    assert outside["findings"] == ["reach-opened-to-outside"]
    assert outside["because"][0] | {"text": None} == {"text": None, "policy": "shop/NetworkPolicy/db",
                                                       "rule": "spec.ingress[1]", "file": "k8s/shop.yaml",
                                                       "line": rule_line}


def test_diff_lists_closed_connections_and_what_denies_them_now(repo: Path) -> None:
    closed = SHOP.replace("    - port: 5432\n", "    - port: 5433\n")
    (repo / "k8s" / "shop.yaml").write_text(closed)
    document = json.loads(invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "json").stdout)
    assert document["opened"] == []
    [change] = document["closed"]
    assert (change["source"]["id"], change["destination"]["id"], change["ports"]) == (
        "shop/Deployment/web", "shop/Deployment/db", ["TCP/5432 (pg)"])
    texts = [reason["text"] for reason in change["because"]]
    assert texts[0].startswith("egress from Deployment shop/web is isolated by NetworkPolicy shop/default-deny")
    assert texts[1].startswith("was: NetworkPolicy shop/web spec.egress[0]")


def test_diff_markdown_is_short_grouped_and_escaped(repo: Path) -> None:
    (repo / "k8s" / "shop.yaml").write_text(SHOP.replace("name: ingress-nginx", "name: ingress|nginx_<b>"))
    git(repo, "commit", "-qam", "a namespace name no cluster accepts, in a tree kubelint must not trust")
    (repo / "k8s" / "shop.yaml").write_text(OPEN_DB.replace("name: ingress-nginx", "name: ingress|nginx_<b>"))
    text = invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "markdown").stdout
    assert text.startswith("### NetworkPolicy reach: 2 connections opened, 0 closed since `HEAD`\n")
    assert "> **Warning** (reach-opened-to-outside): everything outside the tree may now connect to " \
           "**Deployment shop/db**" in text
    rows = [line for line in text.splitlines() if line.startswith("| opened")]
    assert len(rows) == 3  # one grouped row, two in the full list
    assert "namespace ingress&#124;nginx&#95;&#60;b&#62;, outside" in rows[0]
    assert "<details><summary>All 2 changes</summary>" in text and text.rstrip().endswith("</details>")
    assert "<b>" not in text


def test_a_namespace_no_policy_names_any_more_is_part_of_outside(repo: Path) -> None:
    """Dropping the peer that named ingress-nginx listed "namespace ingress-nginx -> web" as closed ("namespace
    ingress-nginx is gone"), yet its pods may still connect: they are outside, and outside now may."""
    opened = SHOP.replace("""  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
    ports:
""", """  - ports:
""")
    assert opened != SHOP
    (repo / "k8s" / "shop.yaml").write_text(opened)
    document = json.loads(invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "json").stdout)
    assert document["closed"] == []
    assert [(change["source"]["id"], change["destination"]["id"]) for change in document["opened"]] == [
        ("outside", "shop/Deployment/web")]
    # and back: pinning the namespace again closes nothing for it (outside could reach web, so could it)
    git(repo, "commit", "-qam", "open web")
    (repo / "k8s" / "shop.yaml").write_text(SHOP)
    document = json.loads(invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "json").stdout)
    assert document["opened"] == []
    assert [(change["source"]["id"], change["destination"]["id"]) for change in document["closed"]] == [
        ("outside", "shop/Deployment/web")]


def test_diff_with_a_bad_revision_is_a_usage_error(repo: Path) -> None:
    result = invoke("graph", "k8s", "--reach", "--diff", "no-such-ref")
    assert result.exit_code == 2


def test_diff_of_an_unchanged_tree_is_empty(repo: Path) -> None:
    text = invoke("graph", "k8s", "--reach", "--diff", "HEAD", "--format", "markdown").stdout
    assert "No connection is opened or closed." in text


# reach-opened-to-outside ------------------------------------------------------------------------------


def _findings(result: Result) -> list[tuple[str, str]]:
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return [(f["rule"], f["object"]["name"]) for f in json.loads(result.stdout)["findings"]]


def test_the_gate_reports_what_a_change_opened(repo: Path) -> None:
    args = ("lint", "k8s", "--format", "json", "--disable", "all", "--enable", "reach-opened-to-outside")
    assert _findings(invoke(*args)) == []  # no earlier tree to compare with: silent
    (repo / "k8s" / "shop.yaml").write_text(OPEN_DB)
    assert _findings(invoke(*args, "--new-since", "HEAD")) == [("reach-opened-to-outside", "db")]
    git(repo, "commit", "-qam", "open the db")
    assert _findings(invoke(*args, "--new-since", "HEAD")) == []  # already open at HEAD
    assert _findings(invoke(*args, "--new-since", "HEAD~1")) == [("reach-opened-to-outside", "db")]


def test_the_gate_runs_in_the_hook(repo: Path) -> None:
    (repo / "k8s" / "shop.yaml").write_text(OPEN_DB)
    git(repo, "add", "-A")
    result = invoke("lint", "--hook", "--format", "json", "--disable", "all", "--enable", "reach-opened-to-outside")
    assert _findings(result) == [("reach-opened-to-outside", "db")]


def test_an_unseen_namespace_is_selected_by_an_open_selector(tmp_path: Path) -> None:
    (tmp_path / "tree.yaml").write_text(textwrap.dedent("""\
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: db, namespace: shop}
        spec:
          podSelector: {}
          ingress:
          - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
          - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db, namespace: shop}
        spec: {containers: [{name: db, image: x}]}
        """))
    reach = build_reach(load_tree([str(tmp_path)], Options()))
    sources = {endpoint_key(c.source) for c in reach if endpoint_key(c.destination) == "shop/Pod/db"}
    # monitoring is pinned by name (its own endpoint); team=ops may match namespaces the tree does not know
    # (outside) and shop itself, whose labels the tree does not show (no Namespace object)
    assert sources == {"namespace:monitoring", "outside", "shop/Pod/db"}
