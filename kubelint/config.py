"""The configuration file: discovery, validation against the shipped JSON Schema, and mapping onto Options.

``.kubelint.yaml`` (or ``.kubelint.yml``) is looked for in the current folder and each parent up to the
repository root (the folder holding ``.git``); outside a repository only the current folder is looked at.
``--config FILE`` names it explicitly. The schema is ``kubelint/data/config.schema.json``, published as
``docs/config.schema.json`` for editors. Command-line options override the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path as FilePath
from typing import Any

from kubelint.findings import Path, Severity
from kubelint.model.external import external_entry, parse_external
from kubelint.model.units import UnitSpec
from kubelint.model.workloads import parse_workload, workload_entry
from kubelint.options import Options
from kubelint.records import record
from kubelint.sources.discover import anchor
from kubelint.sources.yaml import nearest_position

CONFIG_NAMES = (".kubelint.yaml", ".kubelint.yml")


class ConfigError(Exception):
    """The configuration is broken (a usage error: the message names file, line and key)."""


@record
class Config:
    """A validated configuration file: its values and where each node is."""

    file: str
    data: dict[str, Any]
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> str:
        return os.path.dirname(self.file) or "."

    def where(self, path: Path) -> str:
        """``file:line:column`` of the node at ``path`` (or its nearest existing parent)."""
        line, column = nearest_position(self.positions, path)
        return f"{self.file}:{line}:{column}"

    def error(self, path: Path, message: str) -> ConfigError:
        key = _dotted(path) or "the configuration"
        return ConfigError(f"{self.where(path)}: {key}: {message}")


def config_schema() -> dict[str, Any]:
    """The JSON Schema of the configuration file."""
    with open(FilePath(__file__).parent / "data" / "config.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def find_config(start: str = ".") -> str | None:
    """The configuration file that applies in ``start``: the nearest one up to the repository root."""
    folder = os.path.abspath(start)
    folders = []
    while True:
        folders.append(folder)
        if os.path.exists(os.path.join(folder, ".git")):
            break
        parent = os.path.dirname(folder)
        if parent == folder:  # not in a repository: only the starting folder counts
            folders = folders[:1]
            break
        folder = parent
    for folder in folders:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return os.path.relpath(candidate) if folder == os.path.abspath(start) else candidate
    return None


def load_config(path: str, found: bool = False) -> Config:
    """Read and validate a configuration file. One ``found`` in a folder (not named with ``--config``) is not
    read when it is a symlink out of its repository: a repository cannot make kubelint read a file elsewhere."""
    from kubelint.sources.boundary import Boundary
    from kubelint.sources.discover import Candidate
    from kubelint.sources.read import load_source

    if not os.path.isfile(path):
        raise ConfigError(f"{path}: configuration file not found")
    source = load_source(Candidate(path, path), boundary=Boundary.around([path]) if found else None)
    for problem in source.problems:
        raise ConfigError(f"{path}:{problem.line}:{problem.column}: {problem.message}")
    if not source.documents:
        return Config(path, {})
    if len(source.documents) > 1:
        raise ConfigError(f"{path}:1:1: a configuration file holds one YAML document")
    document = source.documents[0]
    config = Config(path, document.data, dict(document.positions))
    if not isinstance(document.data, dict):
        raise config.error((), "the configuration must be a mapping of settings")
    _validate(config)
    return config


def _validate(config: Config) -> None:
    from jsonschema import Draft202012Validator

    schema = config_schema()
    errors = list(Draft202012Validator(schema).iter_errors(config.data))
    if not errors:
        return
    error = min(errors, key=lambda e: config.where(tuple(e.absolute_path)))
    path: Path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in known]
        if extra:
            raise config.error((*path, extra[0]), f"unknown key (known here: {', '.join(known)})")
    if error.validator == "propertyNames":
        raise config.error(path, f"{error.instance!r} is not a rule id")
    if error.validator == "anyOf" and path and path[-2:-1] == ("ignore",):
        raise config.error(path, "an ignore entry needs at least one of path, namespace, kind, name")
    if error.validator == "anyOf" and path and path[-2:-1] == ("external",):
        raise config.error(path, "an external entry needs at least one of kind, name, namespace")
    raise config.error(path, error.message)


def check_rule_ids(config: Config, known: Mapping[str, Any]) -> None:
    """Every rule id (and ``tag:``) the configuration names must exist in the catalogue (built-in plus user
    rules, id -> Rule); the error names the entry's line and the nearest known id or tag."""
    from kubelint.rule_selection import unknown_entry

    rules = config.data.get("rules", {})
    candidates: list[tuple[Path, str]] = []
    for key in ("enable", "disable"):
        candidates += [(("rules", key, index), rule) for index, rule in enumerate(rules.get(key, []))]
    candidates += [(("rules", "severity", rule), rule) for rule in rules.get("severity", {})]
    for index, entry in enumerate(config.data.get("ignore", [])):
        candidates += [(("ignore", index, "rules", n), rule) for n, rule in enumerate(entry.get("rules", []))]
    for path, rule in candidates:
        if path[1] != "enable" and path[1] != "disable" and rule.startswith("tag:"):
            raise config.error(path, f"{rule!r}: tags are for rules.enable and rules.disable only")
        problem = unknown_entry(rule, known)
        if problem is not None:
            raise config.error(path, problem)


