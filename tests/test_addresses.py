"""Service addresses in configuration: Kubernetes' $(VAR) expansion, what counts as an address, where it is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kubelint.analysis.addresses import ADDRESS, build_addresses, build_own_addresses, expand
from kubelint.loader import load_tree
from kubelint.options import Options

VARIABLES = {"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": ""}


# Kubernetes' own cases (third_party/forked/golang/expansion/expand_test.go, TestMapReference/TestMapping)
@pytest.mark.parametrize(("value", "expected"), [
    ("$(VAR_A)", "A"),
    ("___$(VAR_B)___", "___B___"),
    ("$(VAR_A)-$(VAR_A)", "A-A"),
    ("$(VAR_A)-1", "A-1"),
    ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
    ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
    ("$$(VAR_B)", "$(VAR_B)"),
    ("$$$(VAR_B)", "$B"),
    ("$(VAR_REF)", "$(VAR_A)"),
    ("foo$(VAR_EMPTY)bar", "foobar"),
    ("$(VAR_DNE)", "$(VAR_DNE)"),
    ("$(VAR_A", "$(VAR_A"),
    ("$VAR_A", "$VAR_A"),
    ("$$", "$"),
    ("$", "$"),
    ("-$", "-$"),
    ("$(", "$("),
    ("$()", "$()"),
    ("", ""),
])
def test_expand_as_the_kubelet_does(value: str, expected: str) -> None:
    assert expand(value, VARIABLES) == expected


@pytest.mark.parametrize(("text", "hosts"), [
    ("cart:7070", ["cart:7070"]),
    ("http://cart.shop.svc.cluster.local:7070/api", ["http://cart.shop.svc.cluster.local:7070"]),
    ("--addr=cart:7070", ["cart:7070"]),
    ("jdbc:mysql://mysql:3306/db", ["mysql://mysql:3306"]),
    ("amqp://user:secret@rabbit:5672/", ["amqp://user:secret@rabbit:5672"]),
    ("cart:7070,redis:6379", ["cart:7070", "redis:6379"]),
    ("cart-db:5432", ["cart-db:5432"]),
    ("image cart:latest", []),
    ("ops@cart.shop", []),
    ("/etc/cart.shop/config", []),
    ("cart:123456", []),
    ("$(HOST):80", []),
    ("http://*:8080", []),
])
def test_address_tokens(text: str, hosts: list[str]) -> None:
    found = [match.group(0) for match in ADDRESS.finditer(text)
             if match.group("port") or match.group("scheme") or "." in match.group("host")]
    assert found == hosts


TREE = """\
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{port: 7070}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: proxy, namespace: shop}
data:
  nginx.conf: |
    upstream cart {
      # server cart:7000;
      server cart:7070;
    }
  folded: >
    first line
    http://cart:7070
  keyed: "cart:7070"
---
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
        image: web
        env:
        - {name: CART_HOST, value: cart}
        - {name: CART, value: "http://$(CART_HOST):7070"}
        - {name: NAME, value: cart}
        - name: FROM_KEY
          valueFrom: {configMapKeyRef: {name: proxy, key: keyed}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: proxy, namespace: shop}
spec:
  selector: {matchLabels: {app: proxy}}
  template:
    metadata: {labels: {app: proxy}}
    spec:
      containers: [{name: nginx, image: nginx}]
      volumes:
      - name: conf
        configMap: {name: proxy, items: [{key: nginx.conf, path: nginx.conf}]}
"""


@pytest.fixture()
def addresses(tmp_path: Path) -> list[tuple[str, int, int, str, list[str]]]:
    (tmp_path / "shop.yaml").write_text(TREE)
    tree = load_tree([str(tmp_path / "shop.yaml")], Options())
    return [(a.via, a.location.line, a.location.column, a.token, [c.owner.name for c in a.clients])
            for a in build_addresses(tree).found]


def test_each_address_at_its_line_with_the_readers_of_its_key(
        addresses: list[tuple[str, int, int, str, list[str]]]) -> None:
    assert addresses == [
        # the line inside the literal block, not the commented one; read by the volume's item
        ("key nginx.conf", 15, 14, "cart:7070", ["proxy"]),
        # a folded block does not keep its lines: the value's own line
        ("key folded", 17, 11, "http://cart:7070", []),
        ("key keyed", 20, 11, "cart:7070", ["web"]),
        # expanded from $(CART_HOST); a bare name is no address
        ("env CART of container web", 35, 31, "http://cart:7070", ["web"]),
    ]


def test_a_name_without_a_service_is_no_address(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, namespace: shop}
        data: {a: "cart:7070 api.example.com:443 localhost:80 10.0.0.1:80", b: "x.y.svc.cluster.local:1"}
        """))
    tree = load_tree([str(tmp_path / "a.yaml")], Options())
    assert [a.token for a in build_addresses(tree).found] == ["x.y.svc.cluster.local:1"]


