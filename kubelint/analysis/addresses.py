"""Service addresses written in configuration: the dependencies a workload declares in env values, command and
args, and in the ConfigMaps its pods use (``http://cart.shop.svc.cluster.local:7070``, ``redis-cart:6379``).

Only values that clearly are addresses of a Service of the tree count. A token (after Kubernetes' ``$(VAR)``
expansion of env values, command and args from the container's literal env values) is an address when it is:

- a cluster DNS name, ``<name>.<namespace>.svc`` or ``<name>.<namespace>.svc.cluster.local`` (a headless
  Service's pod, ``<pod>.<name>.<namespace>.svc...``, names the Service too), with or without scheme and port:
  unambiguous, so it counts even when the tree lacks the Service;
- ``<name>.<namespace>`` where the tree defines Service ``name`` in namespace ``namespace``;
- a bare ``<name>`` with a scheme (``http://cart``) or a port (``cart:7070``), where the tree defines Service
  ``name`` in the namespace of the object that writes it. A bare word without either (``OTEL_SERVICE_NAME=cart``,
  a component label) is a name, not an address.

Everything else is left alone: hosts with other dots (``api.example.com``), ``localhost``, listen addresses
(``0.0.0.0:8080``, ``:8080``, ``http://*:8080``), hosts glued to other text (``cart-db``, ``my.cart``), and lines
of ConfigMap data that are comments (``#``, ``//``, ``;``). The port is the one written, else the scheme's
well-known port (``http`` 80, ``https`` 443, ``redis`` 6379, ...), else unknown.

The clients of an address are the pods of the workload that writes it, or of every workload that reads that
key of the ConfigMap (``configMapKeyRef`` of the key, ``envFrom``, a volume or projected source without ``items``
or with an item of the key). Each address records where it is written: the value's node, and for a
multi-line value (a config file in a ConfigMap) the line inside it, checked against the source text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import ResourceGraph, build_graph
from kubelint.findings import Location, Path
from kubelint.model.resource import Container, ObjectRef, Resource, mapping, sequence
from kubelint.model.selectors import PodGroup
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree
    from kubelint.sources.read import Source

CLUSTER_DOMAIN = "cluster.local"

SCHEME_PORTS: Mapping[str, int] = {
    "http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 80, "redis": 6379, "rediss": 6379,
    "postgres": 5432, "postgresql": 5432, "mysql": 3306, "mongodb": 27017, "amqp": 5672, "amqps": 5671,
    "nats": 4222, "memcached": 11211, "ldap": 389, "ldaps": 636, "mqtt": 1883, "zookeeper": 2181,
}
"""Well-known ports of URL schemes, used when an address writes a scheme and no port."""

NO_DEFAULT = frozenset({"grpc"})
"""Schemes whose clients usually need the port written: no default is assumed."""

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
ADDRESS = re.compile(
    r"(?<![\w.@/$*%{-])"
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{0,20})://(?:[^\s/@:]+(?::[^\s/@]*)?@)?)?"
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*)"
    r"(?::(?P<port>\d{1,5}))?"
    r"(?![\w$%{}*-]|\.[A-Za-z0-9]|:\d|:[A-Za-z])"
)
"""A host with optional scheme (and user info) and port, not glued to surrounding word characters."""

COMMENT = re.compile(r"^\s*(#|//|;)")
NOT_HOSTS = frozenset({"localhost"})

WORD = re.compile(r"[\w-]+")
"""A run of word characters and dashes: every label of a host :data:`ADDRESS` matches is one whole such run (the
pattern refuses word characters and dashes on either side of the host and between its labels stand dots)."""
_NOT_WORD = str.maketrans({chr(code): " " for code in range(128) if not (chr(code).isalnum() or chr(code) in "_-")})
"""ASCII characters outside :data:`WORD`, mapped to spaces (splitting an ASCII text into its :data:`WORD` runs)."""
FIND_LABELS = 8
"""Up to this many Service names written in a multi-line value, their lines are found by searching for each name;
with more, every line is scanned (either way the work stays linear in the value's length)."""

DIRECT = "direct"
SHORT = "short"
NAME_NAMESPACE = "name.namespace"
CLUSTER_DNS = "cluster-dns"


@record(frozen=True)
class Address:
    """One Service address written in a workload's or ConfigMap's configuration."""

    source: Resource
    location: Location
    token: str
    """The address as found (after ``$(VAR)`` expansion)."""
    form: str
    """How it names the Service: ``short``, ``name.namespace`` or ``cluster-dns``."""
    target: ObjectRef
    """The Service it names."""
    service: Resource | None
    scheme: str | None
    port: int | None
    port_written: bool
    pod: str | None = None
    """The pod part of a headless Service's pod address (``web-0`` in ``web-0.web.shop.svc``)."""
    clients: tuple[PodGroup, ...] = ()
    via: str = ""
    """Where it is written: ``env X``, ``args``, ``command``, ``ConfigMap key``."""


@record
class Addresses:
    """Every Service address of one tree, by the object that writes it."""

    found: list[Address] = field(default_factory=list)


def expand(value: str, variables: Mapping[str, str]) -> str:
    """Kubernetes' expansion of ``$(VAR)`` references in env values, command and args: a defined variable is
    replaced by its value, ``$$`` is a literal ``$``, anything else stays as written."""
    if "$" not in value:
        return value
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "$" and index + 1 < len(value):
            following = value[index + 1]
            if following == "$":
                out.append("$")
                index += 2
                continue
            if following == "(":
                end = value.find(")", index + 2)
                if end != -1:
                    name = value[index + 2:end]
                    if name in variables:
                        out.append(variables[name])
                        index = end + 1
                        continue
        out.append(char)
        index += 1
    return "".join(out)


def _may_hold_address(value: str) -> bool:
    """Whether a value has a dot or a colon: an address (``name.namespace``, ``name:port``, a scheme) needs one."""
    return "." in value or ":" in value


class AddressFinder:
    """Finds the Service addresses of a tree (see the module's docstring)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.graph: ResourceGraph = build_graph(tree)
        self.services: dict[tuple[str | None, str], Resource] = {}
        for resource in tree.by_ref.values():
            if resource.ref.group == "" and resource.kind == "Service":
                self.services.setdefault((resource.namespace, resource.name), resource)
        self.labels = frozenset({"svc", *(name for _, name in self.services)})
        """The labels without which a host is no address: ``svc`` and the names of the tree's Services."""
        self._sources: dict[tuple[str, str], Source] = {}
        self._lines: dict[int, list[str]] = {}
        """The lines of the sources an address was found in, kept while the finder works (not on the Source, which
        lives for the whole run: at 100k objects that kept every line of every file, ~300 MB)."""
        for source in tree.sources:
            self._sources.setdefault((source.display, source.via), source)

    def find(self, files: frozenset[str] | None = None) -> Addresses:
        """The addresses written in the tree's objects (``files``: only in the objects of those files)."""
        out = Addresses()
        groups: dict[ObjectRef, PodGroup] = {group.owner: group for group in self.graph.pods}
        readers = self._config_map_readers(groups)
        for resource in self.tree.by_ref.values():
            if files is not None and resource.file not in files:
                continue
            if resource.ref.group == "" and resource.kind == "ConfigMap":
                out.found.extend(self._config_map(resource, readers.get((resource.namespace, resource.name), {})))
                continue
            template = self.graph.template(resource)
            if template is None:
                continue
            group = groups.get(resource.ref)
            own: tuple[PodGroup, ...] = (group,) if group is not None else ()
            for container in template.containers:
                out.found.extend(self._container(resource, container, own))
        return out

    # where values are written -------------------------------------------------------------------

    def _container(self, resource: Resource, container: Container, clients: tuple[PodGroup, ...]
                   ) -> Iterator[Address]:
        variables: dict[str, str] = {}
        every: dict[str, str] = {}
        literal: list[tuple[int, str, str]] = []
        """The env variables with a literal value: (index, name, value)."""
        for index, variable in enumerate(sequence(container.raw.get("env"))):
            if not isinstance(variable, dict):
                continue
            name, value = variable.get("name"), variable.get("value")
            if name and isinstance(name, str) and isinstance(value, str) and "valueFrom" not in variable:
                every.setdefault(name, value)
                literal.append((index, name, value))
        for index, name, value in literal:
            expanded = expand(value, variables)
            variables[name] = expanded
            if _may_hold_address(expanded):
                yield from self._scan(resource, (*container.path, "env", index, "value"), value, expanded, clients,
                                      f"env {name} of container {container.name}")
        for field_name in ("command", "args"):
            for index, item in enumerate(sequence(container.raw.get(field_name))):
                if isinstance(item, str):
                    expanded = expand(item, every)
                    if _may_hold_address(expanded):
                        yield from self._scan(resource, (*container.path, field_name, index), item, expanded,
                                              clients, f"{field_name} of container {container.name}")

    def _config_map_readers(self, groups: Mapping[ObjectRef, PodGroup]
                            ) -> dict[tuple[str | None, str], dict[str | None, list[PodGroup]]]:
        """For each ConfigMap (namespace, name): the pod groups that read each key (key None: every key, through
        envFrom or a volume without items)."""
        readers: dict[tuple[str | None, str], dict[str | None, list[PodGroup]]] = {}

        def add(namespace: str | None, name: object, key: object, group: PodGroup) -> None:
            if isinstance(name, str) and (key is None or isinstance(key, str)):
                found = readers.setdefault((namespace, name), {}).setdefault(key, [])
                if group not in found:
                    found.append(group)

        for owner, group in groups.items():
            resource = self.tree.by_ref.get(owner)
            template = self.graph.template(resource) if resource is not None else None
            if template is None:
                continue
            namespace = owner.namespace
            for container in template.containers:
                for variable in sequence(container.raw.get("env")):
                    if isinstance(variable, dict) and "valueFrom" in variable:  # most variables have a value
                        ref = mapping(mapping(variable["valueFrom"]).get("configMapKeyRef"))
                        add(namespace, ref.get("name"), ref.get("key"), group)
                for source in sequence(container.raw.get("envFrom")):
                    add(namespace, mapping(mapping(source).get("configMapRef")).get("name"), None, group)
            for volume in sequence(template.spec.get("volumes")):
                volume = mapping(volume)
                if "configMap" not in volume and "projected" not in volume:  # an emptyDir, a Secret, a claim
                    continue
                sources = [mapping(volume.get("configMap"))]
                sources += [mapping(mapping(item).get("configMap"))
                            for item in sequence(mapping(volume.get("projected")).get("sources"))]
                for source in sources:
                    items = [mapping(item).get("key") for item in sequence(source.get("items"))]
                    for key in items or [None]:
                        add(namespace, source.get("name"), key, group)
        return readers

    def _config_map(self, resource: Resource, readers: Mapping[str | None, list[PodGroup]]) -> Iterator[Address]:
        every = readers.get(None, [])
        for key, value in mapping(resource.raw.get("data")).items():
            if isinstance(value, str):
                clients = tuple(dict.fromkeys([*every, *readers.get(key, [])]))
                yield from self._scan(resource, ("data", key), value, value, clients, f"key {key}")

    # scanning -----------------------------------------------------------------------------------

    def _scan(self, resource: Resource, path: Path, written: str, value: str, clients: tuple[PodGroup, ...],
              via: str) -> Iterator[Address]:
        if not _may_hold_address(value):
            return
        multiline = "\n" in value
        for number, line in self._candidate_lines(value, multiline):
            if (":" not in line and "." not in line) or (multiline and COMMENT.match(line)):
                continue
            for match in ADDRESS.finditer(line):
                found = self._address(resource, match)
                if found is not None:
                    location = self._locate(resource, path, match.group(0), number if multiline else None)
                    yield Address(resource, location, match.group(0), *found, clients=clients, via=via)

    def _candidate_lines(self, value: str, multiline: bool) -> Iterator[tuple[int, str]]:
        """The lines of a value (with their index) that could hold an address, in order. A host is an address only
        when one of its labels is ``svc`` or the name of a Service of the tree, and each label is a whole
        :data:`WORD` run, so a value without such a run has none, and of a multi-line value (a config file, a
        Grafana dashboard: mostly lines that cannot) only the lines where such a name is written are scanned.
        Linear in the value's length, whatever the number of Services."""
        runs = set(value.translate(_NOT_WORD).split()) if value.isascii() else set(WORD.findall(value))
        wanted = runs & self.labels
        if not wanted:
            return
        if not multiline:
            yield 0, value
            return
        if len(wanted) > FIND_LABELS:
            yield from enumerate(value.split("\n"))
            return
        starts: set[int] = set()
        for label in wanted:
            at = value.find(label)
            while at != -1:
                starts.add(value.rfind("\n", 0, at) + 1)
                at = value.find("\n", at)
                if at == -1:
                    break
                at = value.find(label, at)
        number, counted = 0, 0
        for start in sorted(starts):
            number += value.count("\n", counted, start)
            counted = start
            end = value.find("\n", start)
            yield number, value[start:] if end == -1 else value[start:end]

    def _address(self, resource: Resource, match: re.Match[str]
                 ) -> tuple[str, ObjectRef, Resource | None, str | None, int | None, bool, str | None] | None:
        """What a match names, when it is an address: the :class:`Address` fields after its token (form, target,
        service, scheme, port, port_written, pod)."""
        host = match.group("host")
        scheme = match.group("scheme")
        scheme = scheme.lower() if scheme else None
        port_text = match.group("port")
        port = int(port_text) if port_text else None
        if port is not None and not 0 < port < 65536:
            return None
        if host in NOT_HOSTS or host.replace(".", "").isdigit():
            return None
        labels = host.split(".")
        pod = None
        if labels[-1] == "svc" or labels[-3:] == ["svc", *CLUSTER_DOMAIN.split(".")]:
            names = labels[: labels.index("svc")]
            if len(names) == 3:
                pod, names = names[0], names[1:]
            if len(names) != 2:
                return None
            form, (name, namespace) = CLUSTER_DNS, (names[0], names[1])
            service = self.services.get((namespace, name))
        elif len(labels) == 2:
            name, namespace = labels
            service = self.services.get((namespace, name))
            if service is None:
                return None
            form = NAME_NAMESPACE
        elif len(labels) == 1:
            if scheme is None and port is None:
                return None
            name, namespace = host, resource.namespace or ""
            service = self.services.get((namespace, name))
            if service is None:
                return None
            form = SHORT
        else:
            return None
        if port is None and scheme is not None and scheme not in NO_DEFAULT:
            port = SCHEME_PORTS.get(scheme)
        return form, ObjectRef("", "Service", namespace, name), service, scheme, port, port_text is not None, pod

    def _locate(self, resource: Resource, path: Path, token: str, line_number: int | None) -> Location:
        """Where an address is written: for line ``line_number`` of a multi-line value, that line when the source
        text shows the token there (a literal block scalar keeps its lines), else the value; the column is the
        token's when the source line shows it (a value expanded from ``$(VAR)`` may not)."""
        where = resource.where(path)
        source = self._sources.get((resource.file, resource.via))
        if source is None:
            return where
        if line_number is not None:
            line = where.line + 1 + line_number
            column = self._line_text(source, line).find(token)
            return where if column == -1 else replace(where, line=line, column=column + 1)
        column = self._line_text(source, where.line).find(token, max(where.column - 1, 0))
        return where if column == -1 else replace(where, column=column + 1)


    def _line_text(self, source: Source, line: int) -> str:
        """:meth:`Source.line_text`, from lines kept by this finder only."""
        lines = self._lines.get(id(source))
        if lines is None:
            lines = self._lines[id(source)] = source.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


@analysis_of("service-addresses")
def build_addresses(tree: Tree) -> Addresses:
    """The Service addresses written in the tree's configuration, found once per tree on first use."""
    return AddressFinder(tree).find()


@analysis_of("own-service-addresses")
def build_own_addresses(tree: Tree) -> Addresses:
    """The Service addresses written in the files of the units the tree checks (``Tree.member_files``): a finding at
    an address elsewhere is another unit's (the engine keeps a unit's findings about its own files only), so a
    unit that only sees a large neighbour (kube-prometheus' CRD folder) does not scan the neighbour's dashboards."""
    if tree.member_files is None:
        return build_addresses(tree)
    return AddressFinder(tree).find(tree.member_files)