def to_options(config: Config | None) -> Options:
    """The options a configuration file sets (defaults for everything it does not name)."""
    options = Options()
    if config is None:
        return options
    data = config.data
    options.config_file = config.file
    rules = data.get("rules", {})
    options.enable = list(rules.get("enable", []))
    options.disable = list(rules.get("disable", []))
    options.severity = {rule: Severity.parse(value) for rule, value in rules.get("severity", {}).items()}
    options.rule_dirs = [_relative_to(config, path) for path in data.get("rule-dirs", [])]
    options.exclude = [anchor(pattern, config.folder) for pattern in data.get("exclude", [])]
    options.context = [_relative_to(config, path) for path in data.get("context", [])]
    options.policies = [_relative_to(config, path) for path in data.get("policies", [])]
    options.gitignore = bool(data.get("respect-gitignore", True))
    options.include_hidden = list(data.get("include-hidden", []))
    if "namespace" in data:
        options.namespace = data["namespace"]
    if "profile" in data:
        options.profile = data["profile"]
    if "kubernetes-version" in data:
        options.kubernetes_version = data["kubernetes-version"].removeprefix("v")
    options.schema_location = [_relative_to(config, path) for path in data.get("schema-location", [])]
    options.strict = bool(data.get("strict", True))
    if "fail-on" in data:
        options.fail_on = None if data["fail-on"] == "never" else Severity.parse(data["fail-on"])
    if "max-file-size" in data:
        options.max_file_size = data["max-file-size"] * 1024 * 1024
    options.render = bool(data.get("render", True))
    if "render-timeout" in data:
        options.render_timeout = float(data["render-timeout"])
    options.allow_remote_bases = bool(data.get("allow-remote-bases", False))
    if "baseline" in data:
        options.baseline = _inside(config, ("baseline",), "reads a baseline", "--baseline FILE")
    if "source-root" in data:
        options.source_root = _relative_to(config, data["source-root"])
    if "cache-dir" in data and not os.environ.get("KUBELINT_CACHE_DIR"):  # --cache-dir, then the variable, win
        options.cache_dir = _cache_dir(config)
    options.reports = {name: _inside(config, ("reports", name), "writes reports", f"--report {name}=FILE")
                       for name in data.get("reports", {})}
    for index, workload in enumerate(data.get("workloads", [])):
        if "template" not in workload and "labels" not in workload:
            workload = {**workload, "template": "spec.template"}
        try:
            options.workloads.append(parse_workload(workload))
        except ValueError as error:
            raise config.error(("workloads", index), str(error)) from error
    options.units = [_unit_spec(config, entry) for entry in data.get("units", [])]
    options.ignore = [_anchored_entry(entry, config.folder) for entry in data.get("ignore", [])]
    options.external = [parse_external(entry) for entry in data.get("external", [])]
    if "new-since" in data:
        options.new_since = data["new-since"]
    pod_security = data.get("pod-security", [])
    options.pod_security = [pod_security] if isinstance(pod_security, str) else list(pod_security)
    if "admission-config" in data:
        options.admission_config = _relative_to(config, data["admission-config"])
    options.pod_security_user_namespaces = bool(data.get("pod-security-user-namespaces", False))
    return options


def _unit_spec(config: Config, entry: str | dict[str, Any]) -> UnitSpec:
    """A ``units`` entry: a glob (each match a unit), or a named group of globs (one unit)."""
    if isinstance(entry, str):
        return UnitSpec((entry,), None, config.folder)
    paths = entry["paths"]
    return UnitSpec(tuple([paths] if isinstance(paths, str) else paths), entry["name"], config.folder)


def unit_entry(spec: UnitSpec) -> str | dict[str, Any]:
    """A configured unit as the configuration file spells it."""
    if spec.name is None and len(spec.globs) == 1:
        return spec.globs[0]
    return {"name": spec.name or spec.globs[0], "paths": list(spec.globs)}


def _anchored_entry(entry: Mapping[str, Any], folder: str) -> dict[str, Any]:
    """An ``ignore`` entry whose ``path`` globs are anchored to the configuration file's folder."""
    out = dict(entry)
    if "path" in out:
        paths = [out["path"]] if isinstance(out["path"], str) else list(out["path"])
        out["path"] = [anchor(pattern, folder) for pattern in paths]
    return out


def _relative_to(config: Config, path: str) -> str:
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(config.folder, path))


def _inside(config: Config, key: Path, does: str, instead: str) -> str:
    """The path at ``key`` (relative to the configuration file), which must lead to a place inside the tree holding
    the file (its repository): a configuration is repository content, and these paths are written (reports, the
    cache) or decide what is reported (the baseline). Symlinks count: the real path is checked."""
    from kubelint.report.escape import escape_control
    from kubelint.sources.boundary import Boundary

    value: Any = config.data
    for part in key:
        value = value[part]
    path = _relative_to(config, str(value))
    boundary = Boundary.around([config.file])
    if not boundary.contains(path):
        raise config.error(key, f"{escape_control(str(value))} leads outside the repository of this configuration file "
                                f"({escape_control(boundary.roots[0])}); kubelint {does} from a configuration only "
                                f"inside it (name a place elsewhere on the command line: {instead})")
    return path