def _dashboard_tree(tmp_path: Path) -> Path:
    """Ten Services and a ConfigMap whose values are mostly lines that cannot hold an address."""
    services = "".join(f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc{n}, namespace: shop}}\n"
                       f"spec: {{ports: [{{port: 80}}]}}\n" for n in range(10))
    filler = [f'      "panel{n}": {{"h": 1, "x": {n}, "expr": "rate(x[5m])", "url": "api.example.com:443"}},'
              for n in range(600)]
    dashboard = [*filler[:200], '      "a": "http://svc1:80/x",', *filler[200:400],
                 '      "b": "svc2.shop:80 svc3.shop.svc.cluster.local:80 svc1-old:80",',
                 '      # svc1:80 (a comment)', *filler[400:]]
    every = [f"      svc{n}:80 é→svc{n}.shop:80" for n in range(10)]
    text = (services + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: dash, namespace: shop}\ndata:\n"
            "  dashboard.json: |\n" + "\n".join(dashboard) + "\n  every.conf: |\n" + "\n".join(every)
            + "\n  none.conf: |\n" + "\n".join(filler[:50]) + "\n  line: 'svc4:80 a.x.svc:1'\n")
    (tmp_path / "dash.yaml").write_text(text)
    return tmp_path / "dash.yaml"


def test_only_lines_naming_a_service_are_scanned_and_each_address_keeps_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kubelint.analysis.addresses as addresses

    path = _dashboard_tree(tmp_path)

    def found() -> list[tuple[str, int, int, str]]:
        tree = load_tree([str(path)], Options())
        return [(a.via, a.location.line, a.location.column, a.token) for a in build_addresses(tree).found]

    start = 10 * 5 + 6  # the line of "dashboard.json: |"
    expected = [("key dashboard.json", start + 201, 13, "http://svc1:80"),
                ("key dashboard.json", start + 402, 13, "svc2.shop:80"),
                ("key dashboard.json", start + 402, 26, "svc3.shop.svc.cluster.local:80"),
                *[item for n in range(10) for item in (
                    ("key every.conf", start + 605 + n, 7, f"svc{n}:80"),
                    ("key every.conf", start + 605 + n, 17, f"svc{n}.shop:80"))],
                ("key line", start + 666, 10, "svc4:80"),
                ("key line", start + 666, 18, "a.x.svc:1")]
    assert found() == expected
    monkeypatch.setattr(addresses, "FIND_LABELS", -1)  # every line of every multi-line value scanned
    assert found() == expected


def test_locating_addresses_keeps_no_lines_on_the_sources(tmp_path: Path) -> None:
    # the lines of every file with an address stayed on its Source for the whole run (~300 MB at 100k objects)
    (tmp_path / "shop.yaml").write_text(TREE)
    tree = load_tree([str(tmp_path / "shop.yaml")], Options())
    assert len(build_addresses(tree).found) == 4
    assert all("_lines" not in source.__dict__ for source in tree.sources)


def test_a_unit_finds_the_addresses_of_its_own_files_only(tmp_path: Path) -> None:
    """kube-prometheus' shape: the manifests and a setup/ folder below are two units that see each other; each
    unit's own addresses are those of its files, and together they are every address of the tree."""
    (tmp_path / "setup").mkdir()
    (tmp_path / "app.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: cart, namespace: shop}
        spec: {selector: {app: cart}, ports: [{port: 7070}]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: top, namespace: shop}
        data: {a: "cart:7070", b: "cart.shop:7171"}
        """))
    (tmp_path / "setup" / "setup.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: below, namespace: shop}
        data: {a: "cart.shop.svc:7070"}
        """))
    tree = load_tree([str(tmp_path)], Options())
    units = tree.units()
    assert len(units) == 2 and all(len(unit.resources) == 3 for unit in units)
    own = []
    for unit in units:
        every = build_addresses(unit).found
        mine = build_own_addresses(unit).found
        assert len(mine) < len(every)
        assert mine == [a for a in every if unit.member_files is not None and a.location.file in unit.member_files]
        own += [a.token for a in mine]
    assert sorted(own) == sorted(a.token for a in build_addresses(tree).found) == [
        "cart.shop.svc:7070", "cart.shop:7171", "cart:7070"]
    assert build_own_addresses(tree).found == build_addresses(tree).found  # no units: every file is its own