def _cache_dir(config: Config) -> str:
    """``cache-dir``: a folder inside the configuration's repository that is kubelint's cache or does not exist
    yet. kubelint prunes old files in its cache folder and makes it private, so a configuration (repository
    content) must not point it at a folder of the user's (``~/.bashrc.d``) or at a folder of manifests."""
    from kubelint.cachedir import foreign_entries
    from kubelint.report.escape import escape_control

    path = _inside(config, ("cache-dir",), "keeps its cache", "--cache-dir DIR or KUBELINT_CACHE_DIR")
    if os.path.realpath(path) == os.path.realpath(config.folder):
        raise config.error(("cache-dir",), "the cache folder cannot be the configuration's own folder; name a "
                                           "folder of its own (cache-dir: .kubelint-cache)")
    foreign = foreign_entries(path)
    if foreign:
        raise config.error(("cache-dir",), f"{escape_control(str(config.data['cache-dir']))} holds files that are "
                           f"not kubelint's cache ({escape_control(', '.join(foreign[:3]))}); kubelint removes old "
                           "files in its cache folder, so name a folder of its own (cache-dir: .kubelint-cache)")
    return path


def outside_repository(options: Options) -> list[str]:
    """Notes (for ``-v``) about the configuration's ``context``, ``policies`` and ``rule-dirs`` entries that lie
    outside the repository holding the configuration file: allowed (the repository's owner chose them), but
    kubelint then reads or loads files from elsewhere on the machine, which a reviewer of a pull request should
    know."""
    from kubelint.sources.boundary import repository_top

    if options.config_file is None:
        return []
    folder = os.path.realpath(os.path.dirname(os.path.abspath(options.config_file)))
    top = repository_top(folder) or folder
    notes = []
    entries = (("context", options.context), ("policies", options.policies), ("rule-dirs", options.rule_dirs))
    for key, paths in entries:
        for path in paths:
            real = os.path.realpath(path)
            if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
                notes.append(f"{options.config_file}: {key} entry {path} is outside the repository ({top}); "
                             f"kubelint {'loads rules' if key == 'rule-dirs' else 'reads files'} there as configured")
    return notes


def merge_lists(base: list[str], add: Iterable[str], remove: Iterable[str]) -> list[str]:
    """``base`` without ``remove``, plus ``add`` (keeping order, no duplicates)."""
    removed = set(remove)
    out = [item for item in base if item not in removed]
    out += [item for item in add if item not in out]
    return out


def effective(options: Options) -> dict[str, Any]:
    """The effective settings in the configuration file's shape (for ``--show-config``)."""
    workloads = [workload_entry(workload) for workload in options.workloads]
    max_mib = _number(options.max_file_size / (1024 * 1024))
    return {
        "rules": {
            "enable": list(options.enable),
            "disable": list(options.disable),
            "severity": {rule: str(severity) for rule, severity in options.severity.items()},
        },
        "rule-dirs": list(options.rule_dirs),
        "exclude": list(options.exclude),
        "respect-gitignore": options.gitignore,
        "include-hidden": list(options.include_hidden),
        "namespace": options.namespace,
        "profile": options.profile,
        "kubernetes-version": options.kubernetes_version,
        "schema-location": list(options.schema_location),
        "strict": options.strict,
        "fail-on": "never" if options.fail_on is None else str(options.fail_on),
        "max-file-size": max_mib,
        "cache-dir": options.cache_dir,
        "render": options.render,
        "render-timeout": _number(options.render_timeout),
        "allow-remote-bases": options.allow_remote_bases,
        "baseline": options.baseline,
        "source-root": options.source_root,
        "reports": dict(options.reports),
        "context": list(options.context),
        "policies": list(options.policies),
        "units": [unit_entry(spec) for spec in options.units],
        "workloads": workloads,
        "ignore": list(options.ignore),
        "external": [external_entry(entry) for entry in options.external],
        "new-since": options.new_since,
        "pod-security": list(options.pod_security),
        "admission-config": options.admission_config,
        "pod-security-user-namespaces": options.pod_security_user_namespaces,
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def show_config(options: Options) -> str:
    """The effective configuration as a valid ``.kubelint.yaml``, headed by where it came from."""
    source = options.config_file or "none found; defaults"
    return f"# configuration file: {source}\n" + render_yaml(effective(options))


def render_yaml(data: Mapping[str, Any], indent: int = 0) -> str:
    """A small YAML rendering of plain data (scalars in JSON syntax, which YAML reads the same); None is left out."""
    lines = []
    pad = " " * indent
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:")
            lines.append(render_yaml(value, indent + 2).rstrip("\n"))
        else:
            lines.append(f"{pad}{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
